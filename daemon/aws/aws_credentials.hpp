#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mw::aws {

// A string holding a secret: wiped (OPENSSL_cleanse) when destroyed or
// overwritten, and never printed by accident (no operator<<).
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(const SecretString& other);
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString();

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  void wipe();
  std::string value_;
};

struct Credentials {
  std::string access_key_id;
  SecretString secret_access_key;
  SecretString session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // which provider gave them ("environment", "assume-role", ...), for messages

  bool expired_at(std::chrono::system_clock::time_point now) const {
    return expiration && *expiration <= now;
  }
};

}  // namespace mw::aws
