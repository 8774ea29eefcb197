// health.web_config_file: the exporter-toolkit web configuration parser
// (pure, on text) and its loading (files, certificates, the TLS context).
#include <crypt.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "health/web_config.hpp"
#include "support/test_files.hpp"
#include "support/test_tls.hpp"

using namespace mw::health;

namespace {

// A bcrypt hash of `password` at the lowest cost (fast tests).
std::string bcrypt_hash(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting) != nullptr);
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), setting, &data, sizeof data);
  REQUIRE(hash != nullptr);
  return hash;
}

const std::string kHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

WebConfig parse_ok(const std::string& text, const std::string& file = "/etc/memberwatch/web.yml") {
  auto parsed = parse_web_config(text, file);
  for (const auto& error : parsed.errors) MESSAGE(error.to_string());
  REQUIRE(parsed.config);
  return *parsed.config;
}

// The single error of `text`, which must have one.
WebConfigError parse_error(const std::string& text) {
  auto parsed = parse_web_config(text, "/etc/memberwatch/web.yml");
  CHECK_FALSE(parsed.config);
  for (const auto& error : parsed.errors) MESSAGE(error.to_string());
  REQUIRE(parsed.errors.size() == 1);
  return parsed.errors.front();
}

}  // namespace

TEST_CASE("an empty web configuration is plain HTTP without users") {
  for (const std::string text : {"", "# nothing\n", "tls_server_config:\nbasic_auth_users:\n"}) {
    const auto config = parse_ok(text);
    CHECK_FALSE(config.tls);
    CHECK(config.basic_auth_users.empty());
    CHECK(config.headers.empty());
    CHECK(config.http2);
  }
}

TEST_CASE("every key of the web configuration is read") {
  const auto config = parse_ok(R"(tls_server_config:
  cert_file: server.crt
  key_file: /etc/ssl/private/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ../ca/clients.pem
  min_version: TLS13
  max_version: TLS13
  cipher_suites:
    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    - TLS_AES_256_GCM_SHA384
  prefer_server_cipher_suites: false
  curve_preferences: [X25519, CurveP256, CurveP384, CurveP521]
http_server_config:
  http2: false
  headers:
    Strict-Transport-Security: max-age=31536000
    X-Content-Type-Options: nosniff
    X-Frame-Options: sameorigin
    X-XSS-Protection: "1; mode=block"
    Content-Security-Policy: ""
basic_auth_users:
  prometheus: )" + kHash +
                               "\n  \"ops team\": " + kHash + "\n");
  REQUIRE(config.tls);
  const auto& tls = *config.tls;
  // Relative to the web configuration's folder, as exporter-toolkit does.
  CHECK(tls.cert_file == "/etc/memberwatch/server.crt");
  CHECK(tls.key_file == "/etc/ssl/private/server.key");
  CHECK(tls.client_ca_file == "/etc/ca/clients.pem");
  CHECK(tls.client_auth == ClientAuth::require_and_verify_client_cert);
  CHECK(tls.min_version == TlsVersion::tls13);
  CHECK(tls.max_version == TlsVersion::tls13);
  CHECK(tls.tls12_ciphers ==
        std::vector<std::string>{"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"});
  CHECK(tls.tls13_ciphers == std::vector<std::string>{"TLS_AES_256_GCM_SHA384"});
  CHECK_FALSE(tls.prefer_server_cipher_suites);
  CHECK(tls.curve_preferences == std::vector<std::string>{"X25519", "P-256", "P-384", "P-521"});
  CHECK_FALSE(config.http2);
  // The blank Content-Security-Policy is left out ("unset if blank").
  CHECK(config.headers ==
        std::vector<std::pair<std::string, std::string>>{{"Strict-Transport-Security", "max-age=31536000"},
                                                         {"X-Content-Type-Options", "nosniff"},
                                                         {"X-Frame-Options", "sameorigin"},
                                                         {"X-XSS-Protection", "1; mode=block"}});
  CHECK(config.basic_auth_users.size() == 2);
  CHECK(config.basic_auth_users.at("prometheus") == kHash);
  CHECK(config.basic_auth_users.at("ops team") == kHash);
  REQUIRE(config.files.size() == 3);
  CHECK(config.files[0].key_path == "tls_server_config.cert_file");
  CHECK(config.files[0].line == 2);
  CHECK(config.files[0].column == 14);
}

