// Basic authentication against bcrypt hashes, and the verdict cache.
#include <crypt.h>
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "health/basic_auth.hpp"

using namespace mw::health;

namespace {

std::string bcrypt_hash(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting) != nullptr);
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), setting, &data, sizeof data);
  REQUIRE(hash != nullptr);
  return hash;
}

// "Basic base64(user:password)"
std::string basic(const std::string& user_and_password) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < user_and_password.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(user_and_password[i]) << 16) |
                       (static_cast<unsigned char>(user_and_password[i + 1]) << 8) |
                       static_cast<unsigned char>(user_and_password[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(n >> shift) & 63];
  }
  const std::size_t rest = user_and_password.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(user_and_password[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(user_and_password[i + 1]) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return "Basic " + out;
}

}  // namespace

TEST_CASE("an Authorization: Basic header is decoded") {
  auto credentials = parse_basic_authorization(basic("prometheus:s3cret:with:colons"));
  REQUIRE(credentials);
  CHECK(credentials->user == "prometheus");
  CHECK(credentials->password == "s3cret:with:colons");
  CHECK(parse_basic_authorization("basic " + basic("a:").substr(6))->password.empty());
  CHECK(parse_basic_authorization(basic("a:bc"))->password == "bc");
  CHECK(parse_basic_authorization(basic(":b"))->user.empty());
  CHECK_FALSE(parse_basic_authorization(""));
  CHECK_FALSE(parse_basic_authorization(basic("no colon")));
  CHECK_FALSE(parse_basic_authorization("Bearer abc"));
  CHECK_FALSE(parse_basic_authorization("Basic"));
  CHECK_FALSE(parse_basic_authorization("Basic !!!!"));
  CHECK_FALSE(parse_basic_authorization("Basic YQ=a"));  // data after the padding
  CHECK_FALSE(parse_basic_authorization("Basic YWI"));   // not a multiple of 4
}

TEST_CASE("bcrypt_matches checks a password against its hash") {
  const auto hash = bcrypt_hash("s3cret");
  CHECK(bcrypt_matches("s3cret", hash));
  CHECK_FALSE(bcrypt_matches("s3cret ", hash));
  CHECK_FALSE(bcrypt_matches("", hash));
  CHECK_FALSE(bcrypt_matches(std::string_view("s3cret\0x", 8), hash));
  CHECK_FALSE(bcrypt_matches("s3cret", "not a hash"));
  // Go's fixed hash for unknown users is a real bcrypt hash of "fakepassword".
  CHECK(bcrypt_matches("fakepassword", "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
}

TEST_CASE("the basic auth check lets in the right user and password only") {
  const std::map<std::string, std::string> users = {{"prometheus", bcrypt_hash("s3cret")},
                                                    {"ops", bcrypt_hash("other")}};
  CredentialCache cache;
  CHECK(check_basic_auth({}, "", cache));  // no users: no authentication
  CHECK(check_basic_auth(users, basic("prometheus:s3cret"), cache));
  CHECK(check_basic_auth(users, basic("ops:other"), cache));
  CHECK_FALSE(check_basic_auth(users, basic("prometheus:wrong"), cache));
  CHECK_FALSE(check_basic_auth(users, basic("prometheus:other"), cache));     // another user's password
  CHECK_FALSE(check_basic_auth(users, basic("nobody:fakepassword"), cache));  // unknown users: never
  CHECK_FALSE(check_basic_auth(users, "", cache));
  CHECK_FALSE(check_basic_auth(users, "Basic !!", cache));
  CHECK(cache.size() == 5);
}

TEST_CASE("verdicts are cached: a known answer needs no bcrypt") {
  const std::map<std::string, std::string> users = {{"prometheus", bcrypt_hash("s3cret")}};
  CredentialCache cache;
  auto first = begin_auth_check(users, basic("prometheus:s3cret"), cache);
  CHECK_FALSE(first.verdict);  // bcrypt to run
  CHECK(first.known_user);
  CHECK(first.password == "s3cret");
  CHECK(check_basic_auth(users, basic("prometheus:s3cret"), cache));
  auto second = begin_auth_check(users, basic("prometheus:s3cret"), cache);
  REQUIRE(second.verdict);
  CHECK(*second.verdict);
  CHECK(second.password.empty());
  CHECK_FALSE(check_basic_auth(users, basic("prometheus:wrong"), cache));
  auto wrong = begin_auth_check(users, basic("prometheus:wrong"), cache);
  REQUIRE(wrong.verdict);
  CHECK_FALSE(*wrong.verdict);
  // A new hash for the user (the web configuration changed): checked again.
  const std::map<std::string, std::string> changed = {{"prometheus", bcrypt_hash("s3cret")}};
  CHECK_FALSE(begin_auth_check(changed, basic("prometheus:s3cret"), cache).verdict);
}

TEST_CASE("the credential cache drops the least recently used verdict") {
  CredentialCache cache(2);
  const auto a = CredentialCache::key_of("a", "h", "p");
  const auto b = CredentialCache::key_of("b", "h", "p");
  const auto c = CredentialCache::key_of("c", "h", "p");
  CHECK(CredentialCache::key_of("ab", "c", "") != CredentialCache::key_of("a", "bc", ""));
  cache.store(a, true);
  cache.store(b, false);
  CHECK(cache.find(a) == true);  // a is now the most recent
  cache.store(c, true);
  CHECK(cache.size() == 2);
  CHECK_FALSE(cache.find(b));
  CHECK(cache.find(a) == true);
  CHECK(cache.find(c) == true);
}
