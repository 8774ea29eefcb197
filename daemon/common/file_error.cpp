#include "common/file_error.hpp"

namespace mw {

std::string FileError::to_string() const {
  std::string out = file;
  if (line > 0) {
    // Appended piece by piece: `":" + std::to_string(...)` trips GCC 12's
    // false -Wrestrict at -O3.
    out += ':';
    out += std::to_string(line);
    out += ':';
    out += std::to_string(column);
  }
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

}  // namespace mw