TEST_CASE("the web configuration's defaults and inline PEM") {
  const auto config = parse_ok("tls_server_config:\n  cert: |\n    PEM\n  key: KEY\n", "web.yml");
  REQUIRE(config.tls);
  CHECK(config.tls->cert_pem == "PEM\n");
  CHECK(config.tls->key_pem == "KEY");
  CHECK(config.tls->cert_file.empty());
  CHECK(config.tls->client_auth == ClientAuth::no_client_cert);
  CHECK(config.tls->min_version == TlsVersion::tls12);
  CHECK(config.tls->max_version == TlsVersion::tls13);
  CHECK(config.tls->prefer_server_cipher_suites);
  CHECK(config.files.empty());
  // The legacy name exporter-toolkit still takes, and each other type.
  const std::vector<std::pair<std::string, ClientAuth>> types = {
      {"RequireClientCert", ClientAuth::require_any_client_cert},
      {"RequireAnyClientCert", ClientAuth::require_any_client_cert},
      {"RequestClientCert", ClientAuth::request_client_cert},
      {"NoClientCert", ClientAuth::no_client_cert}};
  for (const auto& [name, value] : types) {
    const auto typed =
        parse_ok("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: " + name + "\n");
    CHECK(typed.tls->client_auth == value);
  }
  const auto verified = parse_ok(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: VerifyClientCertIfGiven\n  "
      "client_ca: X\n");
  CHECK(verified.tls->client_auth == ClientAuth::verify_client_cert_if_given);
  CHECK(verified.tls->client_ca_pem == "X");
  CHECK(parse_ok(
            "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n  max_version: TLS11\n")
            .tls->max_version == TlsVersion::tls11);
}

