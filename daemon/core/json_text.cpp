#include "core/json_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mw::core {
namespace {

namespace json = boost::json;

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when
// it is not one (overlong forms, surrogates and code points past U+10FFFF
// are not well-formed, per RFC 3629).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < second_min || byte(i + 1) > second_max) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

void append_escaped_ascii(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  if (static_cast<unsigned char>(c) < 0x20) {
    constexpr std::string_view kHex = "0123456789abcdef";
    out += "\\u00";
    out += kHex[(c >> 4) & 0xF];
    out += kHex[c & 0xF];
    return;
  }
  out += c;
}

// Printable ASCII other than the quote and the backslash goes out as is.
bool is_plain(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
}

// Whether any of the 8 bytes of `word` is not plain. Eight at a time because
// every string of every record passes here, twice a cycle (the parser's
// details, the snapshot); the tests of each byte are the classic bit tricks
// (a zero byte, a byte below n): they can flag a byte next to one that is
// not plain, never miss one.
bool has_non_plain_byte(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  const auto has_zero_byte = [](std::uint64_t bytes) { return (bytes - kOnes) & ~bytes & kHighBits; };
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  return ((word & kHighBits) | below_space | has_zero_byte(word ^ (kOnes * '"')) |
          has_zero_byte(word ^ (kOnes * '\\'))) != 0;
}

// The length of text's leading run of plain characters.
std::size_t plain_prefix(std::string_view text) {
  std::size_t i = 0;
  for (std::uint64_t word; i + 8 <= text.size(); i += 8) {
    std::memcpy(&word, text.data() + i, 8);
    if (has_non_plain_byte(word)) break;
  }
  while (i < text.size() && is_plain(text[i])) ++i;
  return i;
}

void append_quoted(std::string& out, std::string_view text) {
  std::size_t i = plain_prefix(text);
  if (i == text.size()) {  // most strings: one copy
    const std::size_t at = out.size();
    out.resize(at + text.size() + 2);
    out[at] = '"';
    std::memcpy(out.data() + at + 1, text.data(), text.size());
    out.back() = '"';
    return;
  }
  out += '"';
  out.append(text.data(), i);
  while (i < text.size()) {
    // Runs of plain characters, most of any snapshot, are copied in one go.
    const std::size_t plain_end = i + plain_prefix(text.substr(i));
    if (plain_end > i) {
      out.append(text.data() + i, plain_end - i);
      i = plain_end;
      continue;
    }
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += kReplacementCharacter;
      ++i;
    } else if (length == 1) {
      append_escaped_ascii(out, text[i]);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  out += '"';
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

void append_scalar(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      append_integer(out, value.get_int64());
      return;
    case json::kind::uint64:
      append_integer(out, value.get_uint64());
      return;
    case json::kind::double_:
      out += format_json_double(value.get_double());
      return;
    case json::kind::string:
      append_quoted(out, value.get_string());
      return;
    case json::kind::array:
    case json::kind::object:
      break;
  }
}

void append_indent(std::string& out, int depth) {
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

// The object's members, in bytewise key order when `sorted`, else its own.
std::vector<const json::key_value_pair*> members_of(const json::object& object, bool sorted) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(object.size());
  for (const auto& member : object) members.push_back(&member);
  // std::char_traits<char> compares as unsigned char: bytewise order.
  if (sorted)
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
  return members;
}

void append_pretty(std::string& out, const json::value& value, int depth);

void append_pretty_object(std::string& out, const json::object& object, int depth) {
  if (object.empty()) {
    out += "{}";
    return;
  }
  const auto members = members_of(object, true);
  out += "{\n";
  for (std::size_t i = 0; i < members.size(); ++i) {
    append_indent(out, depth + 1);
    append_quoted(out, members[i]->key());
    out += ": ";
    append_pretty(out, members[i]->value(), depth + 1);
    out += i + 1 < members.size() ? ",\n" : "\n";
  }
  append_indent(out, depth);
  out += '}';
}

void append_pretty_array(std::string& out, const json::array& array, int depth) {
  if (array.empty()) {
    out += "[]";
    return;
  }
  out += "[\n";
  for (std::size_t i = 0; i < array.size(); ++i) {
    append_indent(out, depth + 1);
    append_pretty(out, array[i], depth + 1);
    out += i + 1 < array.size() ? ",\n" : "\n";
  }
  append_indent(out, depth);
  out += ']';
}

void append_pretty(std::string& out, const json::value& value, int depth) {
  if (value.is_object()) return append_pretty_object(out, value.get_object(), depth);
  if (value.is_array()) return append_pretty_array(out, value.get_array(), depth);
  append_scalar(out, value);
}

void append_compact(std::string& out, const json::value& value, bool sorted) {
  if (value.is_object()) {
    out += '{';
    const auto members = members_of(value.get_object(), sorted);
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      append_quoted(out, members[i]->key());
      out += ':';
      append_compact(out, members[i]->value(), sorted);
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& element : value.get_array()) {
      if (!first) out += ',';
      first = false;
      append_compact(out, element, sorted);
    }
    out += ']';
  } else {
    append_scalar(out, value);
  }
}

// The length of the string literal starting at compact[i] (a quote).
std::size_t string_literal_length(std::string_view compact, std::size_t i) {
  for (std::size_t from = i + 1; from < compact.size();) {
    const void* found = std::memchr(compact.data() + from, '"', compact.size() - from);
    if (found == nullptr) break;
    const auto quote = static_cast<std::size_t>(static_cast<const char*>(found) - compact.data());
    std::size_t backslashes = 0;
    while (compact[quote - 1 - backslashes] == '\\') ++backslashes;  // stops at the opening quote
    if (backslashes % 2 == 0) return quote + 1 - i;
    from = quote + 1;  // an escaped quote
  }
  return compact.size() - i;
}

}  // namespace

