// Preloaded into memberwatchd by test_disk_trouble (LD_PRELOAD): fsync(2)
// fails with ENOSPC, as it does on file systems that allocate space at
// writeback (NFS, thin-provisioned volumes), while the file named by
// MW_FAIL_FSYNC_FLAG exists. The file's content picks the descriptors that
// fail: "temporary" for the snapshot's temporary file, "folder" for
// directories (the fsync of the state directory after the rename).

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

using FsyncFunction = int (*)(int);

std::string read_flag(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buffer[32] = {};
  const auto count = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  std::string flag(buffer, count > 0 ? static_cast<std::size_t>(count) : 0);
  while (!flag.empty() && (flag.back() == '\n' || flag.back() == ' ')) flag.pop_back();
  return flag;
}

std::string path_of(int fd) {
  char target[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const auto length = ::readlink(link.c_str(), target, sizeof target);
  return length > 0 ? std::string(target, static_cast<std::size_t>(length)) : "";
}

bool should_fail(int fd) {
  const char* flag_path = std::getenv("MW_FAIL_FSYNC_FLAG");
  if (flag_path == nullptr) return false;
  const auto flag = read_flag(flag_path);
  if (flag.empty()) return false;
  struct stat status {};
  if (::fstat(fd, &status) != 0) return false;
  if (flag == "folder") return S_ISDIR(status.st_mode);
  if (flag == "temporary") return S_ISREG(status.st_mode) && path_of(fd).find(".tmp-") != std::string::npos;
  return false;
}

}  // namespace

extern "C" int fsync(int fd) {
  if (should_fail(fd)) {
    errno = ENOSPC;
    return -1;
  }
  static const auto real = reinterpret_cast<FsyncFunction>(::dlsym(RTLD_NEXT, "fsync"));
  return real(fd);
}
