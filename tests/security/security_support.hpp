#pragma once

// Shared by the security tests: scratch directories under the build tree,
// whole files, and the real memberwatchd run as a child process.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_files.hpp"

namespace mw::security {

using test::read_file;
using test::write_file;

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or not finished in time
  std::string output;  // stdout and stderr together
};

// Runs build/bin/memberwatchd with `args` and an environment of only
// `env` ("NAME=value"), waiting at most `limit_seconds`.
ProcessResult run_memberwatchd(const std::vector<std::string>& args, const std::vector<std::string>& env,
                               int limit_seconds = 30);

std::filesystem::path memberwatchd_path();

// How many descriptors this process has open (/proc/self/fd).
std::size_t open_descriptors();

}  // namespace mw::security
