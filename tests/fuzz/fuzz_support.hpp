#pragma once

// What every fuzz target shares: the input as text, and a check that fails
// loudly (abort, so libFuzzer keeps the input) when a parser breaks its
// own contract without crashing.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace mw::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz contract broken: %s\n", what);
  std::abort();
}

// Splits off the first line (without its '\n'); the rest stays in `text`.
inline std::string_view take_line(std::string_view& text) {
  auto end = text.find('\n');
  auto line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  return line;
}

}  // namespace mw::fuzz
