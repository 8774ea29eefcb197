#include "core/detail.hpp"

#include <array>
#include <atomic>
#include <boost/json/parse.hpp>
#include <cstring>
#include <new>
#include <optional>

#include "common/strings.hpp"
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

constexpr unsigned char kNotInAlphabet = 0xFF;
using NibbleTable = std::array<unsigned char, 256>;

constexpr NibbleTable nibble_table(std::string_view letters) {
  NibbleTable table{};
  table.fill(kNotInAlphabet);
  for (std::size_t i = 0; i < letters.size(); ++i) table[static_cast<unsigned char>(letters[i])] = i;
  return table;
}

constexpr std::array<NibbleTable, 2> kNibbles{nibble_table(kAlphabets[0]), nibble_table(kAlphabets[1])};

const NibbleTable& nibbles(Alphabet alphabet) {
  return kNibbles[static_cast<std::size_t>(alphabet)];
}

bool spelled_in(std::string_view text, Alphabet alphabet) {
  if (text.size() > kMaxValueLength) return false;
  const NibbleTable& table = nibbles(alphabet);
  for (const char c : text) {
    if (table[static_cast<unsigned char>(c)] == kNotInAlphabet) return false;
  }
  return true;
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
  const NibbleTable& table = nibbles(alphabet);
  const std::size_t at = values.size();
  values.resize(at + 1 + (text.size() + 1) / 2);
  char* out = values.data() + at;
  *out++ = static_cast<char>((static_cast<unsigned>(alphabet) << 7) | text.size());
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const unsigned high = table[static_cast<unsigned char>(text[i])];
    const unsigned low = i + 1 < text.size() ? table[static_cast<unsigned char>(text[i + 1])] : 0U;
    *out++ = static_cast<char>((high << 4) | low);
  }
}

// Appends the value at `values` and returns the byte after it.
const unsigned char* append_unpacked_value(std::string& out, const unsigned char* values) {
  const unsigned header = *values++;
  const std::string_view letters = kAlphabets[header >> 7];
  const std::size_t length = header & 0x7FU;
  const std::size_t at = out.size();
  out.resize(at + length);
  char* text = out.data() + at;
  for (std::size_t i = 0; i < length; i += 2) {
    const unsigned byte = values[i / 2];
    text[i] = letters[byte >> 4];
    if (i + 1 < length) text[i + 1] = letters[byte & 0xFU];
  }
  return values + (length + 1) / 2;
}

// Where the string opening at `open` closes, or npos.
std::size_t string_end(std::string_view text, std::size_t open) {
  for (std::size_t quote = text.find('"', open + 1); quote != std::string_view::npos;
       quote = text.find('"', quote + 1)) {
    std::size_t backslashes = 0;
    while (text[quote - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote;  // not itself escaped
  }
  return std::string_view::npos;
}

// Outside strings, what starts a token split() looks at: a string or a number.
constexpr std::array<bool, 256> token_starts() {
  std::array<bool, 256> starts{};
  starts['"'] = starts['-'] = true;
  for (char c = '0'; c <= '9'; ++c) starts[static_cast<unsigned char>(c)] = true;
  return starts;
}
constexpr std::array<bool, 256> kTokenStarts = token_starts();

// Splits `compact` into `pattern` and `values`, its packable values cut
// out: `values` stays empty when it has none (or is not the canonical text
// it should be: then it is kept whole).
void split(std::string_view compact, std::string& pattern, std::string& values) {
  pattern.clear();
  values.clear();
  if (compact.find(kHole) != std::string_view::npos) return;
  std::size_t i = 0;
  while (i < compact.size()) {
    std::size_t run = i;
    while (run < compact.size() && !kTokenStarts[static_cast<unsigned char>(compact[run])]) ++run;
    pattern.append(compact, i, run - i);
    i = run;
    if (i == compact.size()) break;
    if (compact[i] == '"') {
      const std::size_t end = string_end(compact, i);
      if (end == std::string_view::npos) {
        values.clear();
        return;
      }
      const std::string_view content = compact.substr(i + 1, end - i - 1);
      const bool key = end + 1 < compact.size() && compact[end + 1] == ':';
      const auto alphabet = key ? std::nullopt : string_alphabet(content);
      if (alphabet) {
        pattern += {'"', kHole, '"'};
        append_packed(values, content, *alphabet);
      } else {
        pattern.append(compact, i, end + 1 - i);
      }
      i = end + 1;
    } else {
      const std::size_t end = std::min(compact.find_first_not_of("0123456789+-.eE", i), compact.size());
      const std::string_view number = compact.substr(i, end - i);
      if (number.size() >= kMinNumberLength && spelled_in(number, Alphabet::figures)) {
        pattern += kHole;
        append_packed(values, number, Alphabet::figures);
      } else {
        pattern += number;
      }
      i = end;
    }
  }
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
  // Reused: this runs for every member of every response.
  thread_local std::string pattern;
  thread_local std::string values;
  split(compact, pattern, values);
  if (values.empty()) {
    detail.word_ = reinterpret_cast<std::uintptr_t>(Text(compact).release());
  } else {
    thread_local RecentTexts recent;  // a response's members mostly share one
    Text shared = recent.get(pattern);
    void* memory = ::operator new(sizeof(Packed) + values.size());
    auto* block = new (memory) Packed{{1}, static_cast<std::uint32_t>(values.size()), std::move(shared)};
    std::memcpy(block->values(), values.data(), values.size());
    detail.word_ = reinterpret_cast<std::uintptr_t>(block) | kPackedTag;
  }
  // Not the size one rare huge detail gave them.
  constexpr std::size_t kMaxKeptBytes = std::size_t{1} << 20;
  release_if_larger(pattern, kMaxKeptBytes);
  release_if_larger(values, kMaxKeptBytes);
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
  if (empty())
    out += "{}";
  else if (!packed())
    out += Text::view_of(plain());
  else
    append_filled(out, packed_block()->pattern.view());
}

const Text* Detail::pattern() const {
  return packed() ? &packed_block()->pattern : nullptr;
}

void Detail::append_filled(std::string& out, std::string_view form) const {
  const unsigned char* values = packed_block()->values();
  std::size_t at = 0;
  for (std::size_t hole = form.find(kHole); hole != std::string_view::npos; hole = form.find(kHole, at)) {
    out.append(form, at, hole - at);
    values = append_unpacked_value(out, values);
    at = hole + 1;
  }
  out.append(form, at);
}

std::string_view Detail::canonical_json(std::string& scratch) const {
  if (empty()) return "{}";
  if (!packed()) return Text::view_of(plain());
  scratch.clear();
  append_canonical_json(scratch);
  return scratch;
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
