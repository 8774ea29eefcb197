#include "core/detail.hpp"

#include <array>
#include <atomic>
#include <boost/json/parse.hpp>
#include <cstring>
#include <new>
#include <optional>

#include "core/json_text.hpp"

namespace mw::core {

// One allocation: this header, then `size` bytes of packed values.
struct Detail::Packed {
  std::atomic<std::uint32_t> refs;
  std::uint32_t size;
  Text pattern;  // the canonical text with kHole where each value was

  const unsigned char* values() const { return reinterpret_cast<const unsigned char*>(this + 1); }
  unsigned char* values() { return reinterpret_cast<unsigned char*>(this + 1); }
  std::string_view value_bytes() const { return {reinterpret_cast<const char*>(values()), size}; }
};

namespace {

// Never in canonical JSON, where control characters are escaped.
constexpr char kHole = '\x01';

// A packed value is a header byte, its alphabet (bit 7) and length (bits
// 0-6), then its characters as indexes into the alphabet, two a byte.
enum class Alphabet : unsigned char { figures = 0, hex = 1 };
constexpr std::array<std::string_view, 2> kAlphabets{
    "0123456789+-.:TZ",  // numbers and timestamps
    "0123456789abcdef",  // IDs
};
constexpr std::size_t kMaxValueLength = 127;
// Shorter values gain too little to be cut out: account IDs (12 digits)
// stay in the pattern, where they are shared.
constexpr std::size_t kMinHexLength = 16;
constexpr std::size_t kMinTimestampLength = 8;
constexpr std::size_t kMinNumberLength = 4;

bool spelled_in(std::string_view text, Alphabet alphabet) {
  const std::string_view letters = kAlphabets[static_cast<std::size_t>(alphabet)];
  return text.size() <= kMaxValueLength && text.find_first_not_of(letters) == std::string_view::npos;
}

// The alphabet that packs a string value's characters, if it is worth it.
std::optional<Alphabet> string_alphabet(std::string_view content) {
  if (content.size() >= kMinHexLength && spelled_in(content, Alphabet::hex)) return Alphabet::hex;
  if (content.size() >= kMinTimestampLength && content.find(':') != std::string_view::npos &&
      spelled_in(content, Alphabet::figures))
    return Alphabet::figures;
  return std::nullopt;
}

void append_packed(std::string& values, std::string_view text, Alphabet alphabet) {
  const std::string_view letters = kAlphabets[static_cast<std::size_t>(alphabet)];
  values += static_cast<char>((static_cast<unsigned>(alphabet) << 7) | text.size());
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const auto high = static_cast<unsigned>(letters.find(text[i]));
    const auto low = i + 1 < text.size() ? static_cast<unsigned>(letters.find(text[i + 1])) : 0U;
    values += static_cast<char>((high << 4) | low);
  }
}

// Appends the value at `values` and returns the byte after it.
const unsigned char* append_unpacked_value(std::string& out, const unsigned char* values) {
  const unsigned header = *values++;
  const std::string_view letters = kAlphabets[header >> 7];
  const std::size_t length = header & 0x7FU;
  for (std::size_t i = 0; i < length; ++i) {
    const unsigned byte = values[i / 2];
    out += letters[i % 2 == 0 ? byte >> 4 : byte & 0xFU];
  }
  return values + (length + 1) / 2;
}

// Where the string opening at `open` closes, or npos.
std::size_t string_end(std::string_view text, std::size_t open) {
  for (std::size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\')
      ++i;
    else if (text[i] == '"')
      return i;
  }
  return std::string_view::npos;
}

bool starts_number(char c) {
  return c == '-' || (c >= '0' && c <= '9');
}

struct Split {
  std::string pattern;
  std::string values;
};

// `compact` with its packable values cut out; no values when it has none
// (or is not the canonical text it should be: then it is kept whole).
Split split(std::string_view compact) {
  Split split;
  if (compact.find(kHole) != std::string_view::npos) return split;
  split.pattern.reserve(compact.size());
  std::size_t i = 0;
  while (i < compact.size()) {
    if (compact[i] == '"') {
      const std::size_t end = string_end(compact, i);
      if (end == std::string_view::npos) return {};
      const std::string_view content = compact.substr(i + 1, end - i - 1);
      const bool key = end + 1 < compact.size() && compact[end + 1] == ':';
      const auto alphabet = key ? std::nullopt : string_alphabet(content);
      if (alphabet) {
        split.pattern += {'"', kHole, '"'};
        append_packed(split.values, content, *alphabet);
      } else {
        split.pattern.append(compact, i, end + 1 - i);
      }
      i = end + 1;
    } else if (starts_number(compact[i])) {
      const std::size_t end = std::min(compact.find_first_not_of("0123456789+-.eE", i), compact.size());
      const std::string_view number = compact.substr(i, end - i);
      if (number.size() >= kMinNumberLength && spelled_in(number, Alphabet::figures)) {
        split.pattern += kHole;
        append_packed(split.values, number, Alphabet::figures);
      } else {
        split.pattern += number;
      }
      i = end;
    } else {
      split.pattern += compact[i++];
    }
  }
  return split;
}

}  // namespace

