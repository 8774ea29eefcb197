// The health endpoint's Authorization header (attacker-chosen text before
// any authentication): parse_basic_authorization never throws, and what it
// decodes is checked against the users; only their password gets in.

#include <map>
#include <string>

#include "fuzz_support.hpp"
#include "health/basic_auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = mw::fuzz::as_text(data, size);
  // bcrypt (cost 4) of "s3cret".
  static const std::map<std::string, std::string> users = {
      {"prometheus", "$2b$04$3n.w9uC/YTBQTAPH75u//u98Ak1PbrymioYAS3NhvwCYB9Zr6nbJO"}};
  static mw::health::CredentialCache cache(64);
  const auto credentials = mw::health::parse_basic_authorization(text);
  const bool allowed = mw::health::check_basic_auth(users, text, cache);
  const bool right = credentials && credentials->user == "prometheus" && credentials->password == "s3cret";
  mw::fuzz::require(allowed == right, "basic auth let in other credentials than the user's, or not theirs");
  return 0;
}
