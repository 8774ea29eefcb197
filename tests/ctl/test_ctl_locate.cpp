// Where memberwatchctl reaches the daemon, and with which credentials:
// --url with --user and a password from the environment or a file, --config
// with the daemon's web configuration (https, its certificate, its user).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "ctl/reading.hpp"
#include "support/test_files.hpp"

using namespace mw::ctl;

namespace {

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables](const char* name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

int exit_code_of(const Origin& origin, const EnvironmentLookup& lookup) {
  try {
    locate(origin, lookup);
  } catch (const CtlError& error) {
    return error.exit_code();
  }
  return 0;
}

const std::string kHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

}  // namespace

TEST_CASE("memberwatchctl --url: the user, and the password from MEMBERWATCH_PASSWORD or --password-file") {
  mw::test::TempFolder folder("ctl-locate");
  Origin origin;
  origin.url = "https://127.0.0.1:9746";
  origin.access.user = "prometheus";
  origin.access.ca_file = "/etc/ca.pem";
  auto location = locate(origin, environment({{"MEMBERWATCH_PASSWORD", "s3cret"}}));
  CHECK(location.snapshot_url == "https://127.0.0.1:9746");
  CHECK(location.client.user == "prometheus");
  CHECK(location.client.password == "s3cret");
  CHECK(location.client.ca_file == "/etc/ca.pem");
  CHECK_FALSE(location.client.pinned_cert_pem);

  mw::test::write_file(folder.path() / "password", "from file\nsecond line\n");
  origin.access.password_file = (folder.path() / "password").string();
  location = locate(origin, environment({{"MEMBERWATCH_PASSWORD", "s3cret"}}));
  CHECK(location.client.password == "from file");

  // A user without a password, an unreadable password file: usage errors.
  origin.access.password_file.reset();
  CHECK(exit_code_of(origin, environment({})) == kExitUsage);
  origin.access.password_file = (folder.path() / "missing").string();
  CHECK(exit_code_of(origin, environment({})) == kExitUsage);
  // No user: no credentials sent (a 401 then says what is missing).
  origin.access = {};
  location = locate(origin, environment({{"MEMBERWATCH_PASSWORD", "s3cret"}}));
  CHECK_FALSE(location.client.user);
  origin.url = "ftp://127.0.0.1";
  CHECK(exit_code_of(origin, environment({})) == kExitUsage);
}

TEST_CASE("memberwatchctl --config: the daemon's web configuration makes the endpoint https with its user") {
  mw::test::TempFolder folder("ctl-locate");
  const auto dir = folder.path();
  mw::test::write_file(dir / "server.crt", "-----BEGIN CERTIFICATE-----\nPEM\n-----END CERTIFICATE-----\n");
  mw::test::write_file(dir / "web.yml",
                       "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                       "basic_auth_users:\n  prometheus: " +
                           kHash + "\n");
  const std::string config_text = "state_dir: " + (dir / "state").string() +
                                  "\nhealth:\n  listen: 0.0.0.0:9999\n  web_config_file: web.yml\n"
                                  "administrators:\n  - name: a\n    account_id: \"111111111111\"\n";
  mw::test::write_file(dir / "memberwatch.yaml", config_text);
  Origin origin;
  origin.config_path = (dir / "memberwatch.yaml").string();

  auto location = locate(origin, environment({{"MEMBERWATCH_PASSWORD", "s3cret"}}));
  CHECK(location.health_url == "https://127.0.0.1:9999");
  CHECK(location.client.user == "prometheus");  // the only user
  CHECK(location.client.password == "s3cret");
  REQUIRE(location.client.pinned_cert_pem);
  CHECK(location.client.pinned_cert_pem->find("BEGIN CERTIFICATE") != std::string::npos);

  // Without a password nothing is sent; --ca-file replaces the pinned certificate.
  origin.access.ca_file = "/etc/ca.pem";
  location = locate(origin, environment({}));
  CHECK_FALSE(location.client.user);
  CHECK_FALSE(location.client.pinned_cert_pem);

  // Two users: --user is needed (for the endpoint only: the files are still read).
  mw::test::write_file(dir / "web.yml", "basic_auth_users:\n  a: " + kHash + "\n  b: " + kHash + "\n");
  location = locate(origin, environment({{"MEMBERWATCH_PASSWORD", "x"}}));
  REQUIRE(location.endpoint_error);
  CHECK(location.endpoint_error->exit_code() == kExitUsage);
  CHECK(location.snapshot);
  origin.access.user = "b";
  location = locate(origin, environment({{"MEMBERWATCH_PASSWORD", "x"}}));
  CHECK(location.health_url == "http://127.0.0.1:9999");
  CHECK(location.client.user == "b");

  // A web configuration that does not parse, or cannot be read: the
  // configuration error (78) for the endpoint; the snapshot file still serves.
  mw::test::write_file(dir / "web.yml", "basic_auth_users:\n  a: not-bcrypt\n");
  location = locate(origin, environment({}));
  REQUIRE(location.endpoint_error);
  CHECK(location.endpoint_error->exit_code() == kExitConfig);
  CHECK(std::string(location.endpoint_error->what()).find("web.yml:2:6: basic_auth_users.a") !=
        std::string::npos);
  std::filesystem::remove(dir / "web.yml");
  location = locate(origin, environment({}));
  REQUIRE(location.endpoint_error);
  CHECK(location.endpoint_error->exit_code() == kExitConfig);
  CHECK(location.snapshot == dir / "state" / "snapshot.json");
}