Detail::Detail(const boost::json::object& object) {
  if (object.empty()) return;
  std::string compact;
  append_sorted_compact_json(compact, object);
  *this = from_canonical_json(compact);
}

Detail Detail::from_canonical_json(std::string_view compact) {
  Detail detail;
  if (compact == "{}" || compact.empty()) return detail;
  Split parts = split(compact);
  if (parts.values.empty()) {
    detail.word_ = reinterpret_cast<std::uintptr_t>(Text(compact).release());
    return detail;
  }
  void* memory = ::operator new(sizeof(Packed) + parts.values.size());
  auto* block =
      new (memory) Packed{{1}, static_cast<std::uint32_t>(parts.values.size()), Text(parts.pattern)};
  std::memcpy(block->values(), parts.values.data(), parts.values.size());
  detail.word_ = reinterpret_cast<std::uintptr_t>(block) | kPackedTag;
  return detail;
}

Detail::Detail(const Detail& other) noexcept : word_(other.word_) {
  if (packed())
    packed_block()->refs.fetch_add(1, std::memory_order_relaxed);
  else if (word_ != 0)
    word_ = reinterpret_cast<std::uintptr_t>(Text(plain()).release());
}

Detail& Detail::operator=(const Detail& other) noexcept {
  Detail copy(other);
  std::swap(word_, copy.word_);
  return *this;
}

Detail& Detail::operator=(Detail&& other) noexcept {
  std::swap(word_, other.word_);
  return *this;
}

Detail::~Detail() {
  drop();
}

void Detail::drop() noexcept {
  if (packed()) {
    Packed* block = packed_block();
    if (block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      block->~Packed();
      ::operator delete(block);
    }
  } else if (word_ != 0) {
    Text::adopt(plain());  // dropped at once, with the reference
  }
  word_ = 0;
}

void Detail::append_canonical_json(std::string& out) const {
  if (empty()) {
    out += "{}";
    return;
  }
  if (!packed()) {
    out += Text::view_of(plain());
    return;
  }
  const Packed& block = *packed_block();
  const std::string_view pattern = block.pattern.view();
  const unsigned char* values = block.values();
  std::size_t at = 0;
  for (std::size_t hole = pattern.find(kHole); hole != std::string_view::npos;
       hole = pattern.find(kHole, at)) {
    out.append(pattern, at, hole - at);
    values = append_unpacked_value(out, values);
    at = hole + 1;
  }
  out.append(pattern, at);
}

std::string Detail::canonical_json() const {
  std::string out;
  append_canonical_json(out);
  return out;
}

boost::json::object Detail::object() const {
  if (empty()) return {};
  return boost::json::parse(canonical_json()).as_object();
}

bool operator==(const Detail& a, const Detail& b) {
  if (a.word_ == b.word_) return true;
  // Plain texts are pooled, so equal ones share an entry; a text is packed
  // or not by what it holds, so equal texts are packed alike.
  if (!a.packed() || !b.packed()) return false;
  const Detail::Packed& x = *a.packed_block();
  const Detail::Packed& y = *b.packed_block();
  return x.pattern == y.pattern && x.value_bytes() == y.value_bytes();
}

}  // namespace mw::core
