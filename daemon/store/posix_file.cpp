#include "store/posix_file.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <random>
#include <system_error>
#include <vector>

namespace mw::store {
namespace {

// Why a state file could not be opened, with a clear word for the one
// failure that is an attack rather than bad luck.
[[noreturn]] void throw_open_error(const std::filesystem::path& path, int error_number) {
  if (error_number == ELOOP) {
    throw StoreError("refusing to follow the symbolic link at " + path.string() +
                         ": a state file must be a regular file (remove the link)",
                     error_number);
  }
  throw_store_error("open", path, error_number);
}

// Six random characters for a temporary file name.
std::string random_suffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device device;
  std::string suffix(6, 'x');
  for (char& c : suffix) c = kChars[device() % (sizeof kChars - 1)];
  return suffix;
}

}  // namespace

void throw_store_error(std::string_view action, const std::filesystem::path& path, int error_number) {
  throw StoreError(
      std::string(action) + " " + path.string() + ": " + std::system_category().message(error_number),
      error_number);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::close_or_throw(const std::filesystem::path& path) {
  // Linux releases the descriptor even when close() fails, EINTR included,
  // so it is never retried; EINTR does not mean the data was lost.
  if (::close(release()) != 0 && errno != EINTR) throw_store_error("close", path, errno);
}

void ensure_directory(const std::filesystem::path& path, mode_t mode) {
  if (path.empty()) return;
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0) {
    if (S_ISDIR(status.st_mode)) return;
    throw_store_error("use as a directory", path, ENOTDIR);
  }
  if (errno != ENOENT) throw_store_error("inspect directory", path, errno);
  const std::filesystem::path parent = path.parent_path();
  if (!parent.empty() && parent != path) ensure_directory(parent, mode);
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno == EEXIST) return ensure_directory(path, mode);  // created meanwhile, or a file now
    throw_store_error("create directory", path, errno);
  }
  // The umask may have taken bits: set the mode on the directory just made,
  // through a descriptor (a path could be swapped for a link meanwhile).
  UniqueFd made(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (made.get() < 0) throw_store_error("open directory", path, errno);
  if (::fchmod(made.get(), mode) != 0) throw_store_error("set the mode of directory", path, errno);
}

UniqueFd open_folder(const std::filesystem::path& folder) {
  UniqueFd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_store_error("open directory", folder, errno);
  return fd;
}

UniqueFd open_in_folder(const std::filesystem::path& path, int flags, mode_t mode) {
  const UniqueFd folder = open_folder(folder_of(path));
  UniqueFd fd(::openat(folder.get(), path.filename().c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    if (errno == ENOENT && (flags & O_CREAT) == 0) return fd;
    throw_open_error(path, errno);
  }
  return fd;
}

std::filesystem::path folder_of(const std::filesystem::path& file) {
  std::filesystem::path folder = file.parent_path();
  return folder.empty() ? std::filesystem::path(".") : folder;
}

std::string temporary_file_prefix(const std::filesystem::path& file) {
  return "." + file.filename().string() + ".tmp-";
}

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_store_error("write", path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

void fsync_or_throw(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) throw_store_error("fsync", path, errno);
}

void fsync_directory(const std::filesystem::path& directory) {
  UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_store_error("open directory", directory, errno);
  fsync_or_throw(fd.get(), directory);
}

std::uint64_t replace_file_atomically(const std::filesystem::path& path, const ContentProducer& produce,
                                      mode_t mode) {
  const std::filesystem::path folder = folder_of(path);
  const UniqueFd folder_fd = open_folder(folder);
  // A new name, created here and nowhere else (O_EXCL, never through a link).
  std::string name;
  UniqueFd file;
  for (int attempt = 0; file.get() < 0; ++attempt) {
    name = temporary_file_prefix(path) + random_suffix();
    file = UniqueFd(
        ::openat(folder_fd.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (file.get() < 0 && (errno != EEXIST || attempt == 100))
      throw_store_error("create a temporary file in", folder, errno);
  }
  const std::filesystem::path temporary = folder / name;
  std::uint64_t written = 0;
  try {
    produce([&](std::string_view piece) {
      write_all(file.get(), piece, temporary);
      written += piece.size();
    });
    if (::fchmod(file.get(), mode) != 0) throw_store_error("set the mode of", temporary, errno);
    fsync_or_throw(file.get(), temporary);
    file.close_or_throw(temporary);
    // rename(2) replaces a link at `path` itself; it never writes through one.
    if (::renameat(folder_fd.get(), name.c_str(), folder_fd.get(), path.filename().c_str()) != 0) {
      throw_store_error("rename " + temporary.string() + " to", path, errno);
    }
  } catch (...) {
    ::unlinkat(folder_fd.get(), name.c_str(), 0);
    throw;
  }
  try {
    fsync_or_throw(folder_fd.get(), folder);
  } catch (const StoreError& error) {
    // The new content is in place and readable; only its durability across
    // a power loss is in doubt, which the next write repairs.
    spdlog::error("folder fsync after rename failed path={} error=\"{}\"", path.string(), error.what());
  }
  return written;
}

void replace_file_atomically(const std::filesystem::path& path, std::string_view data, mode_t mode) {
  replace_file_atomically(
      path, [data](const auto& write) { write(data); }, mode);
}

bool read_file_in_pieces(const std::filesystem::path& path,
                         const std::function<void(std::string_view piece)>& consume) {
  UniqueFd file = open_in_folder(path, O_RDONLY, 0);
  if (file.get() < 0) return false;  // ENOENT
  read_open_file_in_pieces(file.get(), path, consume);
  return true;
}

void read_open_file_in_pieces(int fd, const std::filesystem::path& path,
                              const std::function<void(std::string_view piece)>& consume) {
  std::vector<char> buffer(256 * 1024);
  off_t offset = 0;
  for (;;) {
    const ssize_t count = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (count < 0) {
      if (errno == EINTR) continue;
      throw_store_error("read", path, errno);
    }
    if (count == 0) return;
    offset += count;
    consume(std::string_view(buffer.data(), static_cast<std::size_t>(count)));
  }
}

FileContent read_file(const std::filesystem::path& path) {
  std::string data;
  if (!read_file_in_pieces(path, [&data](std::string_view piece) { data += piece; })) return {std::nullopt};
  return {std::move(data)};
}

bool path_exists(const std::filesystem::path& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0;
}

bool rename_if_exists(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  throw_store_error("rename " + from.string() + " to", to, errno);
}

}  // namespace mw::store
