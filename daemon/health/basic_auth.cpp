#include "health/basic_auth.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include "common/strings.hpp"

namespace mw::health {
namespace {

// The bcrypt hash (cost 10) of a password nobody is given: unknown users
// are checked against it so that they take as long as known ones.
constexpr const char* kUnknownUserHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding (RFC 4648 section 4), as RFC 7617 uses.
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int values[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        values[j] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      values[j] = base64_value(c);
      if (values[j] < 0) return std::nullopt;
    }
    const unsigned bits = (static_cast<unsigned>(values[0]) << 18) |
                          (static_cast<unsigned>(values[1]) << 12) | (static_cast<unsigned>(values[2]) << 6) |
                          static_cast<unsigned>(values[3]);
    out += static_cast<char>((bits >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((bits >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

void wipe(std::string& text) {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

}  // namespace

BasicCredentials::~BasicCredentials() {
  wipe(password);
}

AuthCheck::~AuthCheck() {
  wipe(password);
}

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value) {
  header_value = trim(header_value);
  const auto space = header_value.find(' ');
  if (space == std::string_view::npos || to_lower(header_value.substr(0, space)) != "basic")
    return std::nullopt;
  auto decoded = base64_decode(trim(header_value.substr(space + 1)));
  if (!decoded) return std::nullopt;
  std::optional<BasicCredentials> credentials;
  const auto colon = decoded->find(':');
  if (colon != std::string::npos) {
    credentials.emplace();
    credentials->user = decoded->substr(0, colon);
    credentials->password = decoded->substr(colon + 1);
  }
  wipe(*decoded);
  return credentials;
}

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  // crypt_rn reads a NUL-terminated password: one holding NUL never matches.
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();
  std::string phrase(password);
  const char* result = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  bool matches = false;
  if (result != nullptr && result[0] != '*' && std::strlen(result) == hash.size()) {
    matches = CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
  }
  wipe(phrase);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return matches;
}

CredentialCache::Key CredentialCache::key_of(std::string_view user, std::string_view hash,
                                             std::string_view password) {
  Key key{};
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const std::uint64_t lengths[3] = {user.size(), hash.size(), password.size()};
  // The lengths first, so that ("ab", "c") and ("a", "bc") differ.
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  EVP_DigestUpdate(context, lengths, sizeof lengths);
  EVP_DigestUpdate(context, user.data(), user.size());
  EVP_DigestUpdate(context, hash.data(), hash.size());
  EVP_DigestUpdate(context, password.data(), password.size());
  unsigned int size = 0;
  EVP_DigestFinal_ex(context, key.data(), &size);
  EVP_MD_CTX_free(context);
  return key;
}

std::size_t CredentialCache::KeyHash::operator()(const Key& key) const {
  std::size_t value = 0;
  std::memcpy(&value, key.data(), sizeof value);
  return value;
}

std::optional<bool> CredentialCache::find(const Key& key) {
  const auto found = entries_.find(key);
  if (found == entries_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, found->second.second);
  return found->second.first;
}

void CredentialCache::store(const Key& key, bool verdict) {
  if (capacity_ == 0) return;
  if (const auto found = entries_.find(key); found != entries_.end()) {
    found->second.first = verdict;
    order_.splice(order_.begin(), order_, found->second.second);
    return;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(key);
  entries_.emplace(key, std::make_pair(verdict, order_.begin()));
}

AuthCheck begin_auth_check(const std::map<std::string, std::string>& users, std::string_view authorization,
                           CredentialCache& cache) {
  AuthCheck check;
  if (users.empty()) {
    check.verdict = true;
    return check;
  }
  auto credentials = parse_basic_authorization(authorization);
  if (!credentials) {
    check.verdict = false;
    return check;
  }
  const auto user = users.find(credentials->user);
  check.known_user = user != users.end();
  check.user = credentials->user;
  check.hash = check.known_user ? user->second : std::string(kUnknownUserHash);
  check.key = CredentialCache::key_of(credentials->user, check.hash, credentials->password);
  if (const auto cached = cache.find(check.key)) {
    check.verdict = *cached && check.known_user;
    return check;
  }
  check.password = std::move(credentials->password);
  return check;
}

bool check_basic_auth(const std::map<std::string, std::string>& users, std::string_view authorization,
                      CredentialCache& cache) {
  auto check = begin_auth_check(users, authorization, cache);
  if (check.verdict) return *check.verdict;
  const bool verdict = bcrypt_matches(check.password, check.hash) && check.known_user;
  cache.store(check.key, verdict);
  return verdict;
}

}  // namespace mw::health
