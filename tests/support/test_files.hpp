#pragma once

// Whole-file reads and writes for tests.

#include <filesystem>
#include <string>
#include <string_view>

namespace mw::test {

// The file's bytes; "" when it cannot be opened (a log not written yet).
std::string read_file(const std::filesystem::path& path);
// Replaces the file's content; throws std::runtime_error when it cannot.
void write_file(const std::filesystem::path& path, std::string_view text);

// A new folder under the system's temporary directory,
// memberwatch-PREFIX-XXXXXX (mkdtemp, then
// rwxr-xr-x), removed with everything in it at destruction, folders a test
// made read-only included.
class TempFolder {
 public:
  explicit TempFolder(std::string_view prefix = "test");
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace mw::test
