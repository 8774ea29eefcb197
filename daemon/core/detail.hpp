#pragma once

// A membership's service-specific fields (snake_case keys): one JSON object
// kept as its canonical text (keys sorted, no spaces; see
// core/json_text.hpp), in 8 bytes.
//
// Most details repeat within a source (administrator and master IDs) and
// are one shared Text. Some differ in every record only by an ID or a
// figure: GuardDuty's member detector ID, Detective's volume usage. Those
// are packed: the text with such values cut out (a pattern, shared like
// any Text) and the values themselves at four bits a character, in one
// block of their own. A GuardDuty detail then takes a 48-byte block where
// its text took a 144-byte one and a slot in the Text pool.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.hpp"

namespace mw::core {

class Detail {
 public:
  Detail() = default;                         // {}
  Detail(const boost::json::object& object);  // NOLINT(google-explicit-constructor)
  // `compact` must be what append_sorted_compact_json wrote for an object.
  static Detail from_canonical_json(std::string_view compact);

  Detail(const Detail& other) noexcept;
  Detail(Detail&& other) noexcept : word_(std::exchange(other.word_, 0)) {}
  Detail& operator=(const Detail& other) noexcept;
  Detail& operator=(Detail&& other) noexcept;
  ~Detail();

  boost::json::object object() const;
  std::string canonical_json() const;  // "{}" when empty
  void append_canonical_json(std::string& out) const;
  // The text, without a copy unless it is packed: then it is written into
  // `scratch` (cleared first) and the view is of that.
  std::string_view canonical_json(std::string& scratch) const;
  bool empty() const { return word_ == 0; }
  // Whether values were cut out of the text (see above): for tests and
  // memory accounting.
  bool packed() const { return (word_ & kPackedTag) != 0; }

  // For writing many details of one shape, such as a source's: the pattern
  // the values were cut out of (nullptr unless packed), and the values put
  // back into `form`, a text made from that pattern with its holes kept in
  // order (re-indented, say), so that the pattern is reworked once.
  const Text* pattern() const;
  void append_filled(std::string& out, std::string_view form) const;  // packed() only

  friend bool operator==(const Detail& a, const Detail& b);

 private:
  struct Packed;
  static constexpr std::uintptr_t kPackedTag = 1;

  Text::Entry* plain() const { return reinterpret_cast<Text::Entry*>(word_); }
  Packed* packed_block() const { return reinterpret_cast<Packed*>(word_ & ~kPackedTag); }
  void drop() noexcept;

  // 0 for {}; else the Text entry of the whole text, or a Packed block
  // tagged with kPackedTag (blocks are aligned, so the bit is free).
  std::uintptr_t word_ = 0;
};

}  // namespace mw::core
