#include "core/text.hpp"

#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <ostream>
#include <stdexcept>
#include <vector>

namespace mw::core {

// One allocation: this header, then the characters.
struct Text::Entry {
  std::atomic<std::uint32_t> refs;
  std::uint32_t size;
  std::size_t hash;
  bool pooled;  // false once the pool dropped it for a fresh entry of the same text

  const char* chars() const { return reinterpret_cast<const char*>(this + 1); }
  char* chars() { return reinterpret_cast<char*>(this + 1); }
  std::string_view view() const { return {chars(), size}; }
};

namespace {

using Entry = Text::Entry;

Entry* new_entry(std::string_view text, std::size_t hash) {
  void* memory = ::operator new(sizeof(Entry) + text.size());
  auto* entry = new (memory) Entry{{1}, static_cast<std::uint32_t>(text.size()), hash, true};
  std::memcpy(entry->chars(), text.data(), text.size());
  return entry;
}

void delete_entry(Entry* entry) {
  entry->~Entry();
  ::operator delete(entry);
}

// Open addressing with linear probing and backward-shift deletion: 8 bytes
// a slot at most half full, where a node-based set costs 40 an entry.
class Pool {
 public:
  // A counted entry for `text`: an existing one, or a new one.
  Entry* acquire(std::string_view text) {
    const std::size_t hash = std::hash<std::string_view>()(text);
    const std::lock_guard lock(mutex_);
    std::size_t slot = find(text, hash);
    if (slots_.empty() || slots_[slot] == nullptr) {
      if ((count_ + 1) * 2 > slots_.size()) {
        grow();
        slot = find(text, hash);
      }
      ++count_;
      return slots_[slot] = new_entry(text, hash);
    }
    Entry* found = slots_[slot];
    std::uint32_t refs = found->refs.load(std::memory_order_relaxed);
    while (refs != 0 && !found->refs.compare_exchange_weak(refs, refs + 1, std::memory_order_relaxed)) {
    }
    if (refs != 0) return found;
    // Its last Text is being dropped and will free it (see release): it
    // leaves the pool to that Text, and a fresh entry takes its slot.
    found->pooled = false;
    return slots_[slot] = new_entry(text, hash);
  }

  // Called when `entry`'s count has reached zero.
  void release(Entry* entry) {
    {
      const std::lock_guard lock(mutex_);
      if (entry->pooled) erase(find(entry->view(), entry->hash));
    }
    delete_entry(entry);
  }

  std::size_t size() {
    const std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::size_t mask() const { return slots_.size() - 1; }

  // The slot holding `text`, or the empty slot where it would go.
  std::size_t find(std::string_view text, std::size_t hash) const {
    if (slots_.empty()) return 0;
    std::size_t slot = hash & mask();
    while (slots_[slot] != nullptr && (slots_[slot]->hash != hash || slots_[slot]->view() != text))
      slot = (slot + 1) & mask();
    return slot;
  }

  void grow() {
    std::vector<Entry*> old(slots_.empty() ? 64 : slots_.size() * 2, nullptr);
    old.swap(slots_);
    for (Entry* entry : old) {
      if (entry != nullptr) slots_[find(entry->view(), entry->hash)] = entry;
    }
  }

  void erase(std::size_t slot) {
    slots_[slot] = nullptr;
    --count_;
    // Moves back each following entry of the run that the hole now cuts
    // off from its home slot, so every lookup still finds it.
    for (std::size_t next = (slot + 1) & mask(); slots_[next] != nullptr; next = (next + 1) & mask()) {
      const std::size_t home = slots_[next]->hash & mask();
      const bool reachable = slot <= next ? (home > slot && home <= next) : (home > slot || home <= next);
      if (reachable) continue;
      slots_[slot] = slots_[next];
      slots_[next] = nullptr;
      slot = next;
    }
  }

  std::mutex mutex_;
  std::vector<Entry*> slots_;
  std::size_t count_ = 0;
};

Pool& pool() {
  static auto* instance =
      new Pool();  // never destroyed: Texts in static objects outlive any destructor order
  return *instance;
}

}  // namespace

Text::Entry* Text::none_entry() {
  // Counted like any entry, from 1, so it never reaches zero and is never freed.
  static Entry none{{1}, 0, 0, false};
  return &none;
}

Text::Text(Entry* entry) noexcept : entry_(entry) {
  if (entry_ != nullptr) entry_->refs.fetch_add(1, std::memory_order_relaxed);
}

Text::Text(std::string_view text) {
  if (text.empty()) return;
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("Text: over 4 GiB");
  entry_ = pool().acquire(text);
}

Text::Text(const Text& other) noexcept : entry_(other.entry_) {
  if (entry_ != nullptr) entry_->refs.fetch_add(1, std::memory_order_relaxed);
}

Text& Text::operator=(const Text& other) noexcept {
  Text copy(other);
  std::swap(entry_, copy.entry_);
  return *this;
}

Text& Text::operator=(Text&& other) noexcept {
  std::swap(entry_, other.entry_);
  return *this;
}

Text::~Text() {
  if (entry_ != nullptr && entry_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) pool().release(entry_);
}

std::string_view Text::view() const {
  return entry_ == nullptr ? std::string_view() : entry_->view();
}

std::string_view Text::view_of(const Entry* entry) {
  return entry == nullptr ? std::string_view() : entry->view();
}

std::size_t Text::hash() const {
  return entry_ == nullptr ? std::hash<std::string_view>()(std::string_view()) : entry_->hash;
}

std::size_t Text::pool_size() {
  return pool().size();
}

Text RecentTexts::get(std::string_view text) {
  for (const Text& kept : kept_) {
    if (kept.view() == text) return kept;
  }
  Text made(text);
  kept_[next_] = made;
  next_ = (next_ + 1) % kKept;
  return made;
}

std::ostream& operator<<(std::ostream& out, const Text& text) {
  return out << text.view();
}

std::string operator+(const std::string& a, const Text& b) {
  return a + std::string(b.view());
}
std::string operator+(const Text& a, const std::string& b) {
  return std::string(a.view()) + b;
}
std::string operator+(const char* a, const Text& b) {
  return a + std::string(b.view());
}
std::string operator+(const Text& a, const char* b) {
  return std::string(a.view()) + b;
}

}  // namespace mw::core
