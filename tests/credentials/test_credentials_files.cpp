#include <doctest/doctest.h>

#include <fstream>

#include "credentials/credentials_error.hpp"
#include "credentials/shared_files.hpp"
#include "support/test_files.hpp"
#include "support/test_tls.hpp"

using namespace mw::credentials;

namespace {

std::string value(const IniFile& file, std::string_view section, std::string_view key) {
  for (const auto& s : file.sections) {
    if (s.name != section) continue;
    const auto it = s.values.find(key);
    return it == s.values.end() ? "<unset>" : it->second.reveal();
  }
  return "<no section>";
}

std::string error_of(std::string_view text, const std::string& file = "credentials") {
  try {
    parse_ini(text, file);
  } catch (const CredentialsError& error) {
    CHECK(error.info().code == code::kInvalidConfig);
    return error.what();
  }
  FAIL("the text parsed");
  return {};
}

void write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("INI: comments, blank lines, whitespace, key case and both delimiters as the CLI accepts them") {
  const auto file = parse_ini(
      "# a comment\n"
      "; another\n"
      "\n"
      "  [ default ]  \n"
      "AWS_Access_Key_ID   =   AKIDDEFAULT   \r\n"
      "aws_secret_access_key=secret/with+chars=\n"
      "region: eu-west-1 # trailing comment\n"
      "role_arn = arn:aws:iam::111111111111:role/x;not-a-comment\n"
      "\t\n"
      "[profile dev] ; comment after header\n"
      "s3 =\n"
      "    max_concurrent_requests = 20\n"
      "output = json\n",
      "config");
  REQUIRE(file.sections.size() == 2);
  CHECK(file.sections[0].name == "default");
  CHECK(file.sections[0].line == 4);
  CHECK(value(file, "default", "aws_access_key_id") == "AKIDDEFAULT");
  CHECK(value(file, "default", "aws_secret_access_key") == "secret/with+chars=");
  CHECK(value(file, "default", "region") == "eu-west-1");
  CHECK(value(file, "default", "role_arn") == "arn:aws:iam::111111111111:role/x;not-a-comment");
  CHECK(value(file, "profile dev", "s3") == "max_concurrent_requests = 20");
  CHECK(value(file, "profile dev", "output") == "json");
}

TEST_CASE("INI: a repeated section is merged, a repeated key keeps the last value") {
  const auto file = parse_ini("[a]\nx=1\ny=1\n[b]\nz=1\n[a]\nx=2\n", "f");
  REQUIRE(file.sections.size() == 2);
  CHECK(value(file, "a", "x") == "2");
  CHECK(value(file, "a", "y") == "1");
}

TEST_CASE("INI: a malformed file is an error with its name and line number, never the line itself") {
  const auto error =
      error_of("[default]\naws_access_key_id = AKID\n\nthis-line-is-wrong SECRETVALUE\n", "/x/creds");
  CHECK(error.find("/x/creds:4:") != std::string::npos);
  CHECK(error.find("SECRETVALUE") == std::string::npos);
  CHECK(error_of("[default\nx=1\n").find("credentials:1: a section header must end with ']'") !=
        std::string::npos);
  CHECK(error_of("x = 1\n[default]\n").find("credentials:1: setting \"x\" before any [section]") !=
        std::string::npos);
  CHECK(error_of("[a]\n = 1\n").find("credentials:2: a setting without a name") != std::string::npos);
  CHECK(error_of("[a]\nx=1\n[]\n").find("credentials:3: empty section name") != std::string::npos);
}

TEST_CASE(
    "profiles: [x] in the credentials file, [profile x] and [default] in config, credentials file wins") {
  const auto credentials = parse_ini(
      "[default]\naws_access_key_id = FROMCREDS\n[dev]\naws_secret_access_key = devsecret\n"
      "[profile odd]\nx = 1\n",
      "credentials");
  const auto config = parse_ini(
      "[default]\naws_access_key_id = FROMCONFIG\nregion = us-east-1\n"
      "[profile dev]\naws_access_key_id = DEVKEY\n"
      "[profile   spaced]\nrole_arn = r\n"
      "[notaprofile]\naws_access_key_id = IGNORED\n"
      "[sso-session corp]\nsso_region = us-east-1\n",
      "config");
  const auto set = merge_profiles(&credentials, &config);
  REQUIRE(set.find("default") != nullptr);
  CHECK(set.find("default")->get("aws_access_key_id") == "FROMCREDS");
  CHECK(set.find("default")->get("region") == "us-east-1");
  CHECK(set.find("dev")->get("aws_access_key_id") == "DEVKEY");
  CHECK(set.find("dev")->get("aws_secret_access_key") == "devsecret");
  CHECK(set.find("spaced")->get("role_arn") == "r");
  CHECK(set.find("profile odd") != nullptr);  // the credentials file takes section names as they are
  CHECK(set.find("notaprofile") == nullptr);
  CHECK(set.find("corp") == nullptr);
  CHECK(set.profiles.size() == 4);
}

TEST_CASE("profile file paths: variables, else HOME/.aws, with ~ expanded") {
  auto paths = profile_file_paths(mw::aws::env_from_map({{"HOME", "/home/u"}}));
  CHECK(paths.credentials == "/home/u/.aws/credentials");
  CHECK(paths.config == "/home/u/.aws/config");
  paths = profile_file_paths(mw::aws::env_from_map(
      {{"HOME", "/home/u"}, {"AWS_SHARED_CREDENTIALS_FILE", "~/c"}, {"AWS_CONFIG_FILE", "/etc/aws/config"}}));
  CHECK(paths.credentials == "/home/u/c");
  CHECK(paths.config == "/etc/aws/config");
  paths = profile_file_paths(mw::aws::env_from_map({}));
  CHECK(paths.credentials.empty());
  CHECK(paths.config.empty());
}

TEST_CASE("loading files: missing files are empty, a malformed one names the file and line") {
  mw::test::TempFolder dir;
  const auto credentials = dir.path() / "credentials";
  const auto config = dir.path() / "config";
  auto set = load_profile_files({credentials.string(), config.string()});
  CHECK(set.profiles.empty());
  CHECK(set.files.empty());

  write(credentials, "[default]\naws_access_key_id=A\naws_secret_access_key=S\n");
  write(config, "[profile dev]\nregion=us-east-1\n");
  set = load_profile_files({credentials.string(), config.string()});
  CHECK(set.files == std::vector<std::string>{credentials.string(), config.string()});
  CHECK(set.find("default")->get("aws_access_key_id") == "A");
  CHECK(set.find("dev") != nullptr);

  write(config, "[profile dev]\nregion=us-east-1\n\n\nbroken\n");
  try {
    load_profile_files({credentials.string(), config.string()});
    FAIL("a malformed config file loaded");
  } catch (const CredentialsError& error) {
    CHECK(std::string(error.what()).find(config.string() + ":5:") != std::string::npos);
  }
}
