#pragma once

// HTTP basic authentication against the web configuration's bcrypt hashes
// (basic_auth_users), as exporter-toolkit does it: every request carries
// the credentials; bcrypt (tens of milliseconds a check) runs once per
// distinct (user, hash, password) and its verdict is remembered under a
// SHA-256 of the three, so a scraper every 15 s costs one bcrypt in all.

#include <array>
#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mw::health {

// The user and password of an `Authorization: Basic ...` header value. The
// password is wiped (OPENSSL_cleanse) when the object goes.
struct BasicCredentials {
  std::string user;
  std::string password;
  BasicCredentials() = default;
  BasicCredentials(const BasicCredentials&) = delete;
  BasicCredentials& operator=(const BasicCredentials&) = delete;
  BasicCredentials(BasicCredentials&&) = default;
  BasicCredentials& operator=(BasicCredentials&&) = default;
  ~BasicCredentials();
};

// nullopt when the header is absent, not Basic (the scheme is matched
// without case), not base64, or has no ':' between user and password.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value);

// Whether `password` hashes to `hash` (a bcrypt hash) with libxcrypt's
// crypt_rn, compared in constant time. Slow by design: tens of ms at cost 10.
bool bcrypt_matches(std::string_view password, const std::string& hash);

// The WWW-Authenticate value of a 401.
inline constexpr std::string_view kBasicChallenge = "Basic realm=\"memberwatch\", charset=\"UTF-8\"";

// Verdicts by SHA-256(user, hash, password); at most `capacity` of them,
// the least recently used dropped first. Not thread-safe: the server uses
// it from its event loop only.
class CredentialCache {
 public:
  using Key = std::array<unsigned char, 32>;
  explicit CredentialCache(std::size_t capacity = 1024) : capacity_(capacity) {}

  static Key key_of(std::string_view user, std::string_view hash, std::string_view password);
  std::optional<bool> find(const Key& key);
  void store(const Key& key, bool verdict);
  std::size_t size() const { return entries_.size(); }

 private:
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };
  std::size_t capacity_;
  std::list<Key> order_;  // most recently used first
  std::unordered_map<Key, std::pair<bool, std::list<Key>::iterator>, KeyHash> entries_;
};

// What a request's credentials come to before any bcrypt: decided (no
// users configured, no or malformed credentials, or a cached verdict), or a
// bcrypt check of `password` against `hash` to run (then `key` stores its
// verdict; an unknown user is checked against a fixed hash, so that timing
// does not tell which users exist, and is never let in).
struct AuthCheck {
  std::optional<bool> verdict;
  bool known_user = false;
  std::string hash;
  std::string password;  // wiped when the check goes
  CredentialCache::Key key{};
  std::string user;  // for the log (never the password or the hash)
  AuthCheck() = default;
  AuthCheck(const AuthCheck&) = delete;
  AuthCheck& operator=(const AuthCheck&) = delete;
  AuthCheck(AuthCheck&&) = default;
  AuthCheck& operator=(AuthCheck&&) = default;
  ~AuthCheck();
};
AuthCheck begin_auth_check(const std::map<std::string, std::string>& users, std::string_view authorization,
                           CredentialCache& cache);

// The whole check, bcrypt included, on the calling thread (tests; the server
// runs the bcrypt part off its event loop).
bool check_basic_auth(const std::map<std::string, std::string>& users, std::string_view authorization,
                      CredentialCache& cache);

}  // namespace mw::health
