#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace mw::aws::crypto {

inline constexpr std::size_t kSha256Size = 32;

// A 32-byte MAC or key that is wiped (OPENSSL_cleanse) when destroyed, so
// derived signing keys never linger in freed memory.
class Key32 {
 public:
  Key32() { bytes_.fill(0); }
  Key32(const Key32& other) = default;
  Key32& operator=(const Key32& other) = default;
  ~Key32();

  unsigned char* data() { return bytes_.data(); }
  const unsigned char* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return kSha256Size; }
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()}; }

 private:
  std::array<unsigned char, kSha256Size> bytes_;
};

// Lowercase hex of bytes.
std::string to_hex(std::string_view bytes);

// SHA-256 of data, as raw bytes and as lowercase hex. Throw std::runtime_error
// only when OpenSSL itself fails (out of memory, broken provider).
Key32 sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// HMAC-SHA256 through OpenSSL 3's EVP_MAC API.
Key32 hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Wipes the bytes of a string in place (OPENSSL_cleanse) and empties it.
void wipe(std::string& secret);

// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace mw::aws::crypto
