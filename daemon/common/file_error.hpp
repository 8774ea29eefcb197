#pragma once

#include <string>

namespace mw {

// An error at a position in a file the daemon reads (the configuration, the
// health endpoint's web configuration).
struct FileError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error has no position
  int column = 0;  // 1-based
  std::string key_path;
  std::string message;

  // "FILE:LINE:COLUMN: key.path: message"
  std::string to_string() const;
};

}  // namespace mw
