#pragma once

// An immutable string shared by every equal copy. A snapshot repeats a few
// regions, administrators, statuses, e-mails and account IDs hundreds of
// thousands of times; as std::string each took 32 bytes and often a heap
// block, as Text each takes 8 and the characters exist once. Equal texts
// are the same entry, so equality is one pointer comparison.
//
// Entries live in one process-wide pool, counted by reference and freed with
// their last Text. Thread-safe: copies touch only an atomic count; making a
// Text from characters and dropping the last copy take the pool's lock.

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace mw::core {

class Text {
 public:
  Text() = default;  // ""
  // Implicit: a Text stands wherever a string did.
  Text(std::string_view text);                                     // NOLINT(google-explicit-constructor)
  Text(const std::string& text) : Text(std::string_view(text)) {}  // NOLINT
  Text(const char* text) : Text(std::string_view(text)) {}         // NOLINT

  Text(const Text& other) noexcept;
  Text(Text&& other) noexcept : entry_(other.entry_) { other.entry_ = nullptr; }
  Text& operator=(const Text& other) noexcept;
  Text& operator=(Text&& other) noexcept;
  ~Text();

  std::string_view view() const;
  operator std::string_view() const { return view(); }  // NOLINT
  std::string str() const { return std::string(view()); }
  bool empty() const { return entry_ == nullptr; }
  std::size_t size() const { return view().size(); }
  std::size_t hash() const;
  // Equal texts, and only they, have equal identities (nullptr for ""):
  // a key for sets that need no count of their own.
  const void* identity() const { return entry_; }

  friend bool operator==(const Text& a, const Text& b) { return a.entry_ == b.entry_; }
  friend bool operator==(const Text& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const Text& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const Text& a, const char* b) { return a.view() == b; }
  friend std::strong_ordering operator<=>(const Text& a, const Text& b) {
    return a.entry_ == b.entry_ ? std::strong_ordering::equal : a.view() <=> b.view();
  }
  friend std::strong_ordering operator<=>(const Text& a, std::string_view b) { return a.view() <=> b; }
  friend std::strong_ordering operator<=>(const Text& a, const std::string& b) {
    return a.view() <=> std::string_view(b);
  }
  friend std::strong_ordering operator<=>(const Text& a, const char* b) {
    return a.view() <=> std::string_view(b);
  }

  // How many distinct non-empty texts the pool holds (for tests and memory
  // accounting).
  static std::size_t pool_size();

  struct Entry;

 private:
  friend class OptionalText;
  friend class Detail;                        // keeps an entry in a tagged word
  static Entry* none_entry();                 // OptionalText's "none": a static entry, never freed
  explicit Text(Entry* entry) noexcept;       // one more reference to `entry`
  static Text adopt(Entry* entry) noexcept {  // takes over the reference `entry` carries
    Text text;
    text.entry_ = entry;
    return text;
  }
  Entry* release() && noexcept { return std::exchange(entry_, nullptr); }  // its reference goes along
  static std::string_view view_of(const Entry* entry);

  Entry* entry_ = nullptr;  // nullptr is ""
};

// A Text or none, in the 8 bytes of a Text (std::optional<Text> takes 16):
// a membership's e-mail, a summary's name.
class OptionalText {
 public:
  OptionalText() noexcept : text_(Text::none_entry()) {}
  OptionalText(std::nullopt_t) noexcept : OptionalText() {}  // NOLINT(google-explicit-constructor)
  template <typename String>
  requires std::constructible_from<Text, String> OptionalText(String&& text)
      : text_(std::forward<String>(text)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return text_.entry_ != Text::none_entry(); }
  explicit operator bool() const { return has_value(); }
  const Text& operator*() const { return text_; }  // has_value() first
  const Text* operator->() const { return &text_; }

  friend bool operator==(const OptionalText& a, const OptionalText& b) { return a.text_ == b.text_; }
  friend bool operator==(const OptionalText& a, std::nullopt_t) { return !a.has_value(); }
  template <typename String>
  requires std::convertible_to<const String&, std::string_view>
  friend bool operator==(const OptionalText& a, const String& b) {
    return a.has_value() && a.text_.view() == std::string_view(b);
  }

 private:
  Text text_;
};

// Text(text) for texts that repeat from one call to the next, such as the
// raw status and the detail pattern of the members of one response: the
// last few are kept and compared first, which skips the hash and the
// pool's lock. Keeps those few alive while they are kept; one per thread.
class RecentTexts {
 public:
  Text get(std::string_view text);

 private:
  static constexpr std::size_t kKept = 4;
  Text kept_[kKept];
  std::size_t next_ = 0;  // the slot a miss replaces
};

std::ostream& operator<<(std::ostream& out, const Text& text);

std::string operator+(const std::string& a, const Text& b);
std::string operator+(const Text& a, const std::string& b);
std::string operator+(const char* a, const Text& b);
std::string operator+(const Text& a, const char* b);

}  // namespace mw::core

template <>
struct std::hash<mw::core::Text> {
  std::size_t operator()(const mw::core::Text& text) const { return text.hash(); }
};
