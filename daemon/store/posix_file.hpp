#pragma once

// The few POSIX file operations the store needs, with errors that name the
// file, the operation and errno's text.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mw::store {

class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& what, int error_number)
      : std::runtime_error(what), error_number_(error_number) {}
  int error_number() const { return error_number_; }  // errno, 0 when not from a system call

 private:
  int error_number_;
};

// "<action> <path>: <strerror(error_number)>"
[[noreturn]] void throw_store_error(std::string_view action, const std::filesystem::path& path,
                                    int error_number);

// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release();
  void close_or_throw(const std::filesystem::path& path);  // close() errors matter after writes

 private:
  int fd_ = -1;
};

// `path` and its missing parents created with `mode` (umask notwithstanding);
// an existing directory is left as it is.
void ensure_directory(const std::filesystem::path& path, mode_t mode);

// The folder, opened to reach the files in it.
UniqueFd open_folder(const std::filesystem::path& folder);

// `path`'s file opened relative to its folder's descriptor with `flags`
// (plus O_NOFOLLOW and O_CLOEXEC; `mode` when it is created). A symbolic
// link there is an error that names it, never followed. Without O_CREAT a
// missing file gives an invalid descriptor (get() < 0); other failures throw.
UniqueFd open_in_folder(const std::filesystem::path& path, int flags, mode_t mode);

// The folder holding `file`: "." for a bare file name.
std::filesystem::path folder_of(const std::filesystem::path& file);

void write_all(int fd, std::string_view data, const std::filesystem::path& path);
void fsync_or_throw(int fd, const std::filesystem::path& path);
void fsync_directory(const std::filesystem::path& directory);

// ".<name>.tmp-": what replace_file_atomically's temporary files start with
// (six random characters follow).
std::string temporary_file_prefix(const std::filesystem::path& file);

// `data` becomes the content of `path` all at once or not at all: a
// temporary file created new (O_EXCL, O_NOFOLLOW) in the same folder,
// written, its mode set through its descriptor, fsynced, renamed over `path`
// (a link there is replaced, never written through), and the folder fsynced. On failure the temporary file is
// removed and `path` keeps its previous content.
void replace_file_atomically(const std::filesystem::path& path, std::string_view data, mode_t mode);

// The same with the content written piece by piece: `produce` calls its
// argument with each piece in order. Returns the bytes written. An exception
// from `produce` removes the temporary file and passes through.
using ContentProducer = std::function<void(const std::function<void(std::string_view)>& write)>;
std::uint64_t replace_file_atomically(const std::filesystem::path& path, const ContentProducer& produce,
                                      mode_t mode);

struct FileContent {
  std::optional<std::string> data;  // nullopt: the file does not exist
};

// The whole file; throws StoreError for failures other than a missing file.
FileContent read_file(const std::filesystem::path& path);

// The file handed to `consume` block by block, in order, so that a large
// file never sits in memory whole. False when it does not exist; throws
// StoreError for other failures.
bool read_file_in_pieces(const std::filesystem::path& path,
                         const std::function<void(std::string_view piece)>& consume);

// An open file (`path` names it in errors) handed to `consume` the same way,
// from its first byte whatever its offset: it can be read again.
void read_open_file_in_pieces(int fd, const std::filesystem::path& path,
                              const std::function<void(std::string_view piece)>& consume);

bool path_exists(const std::filesystem::path& path);

// rename(2) that ignores a missing source (false) and throws otherwise.
bool rename_if_exists(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace mw::store