TEST_CASE("web configuration errors carry the file, line, column and key") {
  struct Case {
    std::string text;
    int line, column;
    std::string key, message;
  };
  const std::string tls = "tls_server_config:\n  cert_file: a\n  key_file: b\n";
  const std::vector<Case> cases = {
      {"tls_server_config:\n  cert_flie: a\n", 2, 3, "tls_server_config.cert_flie",
       "unknown key (did you mean 'cert_file'?)"},
      {"basic_auth_user:\n  a: b\n", 1, 1, "basic_auth_user",
       "unknown key (did you mean 'basic_auth_users'?)"},
      {"http_server_config:\n  http3: true\n", 2, 3, "http_server_config.http3", "unknown key"},
      {"http_server_config:\n  http2: maybe\n", 2, 10, "http_server_config.http2", "expected true or false"},
      {"http_server_config:\n  headers:\n    Server: memberwatch\n", 3, 5,
       "http_server_config.headers.Server", "unknown key"},
      {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 3, 22,
       "http_server_config.headers.X-Frame-Options", "'allow' is not one of deny, sameorigin"},
      {"http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n", 3, 29,
       "http_server_config.headers.X-Content-Type-Options", "'sniff' is not one of nosniff"},
      {"rate_limit:\n  interval: 1s\n", 1, 1, "rate_limit", "not supported by memberwatchd"},
      {tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: c\n  client_allowed_sans: "
             "[x]\n",
       6, 3, "tls_server_config.client_allowed_sans", "not supported by memberwatchd"},
      {tls + "  client_auth_type: Always\n", 4, 21, "tls_server_config.client_auth_type",
       "'Always' is not a client auth type"},
      {tls + "  min_version: TLS14\n", 4, 16, "tls_server_config.min_version",
       "'TLS14' is not a TLS version"},
      {tls + "  min_version: TLS13\n  max_version: TLS12\n", 4, 3, "tls_server_config.min_version",
       "is above max_version"},
      {tls + "  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n", 4, 19, "tls_server_config.cipher_suites[0]",
       "is not a cipher suite Go's crypto/tls accepts"},
      {tls + "  max_version: TLS11\n", 4, 3, "tls_server_config.max_version",
       "is below min_version (default TLS12)"},
      {tls + "  curve_preferences: [P-256]\n", 4, 23, "tls_server_config.curve_preferences[0]",
       "'P-256' is not a curve"},
      {tls + "  prefer_server_cipher_suites: yes please\n", 4, 32,
       "tls_server_config.prefer_server_cipher_suites", "expected true or false"},
      {"tls_server_config:\n  cert_file: a\n", 2, 3, "tls_server_config.key_file", "required"},
      {"tls_server_config:\n  key_file: b\n", 2, 3, "tls_server_config.cert_file", "required"},
      {tls + "  cert: PEM\n", 4, 3, "tls_server_config.cert", "is set and so is cert_file"},
      {tls + "  client_ca_file: c\n", 4, 3, "tls_server_config.client_ca_file",
       "client_auth_type is NoClientCert"},
      {tls + "  client_auth_type: RequireAndVerifyClientCert\n", 4, 3, "tls_server_config.client_auth_type",
       "no client_ca_file"},
      {"tls_server_config:\n  min_version: TLS13\n", 2, 3, "tls_server_config.min_version", "TLS is off"},
      {"tls_server_config: [a]\n", 1, 20, "tls_server_config", "expected a mapping"},
      {"basic_auth_users:\n  \"a:b\": " + kHash + "\n", 2, 3, "basic_auth_users.a:b", "cannot hold ':'"},
      {"basic_auth_users:\n  prometheus: [x]\n", 2, 15, "basic_auth_users.prometheus",
       "expected the user's bcrypt hash"},
      {"basic_auth_users:\n  prometheus: " + kHash + "\n  prometheus: " + kHash + "\n", 3, 3,
       "basic_auth_users.prometheus", "duplicate key"},
      {"basic_auth_users: {a: 1\n", 2, 1, "", "malformed YAML"},
      {"- a\n", 1, 1, "", "expected a mapping"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto error = parse_error(c.text);
    CHECK(error.file == "/etc/memberwatch/web.yml");
    CHECK(error.line == c.line);
    CHECK(error.column == c.column);
    CHECK(error.key_path == c.key);
    CHECK(error.message.find(c.message) != std::string::npos);
  }
  CHECK(parse_error("tls_server_config:\n  cert_flie: a\n").to_string() ==
        "/etc/memberwatch/web.yml:2:3: tls_server_config.cert_flie: unknown key (did you mean 'cert_file'?)");
}

TEST_CASE("a password hash that is not bcrypt is an error that does not quote the hash") {
  const std::vector<std::string> not_bcrypt = {
      "s3cret",                                                        // a password in clear
      "$1$abcdefgh$0123456789012345678901",                            // MD5-crypt
      "$6$salt$" + std::string(86, 'a'),                               // SHA-512-crypt
      "$2x$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi",  // the buggy 2x variant
      "$2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi",  // cost below 4
      "$2y$32$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi",  // cost above 31
      "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS",   // one short
      "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS!",  // not bcrypt's base64
  };
  for (const auto& hash : not_bcrypt) {
    CAPTURE(hash);
    CHECK_FALSE(is_bcrypt_hash(hash));
    const auto error = parse_error("basic_auth_users:\n  prometheus: '" + hash + "'\n");
    CHECK(error.line == 2);
    CHECK(error.column == 15);
    CHECK(error.key_path == "basic_auth_users.prometheus");
    CHECK(error.message.starts_with("is not a bcrypt hash"));
    CHECK(error.to_string().find(hash) == std::string::npos);
  }
  CHECK(is_bcrypt_hash(kHash));
  CHECK(is_bcrypt_hash(bcrypt_hash("x")));
  CHECK(is_bcrypt_hash("$2a$31$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
}

TEST_CASE("loading a web configuration reads its certificates and builds the TLS context") {
  mw::test::TempFolder folder("webconfig");
  const auto& dir = folder.path();
  mw::test::TestCertificateAuthority ca;
  mw::test::CertificateRequest request;
  request.ip_addresses = {"127.0.0.1"};
  const auto server = ca.issue(request);
  mw::test::write_file(dir / "server.crt", server.certificate_pem);
  mw::test::write_file(dir / "server.key", server.private_key_pem);
  ca.write_certificate(dir / "ca.pem");
  const auto web = (dir / "web.yml").string();
  const std::string tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";

  SUBCASE("a good file") {
    mw::test::write_file(web,
                         tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n" +
                             "basic_auth_users:\n  prometheus: " + kHash + "\n");
    const auto load = load_web_config(web, ::geteuid());
    for (const auto& error : load.errors) MESSAGE(error.to_string());
    REQUIRE(load.loaded);
    CHECK(load.loaded->tls != nullptr);
    CHECK(load.loaded->path == web);
    CHECK(load.loaded->stamps.size() == 4);
    CHECK(load.loaded->stamps == load.loaded->current_stamps());
    // A renewed certificate changes the stamps: the server loads it again.
    mw::test::write_file(dir / "server.crt", ca.issue(request).certificate_pem + "\n");
    CHECK(load.loaded->stamps != load.loaded->current_stamps());
  }
  SUBCASE("no TLS: no context") {
    mw::test::write_file(web, "basic_auth_users:\n  prometheus: " + kHash + "\n");
    const auto load = load_web_config(web, ::geteuid());
    REQUIRE(load.loaded);
    CHECK(load.loaded->tls == nullptr);
  }
  SUBCASE("inline certificate and key") {
    std::string indented_cert, indented_key;
    for (const auto& [pem, out] : {std::pair{&server.certificate_pem, &indented_cert},
                                   std::pair{&server.private_key_pem, &indented_key}}) {
      for (std::size_t at = 0; at < pem->size();) {
        const auto end = pem->find('\n', at);
        *out += "    " + pem->substr(at, end - at) + "\n";
        at = end + 1;
      }
    }
    mw::test::write_file(web,
                         "tls_server_config:\n  cert: |\n" + indented_cert + "  key: |\n" + indented_key);
    const auto load = load_web_config(web, ::geteuid());
    for (const auto& error : load.errors) MESSAGE(error.to_string());
    REQUIRE(load.loaded);
    CHECK(load.loaded->tls != nullptr);
  }
  SUBCASE("an unreadable certificate is an error at the key that names it") {
    mw::test::write_file(web, "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n");
    const auto load = load_web_config(web, ::geteuid());
    CHECK_FALSE(load.loaded);
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].to_string() == web + ":2:14: tls_server_config.cert_file: cannot read " +
                                            (dir / "missing.crt").string() + ": No such file or directory");
  }
  SUBCASE("a certificate that is not PEM") {
    mw::test::write_file(dir / "server.crt", "not a certificate\n");
    mw::test::write_file(web, tls);
    const auto load = load_web_config(web, ::geteuid());
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].line == 2);
    CHECK(load.errors[0].key_path == "tls_server_config.cert_file");
    CHECK(load.errors[0].message.find("not a PEM certificate chain") != std::string::npos);
  }
  SUBCASE("a key that does not match the certificate") {
    mw::test::write_file(dir / "server.key", ca.issue(request).private_key_pem);
    mw::test::write_file(web, tls);
    const auto load = load_web_config(web, ::geteuid());
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].line == 3);
    CHECK(load.errors[0].key_path == "tls_server_config.key_file");
    CHECK(load.errors[0].message.find("does not match the certificate") != std::string::npos);
  }
  SUBCASE("a key that is not PEM") {
    mw::test::write_file(dir / "server.key", "not a key\n");
    mw::test::write_file(web, tls);
    const auto load = load_web_config(web, ::geteuid());
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].line == 3);
    CHECK(load.errors[0].message.find("not a PEM private key") != std::string::npos);
  }
  SUBCASE("a client CA file without a certificate") {
    mw::test::write_file(dir / "ca.pem", "# empty\n");
    mw::test::write_file(web,
                         tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n");
    const auto load = load_web_config(web, ::geteuid());
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].line == 5);
    CHECK(load.errors[0].message.find("holds no PEM certificate") != std::string::npos);
  }
  SUBCASE("a web configuration others can write is refused") {
    mw::test::write_file(web, "");
    ::chmod(web.c_str(), 0666);
    const auto load = load_web_config(web, ::geteuid());
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].message.starts_with("refused: "));
  }
  SUBCASE("a missing web configuration") {
    const auto load = load_web_config((dir / "nothing.yml").string(), ::geteuid());
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].message == "cannot read the file: No such file or directory");
  }
  SUBCASE("parse errors come through") {
    mw::test::write_file(web, "basic_auth_users:\n  prometheus: plain\n");
    const auto load = load_web_config(web, ::geteuid());
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].line == 2);
  }
}
