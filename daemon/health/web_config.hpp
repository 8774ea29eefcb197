#pragma once

// health.web_config_file: the Prometheus exporter-toolkit web configuration
// (the file node_exporter reads with --web.config.file): TLS, basic auth
// users with bcrypt hashes, and extra response headers. One file can serve
// node_exporter and memberwatchd alike.
//
// parse_web_config is pure (text in, values or positioned errors out);
// load_web_config reads the file and every certificate and key it names and
// builds the TLS context, so that a file that cannot be served is refused
// when it is loaded, never at the first connection.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file_error.hpp"

namespace boost::asio::ssl {
class context;
}

namespace mw::health {

// tls_server_config.client_auth_type (Go's tls.ClientAuthType).
enum class ClientAuth {
  no_client_cert,           // NoClientCert: no certificate asked for
  request_client_cert,      // RequestClientCert: asked for, not required, not verified
  require_any_client_cert,  // RequireAnyClientCert (and the legacy RequireClientCert): required, not verified
  verify_client_cert_if_given,    // VerifyClientCertIfGiven: verified against client_ca when sent
  require_and_verify_client_cert  // RequireAndVerifyClientCert: required and verified against client_ca
};

enum class TlsVersion { tls10, tls11, tls12, tls13 };

using WebConfigError = FileError;  // common/file_error.hpp, as the configuration's errors

// A file the web configuration names, resolved against the folder of the
// web configuration file (as exporter-toolkit does), and where it names it.
struct WebConfigFile {
  std::string key_path;  // "tls_server_config.cert_file"
  std::string path;
  int line = 0;
  int column = 0;
};

struct TlsServerConfig {
  // Each PEM comes from its *_file or inline (cert, key, client_ca), not both.
  std::string cert_file, key_file, client_ca_file;  // resolved; "" when inline or absent
  std::string cert_pem, key_pem, client_ca_pem;     // inline text; "" when from a file or absent
  ClientAuth client_auth = ClientAuth::no_client_cert;
  TlsVersion min_version = TlsVersion::tls12;
  TlsVersion max_version = TlsVersion::tls13;
  // cipher_suites split by protocol, as OpenSSL names them; empty: OpenSSL's
  // defaults. Go's names are accepted, and only the suites Go accepts
  // (tls.CipherSuites(): no RSA key exchange, no 3DES, no RC4).
  std::vector<std::string> tls12_ciphers;  // "ECDHE-RSA-AES128-GCM-SHA256"
  std::vector<std::string> tls13_ciphers;  // "TLS_AES_128_GCM_SHA256"
  bool prefer_server_cipher_suites = true;
  std::vector<std::string> curve_preferences;  // OpenSSL group names: "P-256", "X25519"
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;                   // nullopt: plain HTTP
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash; empty: no authentication
  // http_server_config.headers, added to every response (blank values left out).
  std::vector<std::pair<std::string, std::string>> headers;
  // http_server_config.http2: accepted for the format's sake; memberwatchd
  // speaks HTTP/1.1 only (a client offering h2 in ALPN gets HTTP/1.1).
  bool http2 = true;
  std::vector<WebConfigFile> files;  // cert_file, key_file, client_ca_file as named
};

struct WebConfigParse {
  std::optional<WebConfig> config;  // set exactly when errors is empty
  std::vector<WebConfigError> errors;
};

// Parses web configuration text. Pure: `file_name` is used for error
// messages and to resolve relative paths, never opened. Unknown keys are
// errors; so are the exporter-toolkit keys memberwatchd does not implement
// (rate_limit, tls_server_config.client_allowed_sans): refused with why,
// never ignored.
WebConfigParse parse_web_config(std::string_view text, const std::string& file_name);

// "$2a$", "$2b$" or "$2y$", a cost of 04 to 31, "$", then 53 characters of
// bcrypt's base64 (22 of salt, 31 of hash).
bool is_bcrypt_hash(std::string_view text);

// What identifies a file's version without reading it.
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  std::int64_t size = -1;  // -1: the file could not be stat()ed
  std::int64_t modified_ns = 0;
  std::int64_t changed_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
FileStamp stamp_of(const std::string& path);

// A web configuration ready to serve: parsed, its files read, its TLS
// context built.
struct LoadedWebConfig {
  std::string path;  // the web configuration file
  WebConfig config;
  std::shared_ptr<boost::asio::ssl::context> tls;  // nullptr: plain HTTP
  // The web configuration file's stamp, then its named files' in order:
  // when any changes, the file is loaded again (certificate renewals too).
  std::vector<FileStamp> stamps;

  // The stamps the files have now, in the order of `stamps`.
  std::vector<FileStamp> current_stamps() const;
};

struct WebConfigLoad {
  std::shared_ptr<const LoadedWebConfig> loaded;  // set exactly when errors is empty
  std::vector<WebConfigError> errors;
};

// Reads and parses the file, reads every file it names and builds the TLS
// context. Errors: an unreadable file, one that other users than root and
// `uid` can write (common/file_trust.hpp; the web configuration decides who
// gets in), a certificate, key or CA that is not PEM or does not load, a key
// that does not match its certificate; each at the position of the key that
// names it.
WebConfigLoad load_web_config(const std::string& path, uid_t uid);

}  // namespace mw::health
