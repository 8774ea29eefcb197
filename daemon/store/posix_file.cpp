#include "store/posix_file.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace mw::store {

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
  if (::chmod(path.c_str(), mode) != 0) throw_store_error("set the mode of directory", path, errno);
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
  std::string pattern = (folder / (temporary_file_prefix(path) + "XXXXXX")).string();
  UniqueFd file(::mkostemp(pattern.data(), O_CLOEXEC));
  if (file.get() < 0) throw_store_error("create a temporary file in", folder, errno);
  const std::filesystem::path temporary(pattern);
  std::uint64_t written = 0;
  try {
    produce([&](std::string_view piece) {
      write_all(file.get(), piece, temporary);
      written += piece.size();
    });
    if (::fchmod(file.get(), mode) != 0) throw_store_error("set the mode of", temporary, errno);
    fsync_or_throw(file.get(), temporary);
    file.close_or_throw(temporary);
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      throw_store_error("rename " + temporary.string() + " to", path, errno);
    }
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  try {
    fsync_directory(folder);
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
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    if (errno == ENOENT) return false;
    throw_store_error("open", path, errno);
  }
  std::vector<char> buffer(256 * 1024);
  for (;;) {
    const ssize_t count = ::read(file.get(), buffer.data(), buffer.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      throw_store_error("read", path, errno);
    }
    if (count == 0) return true;
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
