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

}  // namespace mw::test