void append_sorted_pretty_json(std::string& out, const json::value& value, int depth) {
  append_pretty(out, value, depth);
}

void append_sorted_compact_json(std::string& out, const json::value& value) {
  append_compact(out, value, true);
}

std::string to_sorted_compact_json(const json::value& value) {
  std::string out;
  append_sorted_compact_json(out, value);
  return out;
}

void append_pretty_from_compact(std::string& out, std::string_view compact, int depth) {
  out.reserve(out.size() + compact.size() * 2);
  for (std::size_t i = 0; i < compact.size();) {
    const char c = compact[i];
    if (c == '"') {
      const std::size_t length = string_literal_length(compact, i);
      out.append(compact.data() + i, length);
      i += length;
    } else if ((c == '{' || c == '[') && i + 1 < compact.size() &&
               (compact[i + 1] == '}' || compact[i + 1] == ']')) {
      out.append(compact.data() + i, 2);  // {} and [] stay on one line
      i += 2;
    } else if (c == '{' || c == '[') {
      out += c;
      out += '\n';
      append_indent(out, ++depth);
      ++i;
    } else if (c == '}' || c == ']') {
      out += '\n';
      append_indent(out, --depth);
      out += c;
      ++i;
    } else if (c == ',') {
      out += ",\n";
      append_indent(out, depth);
      ++i;
    } else if (c == ':') {
      out += ": ";
      ++i;
    } else {  // a number, true, false or null: up to the next structural character
      std::size_t end = i + 1;
      while (end < compact.size() && compact[end] != ',' && compact[end] != '}' && compact[end] != ']') ++end;
      out.append(compact.data() + i, end - i);
      i = end;
    }
  }
}

void append_json_string(std::string& out, std::string_view text) {
  append_quoted(out, text);
}

std::string to_sorted_pretty_json(const json::value& value) {
  std::string out;
  append_pretty(out, value, 0);
  out += '\n';
  return out;
}

std::string to_compact_json(const json::value& value) {
  std::string out;
  append_compact(out, value, false);
  return out;
}

std::string quote_json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_quoted(out, text);
  return out;
}

std::string format_json_double(double value) {
  if (!std::isfinite(value)) return "null";
  // Fixed notation where it stays readable ("12.3", not "1.23e+01").
  const double magnitude = std::fabs(value);
  const bool fixed = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
  std::array<char, 400> buffer{};
  const auto result =
      fixed ? std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed)
            : std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string text(buffer.data(), result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

}  // namespace mw::core
