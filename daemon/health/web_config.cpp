#include "health/web_config.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "common/file_trust.hpp"
#include "common/strings.hpp"

namespace mw::health {
namespace {

struct NamedValue {
  std::string_view name;
  std::string_view value;
};

// Go's tls.CipherSuites() (the suites exporter-toolkit accepts) with
// OpenSSL's names.
constexpr std::array<NamedValue, 10> kTls12Ciphers = {{
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}};
constexpr std::array<std::string_view, 3> kTls13Ciphers = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                           "TLS_CHACHA20_POLY1305_SHA256"};
constexpr std::array<NamedValue, 4> kCurves = {{
    {"CurveP256", "P-256"},
    {"CurveP384", "P-384"},
    {"CurveP521", "P-521"},
    {"X25519", "X25519"},
}};
constexpr std::array<NamedValue, 4> kVersions = {{
    {"TLS10", "TLS10"},
    {"TLS11", "TLS11"},
    {"TLS12", "TLS12"},
    {"TLS13", "TLS13"},
}};

struct ClientAuthName {
  std::string_view name;
  ClientAuth value;
};
constexpr std::array<ClientAuthName, 6> kClientAuth = {{
    {"NoClientCert", ClientAuth::no_client_cert},
    {"RequestClientCert", ClientAuth::request_client_cert},
    {"RequireAnyClientCert", ClientAuth::require_any_client_cert},
    {"RequireClientCert", ClientAuth::require_any_client_cert},  // exporter-toolkit's legacy name
    {"VerifyClientCertIfGiven", ClientAuth::verify_client_cert_if_given},
    {"RequireAndVerifyClientCert", ClientAuth::require_and_verify_client_cert},
}};

// exporter-toolkit's extraHTTPHeaders: the headers that may be set, and
// the values allowed where the set is closed.
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;  // empty: any value
};
const std::vector<AllowedHeader>& allowed_headers() {
  static const std::vector<AllowedHeader> headers = {
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return headers;
}

template <typename Table>
std::vector<std::string> names_of(const Table& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.name);
  return names;
}

std::string key_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string resolve_path(const std::string& config_file, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  const auto folder = std::filesystem::path(config_file).parent_path();
  if (folder.empty()) return path;
  return (folder / path).lexically_normal().string();
}

bool has_newline_or_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  WebConfigParse parse(std::string_view text) {
    WebConfig config;
    try {
      const YAML::Node root = YAML::Load(std::string(text));
      // An empty file is a valid web configuration: plain HTTP, no users.
      if (!root.IsNull()) parse_root(root, config);
    } catch (const YAML::Exception& e) {
      errors_.push_back({file_, e.mark.line + 1, e.mark.column + 1, "", "malformed YAML: " + e.msg});
    }
    if (!errors_.empty()) return {std::nullopt, errors_};
    return {std::move(config), {}};
  }

 private:
  using Handler = std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>;

  void error(const YAML::Node& at, const std::string& path, std::string message) {
    const auto mark = at.Mark();
    const bool has_position = mark.line >= 0 && !mark.is_null();
    errors_.push_back({file_, has_position ? mark.line + 1 : 0, has_position ? mark.column + 1 : 0, path,
                       std::move(message)});
  }

  // Calls `handle` for every key: known ones when `known` is set (unknown
  // ones are errors, `refused` ones errors saying why), any otherwise.
  // A null node (`key:` with nothing after it) is an empty mapping.
  bool for_each_key(const YAML::Node& node, const std::string& path, const std::vector<std::string>* known,
                    const std::map<std::string, std::string>& refused, const Handler& handle) {
    if (node.IsNull()) return true;
    if (!node.IsMap()) {
      error(node, path, "expected a mapping");
      return false;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key_node = it->first;
      const YAML::Node value_node = it->second;
      if (!key_node.IsScalar()) {
        error(key_node, path, "keys must be plain names");
        continue;
      }
      const std::string key = key_node.Scalar();
      const std::string full = key_path(path, key);
      if (const auto why = refused.find(key); why != refused.end()) {
        error(key_node, full, why->second);
        continue;
      }
      if (known && std::find(known->begin(), known->end(), key) == known->end()) {
        std::string message = "unknown key";
        if (const auto guess = closest_match(key, *known); !guess.empty()) {
          message += " (did you mean '" + guess + "'?)";
        }
        error(key_node, full, message);
        continue;
      }
      if (!seen.insert(key).second) {
        error(key_node, full, "duplicate key");
        continue;
      }
      handle(key, key_node, value_node);
    }
    return true;
  }

  std::optional<std::string> string_value(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) return node.Scalar();
    error(node, path, node.IsNull() ? "has no value; expected a string" : "expected a string");
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      const auto lowered = to_lower(node.Scalar());
      if (lowered == "true") return true;
      if (lowered == "false") return false;
    }
    error(node, path, "expected true or false");
    return std::nullopt;
  }

  // A name of `table`, as its value.
  template <typename Table>
  std::optional<std::string> one_of(const YAML::Node& node, const std::string& path, const Table& table,
                                    std::string_view what) {
    auto text = string_value(node, path);
    if (!text) return std::nullopt;
    for (const auto& entry : table) {
      if (entry.name == *text) return std::string(entry.value);
    }
    std::string message =
        "'" + *text + "' is not " + std::string(what) + " (" + join(names_of(table), ", ") + ")";
    error(node, path, message);
    return std::nullopt;
  }

  std::optional<std::vector<YAML::Node>> list(const YAML::Node& node, const std::string& path) {
    if (node.IsNull()) return std::vector<YAML::Node>{};
    if (!node.IsSequence()) {
      error(node, path, "expected a list");
      return std::nullopt;
    }
    std::vector<YAML::Node> items;
    for (std::size_t i = 0; i < node.size(); ++i) items.push_back(node[i]);
    return items;
  }

  // A file path, resolved and recorded with its position.
  std::string file_path(const YAML::Node& node, const std::string& path, const std::string& value,
                        WebConfig& config) {
    const auto resolved = resolve_path(file_, value);
    const auto mark = node.Mark();
    const bool has_position = mark.line >= 0 && !mark.is_null();
    config.files.push_back(
        {path, resolved, has_position ? mark.line + 1 : 0, has_position ? mark.column + 1 : 0});
    return resolved;
  }

  void parse_root(const YAML::Node& root, WebConfig& config) {
    static const std::vector<std::string> known = {"tls_server_config", "http_server_config",
                                                   "basic_auth_users"};
    static const std::map<std::string, std::string> refused = {
        {"rate_limit",
         "not supported by memberwatchd (its endpoint bounds connections, header and body sizes and "
         "idle time itself); remove it"}};
    if (!root.IsMap()) {
      error(root, "", "expected a mapping (tls_server_config, http_server_config, basic_auth_users)");
      return;
    }
    for_each_key(root, "", &known, refused,
                 [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                   if (key == "tls_server_config") {
                     parse_tls(value, config);
                   } else if (key == "http_server_config") {
                     parse_http(value, config);
                   } else {
                     parse_users(value, config);
                   }
                 });
  }

  void parse_tls(const YAML::Node& node, WebConfig& config) {
    const std::string section = "tls_server_config";
    static const std::vector<std::string> known = {"cert",
                                                   "key",
                                                   "client_ca",
                                                   "cert_file",
                                                   "key_file",
                                                   "client_ca_file",
                                                   "client_auth_type",
                                                   "min_version",
                                                   "max_version",
                                                   "cipher_suites",
                                                   "prefer_server_cipher_suites",
                                                   "curve_preferences"};
    static const std::map<std::string, std::string> refused = {
        {"client_allowed_sans",
         "not supported by memberwatchd; remove it and let client_ca_file name a CA that issues only the "
         "clients allowed in"}};
    TlsServerConfig tls;
    std::map<std::string, YAML::Node> seen;
    const auto errors_before = errors_.size();
    for_each_key(node, section, &known, refused,
                 [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
                   const auto path = key_path(section, key);
                   seen[key] = key_node;
                   if (key == "cert" || key == "key" || key == "client_ca") {
                     auto text = string_value(value, path);
                     if (!text) return;
                     if (key == "cert") tls.cert_pem = *text;
                     if (key == "key") tls.key_pem = *text;
                     if (key == "client_ca") tls.client_ca_pem = *text;
                     if (text->empty()) seen.erase(key);
                   } else if (key == "cert_file" || key == "key_file" || key == "client_ca_file") {
                     auto text = string_value(value, path);
                     if (!text) return;
                     if (text->empty()) {
                       seen.erase(key);
                       return;
                     }
                     const auto resolved = file_path(value, path, *text, config);
                     if (key == "cert_file") tls.cert_file = resolved;
                     if (key == "key_file") tls.key_file = resolved;
                     if (key == "client_ca_file") tls.client_ca_file = resolved;
                   } else if (key == "client_auth_type") {
                     auto text = string_value(value, path);
                     if (!text) return;
                     if (text->empty()) {  // exporter-toolkit: "" is NoClientCert
                       seen.erase(key);
                       return;
                     }
                     const auto found = std::find_if(kClientAuth.begin(), kClientAuth.end(),
                                                     [&](const auto& entry) { return entry.name == *text; });
                     if (found == kClientAuth.end()) {
                       error(
                           value, path,
                           "'" + *text +
                               "' is not a client auth type (NoClientCert, RequestClientCert, "
                               "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)");
                       return;
                     }
                     tls.client_auth = found->value;
                   } else if (key == "min_version" || key == "max_version") {
                     auto name = one_of(value, path, kVersions, "a TLS version");
                     if (!name) return;
                     const auto version = static_cast<TlsVersion>(name->back() - '0');
                     (key == "min_version" ? tls.min_version : tls.max_version) = version;
                   } else if (key == "cipher_suites") {
                     parse_ciphers(value, path, tls);
                   } else if (key == "prefer_server_cipher_suites") {
                     if (auto on = boolean(value, path)) tls.prefer_server_cipher_suites = *on;
                   } else if (key == "curve_preferences") {
                     auto items = list(value, path);
                     if (!items) return;
                     for (std::size_t i = 0; i < items->size(); ++i) {
                       const auto item_path = path + "[" + std::to_string(i) + "]";
                       if (auto curve = one_of((*items)[i], item_path, kCurves, "a curve")) {
                         tls.curve_preferences.push_back(*curve);
                       }
                     }
                   }
                 });
    if (errors_.size() != errors_before) return;
    // exporter-toolkit's rule: any of these set turns TLS on.
    const bool enabled = seen.count("cert") || seen.count("key") || seen.count("cert_file") ||
                         seen.count("key_file") || seen.count("client_ca") || seen.count("client_ca_file") ||
                         seen.count("client_auth_type");
    if (!enabled) {
      for (const auto& [key, key_node] : seen) {
        // min_version and the like with nothing to serve TLS with would be ignored.
        error(key_node, key_path(section, key), "is set but TLS is off (no cert_file and key_file)");
      }
      return;
    }
    const auto& at = node;
    auto both = [&](const char* file_key, const char* inline_key) {
      if (seen.count(file_key) && seen.count(inline_key)) {
        error(seen[inline_key], key_path(section, inline_key),
              std::string("is set and so is ") + file_key + "; give one of them");
      }
    };
    both("cert_file", "cert");
    both("key_file", "key");
    both("client_ca_file", "client_ca");
    if (!seen.count("cert_file") && !seen.count("cert")) {
      error(at, key_path(section, "cert_file"), "required: the server's certificate (or cert, inline)");
    }
    if (!seen.count("key_file") && !seen.count("key")) {
      error(at, key_path(section, "key_file"), "required: the server's private key (or key, inline)");
    }
    const bool has_ca = seen.count("client_ca_file") || seen.count("client_ca");
    if (has_ca && tls.client_auth == ClientAuth::no_client_cert) {
      const auto ca_key = seen.count("client_ca_file") ? "client_ca_file" : "client_ca";
      error(
          seen[ca_key], key_path(section, ca_key),
          "is set but client_auth_type is NoClientCert; set client_auth_type to RequireAndVerifyClientCert");
    }
    const bool verifies = tls.client_auth == ClientAuth::verify_client_cert_if_given ||
                          tls.client_auth == ClientAuth::require_and_verify_client_cert;
    if (verifies && !has_ca) {
      error(seen["client_auth_type"], key_path(section, "client_auth_type"),
            "verifies client certificates but no client_ca_file says which CA issues them");
    }
    if (tls.min_version > tls.max_version) {
      // One of them may be the default (TLS12 and TLS13).
      if (seen.count("min_version")) {
        error(seen["min_version"], key_path(section, "min_version"), "is above max_version");
      } else {
        error(seen["max_version"], key_path(section, "max_version"), "is below min_version (default TLS12)");
      }
    }
    if (errors_.size() == errors_before) config.tls = std::move(tls);
  }

  void parse_ciphers(const YAML::Node& node, const std::string& path, TlsServerConfig& tls) {
    auto items = list(node, path);
    if (!items) return;
    std::vector<std::string> names = names_of(kTls12Ciphers);
    names.insert(names.end(), kTls13Ciphers.begin(), kTls13Ciphers.end());
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto item_path = path + "[" + std::to_string(i) + "]";
      auto text = string_value((*items)[i], item_path);
      if (!text) continue;
      const auto tls12 = std::find_if(kTls12Ciphers.begin(), kTls12Ciphers.end(),
                                      [&](const auto& entry) { return entry.name == *text; });
      if (tls12 != kTls12Ciphers.end()) {
        tls.tls12_ciphers.emplace_back(tls12->value);
        continue;
      }
      if (std::find(kTls13Ciphers.begin(), kTls13Ciphers.end(), *text) != kTls13Ciphers.end()) {
        tls.tls13_ciphers.push_back(*text);
        continue;
      }
      std::string message = "'" + *text + "' is not a cipher suite Go's crypto/tls accepts (TLS_ECDHE_...)";
      if (const auto guess = closest_match(*text, names); !guess.empty()) {
        message += "; did you mean '" + guess + "'?";
      }
      error((*items)[i], item_path, message);
    }
  }

  void parse_http(const YAML::Node& node, WebConfig& config) {
    const std::string section = "http_server_config";
    static const std::vector<std::string> known = {"http2", "headers"};
    for_each_key(
        node, section, &known, {}, [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
          const auto path = key_path(section, key);
          if (key == "http2") {
            if (auto on = boolean(value, path)) config.http2 = *on;
            return;
          }
          const auto names = names_of(allowed_headers());
          for_each_key(
              value, path, &names, {},
              [&](const std::string& name, const YAML::Node&, const YAML::Node& header_value) {
                const auto header_path = key_path(path, name);
                auto text = string_value(header_value, header_path);
                if (!text || text->empty()) return;  // blank: unset, as exporter-toolkit does
                if (has_newline_or_nul(*text)) {
                  error(header_value, header_path, "must be one line");
                  return;
                }
                const auto& allowed = *std::find_if(allowed_headers().begin(), allowed_headers().end(),
                                                    [&](const auto& entry) { return entry.name == name; });
                if (!allowed.values.empty() &&
                    std::find(allowed.values.begin(), allowed.values.end(), *text) == allowed.values.end()) {
                  std::vector<std::string> values(allowed.values.begin(), allowed.values.end());
                  error(header_value, header_path, "'" + *text + "' is not one of " + join(values, ", "));
                  return;
                }
                config.headers.emplace_back(name, *text);
              });
        });
  }

  void parse_users(const YAML::Node& node, WebConfig& config) {
    const std::string section = "basic_auth_users";
    for_each_key(
        node, section, nullptr, {},
        [&](const std::string& user, const YAML::Node& key_node, const YAML::Node& value) {
          const auto path = key_path(section, user);
          if (user.find(':') != std::string::npos) {
            error(key_node, path,
                  "a user name cannot hold ':' (HTTP basic auth separates user and password with it)");
            return;
          }
          if (has_newline_or_nul(user)) {
            error(key_node, path, "a user name must be one line");
            return;
          }
          if (!value.IsScalar()) {
            error(value, path, "expected the user's bcrypt hash");
            return;
          }
          // Never quoted back: the hash is a secret of sorts.
          if (!is_bcrypt_hash(value.Scalar())) {
            error(
                value, path,
                "is not a bcrypt hash ($2a$, $2b$ or $2y$, a cost of 04 to 31, 60 characters; make one with "
                "htpasswd -nBC 10 \"\" | tr -d ':\\n')");
            return;
          }
          config.basic_auth_users[user] = value.Scalar();
        });
  }

  std::string file_;
  std::vector<WebConfigError> errors_;
};

// The OpenSSL errors queued by a failed call, as one line.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

// The certificates of a PEM text, at least one, else why not.
std::vector<X509*> read_certificates(const std::string& pem, std::string& why) {
  std::vector<X509*> certificates;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (bio) {
    X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (!certificate) break;
    certificates.push_back(certificate);
  }
  BIO_free(bio);
  ERR_clear_error();
  if (certificates.empty()) why = "holds no PEM certificate";
  return certificates;
}

int accept_any_certificate(int, X509_STORE_CTX*) {
  return 1;
}

// Reads a file the web configuration names into `out`, or records why not.
bool read_named_file(const WebConfigFile& named, const std::string& web_file, uid_t uid, std::string& out,
                     std::vector<WebConfigError>& errors) {
  if (const auto reason = untrusted_file_reason(named.path, uid); !reason.empty()) {
    errors.push_back({web_file, named.line, named.column, named.key_path, "refused: " + reason});
    return false;
  }
  std::ifstream in(named.path, std::ios::binary);
  if (!in) {
    errors.push_back({web_file, named.line, named.column, named.key_path,
                      "cannot read " + named.path + ": " + std::strerror(errno)});
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

int openssl_version(TlsVersion version) {
  switch (version) {
    case TlsVersion::tls10:
      return TLS1_VERSION;
    case TlsVersion::tls11:
      return TLS1_1_VERSION;
    case TlsVersion::tls12:
      return TLS1_2_VERSION;
    case TlsVersion::tls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// Builds the server's TLS context; errors at the position of the key that
// names what failed.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(
    const TlsServerConfig& tls, const std::string& cert_pem, const std::string& key_pem,
    const std::string& client_ca_pem, const std::function<void(const char*, std::string)>& fail) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  ERR_clear_error();
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (tls.prefer_server_cipher_suites) SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(native, openssl_version(tls.min_version)) != 1 ||
      SSL_CTX_set_max_proto_version(native, openssl_version(tls.max_version)) != 1) {
    fail("min_version", "OpenSSL refuses it: " + openssl_errors());
    return nullptr;
  }
  const char* cert_key = tls.cert_file.empty() ? "cert" : "cert_file";
  const char* key_key = tls.key_file.empty() ? "key" : "key_file";
  boost::system::error_code error;
  context->use_certificate_chain(boost::asio::buffer(cert_pem), error);
  if (error) {
    fail(cert_key, "not a PEM certificate chain OpenSSL can use: " + error.message());
    return nullptr;
  }
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(key_bio);
  if (!key) {
    fail(key_key, "not a PEM private key OpenSSL can use: " + openssl_errors());
    return nullptr;
  }
  const bool key_used = SSL_CTX_use_PrivateKey(native, key) == 1 && SSL_CTX_check_private_key(native) == 1;
  EVP_PKEY_free(key);
  if (!key_used) {
    ERR_clear_error();
    fail(key_key, std::string("does not match the certificate of ") + cert_key);
    return nullptr;
  }
  if (!tls.tls12_ciphers.empty() &&
      SSL_CTX_set_cipher_list(native, join(tls.tls12_ciphers, ":").c_str()) != 1) {
    fail("cipher_suites", "OpenSSL refuses them: " + openssl_errors());
    return nullptr;
  }
  if (!tls.tls13_ciphers.empty() &&
      SSL_CTX_set_ciphersuites(native, join(tls.tls13_ciphers, ":").c_str()) != 1) {
    fail("cipher_suites", "OpenSSL refuses them: " + openssl_errors());
    return nullptr;
  }
  if (!tls.curve_preferences.empty() &&
      SSL_CTX_set1_groups_list(native, join(tls.curve_preferences, ":").c_str()) != 1) {
    fail("curve_preferences", "OpenSSL refuses them: " + openssl_errors());
    return nullptr;
  }
  if (!client_ca_pem.empty()) {
    const char* ca_key = tls.client_ca_file.empty() ? "client_ca" : "client_ca_file";
    std::string why;
    auto certificates = read_certificates(client_ca_pem, why);
    if (certificates.empty()) {
      fail(ca_key, why);
      return nullptr;
    }
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    bool added = true;
    for (X509* certificate : certificates) {
      // The names the server sends in its CertificateRequest, so the
      // client picks a certificate this CA issued.
      added = added && X509_STORE_add_cert(store, certificate) == 1 &&
              SSL_CTX_add_client_CA(native, certificate) == 1;
      X509_free(certificate);
    }
    if (!added) {
      fail(ca_key, "OpenSSL refuses it: " + openssl_errors());
      return nullptr;
    }
  }
  switch (tls.client_auth) {
    case ClientAuth::no_client_cert:
      SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::request_client_cert:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_any_certificate);
      break;
    case ClientAuth::require_any_client_cert:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
      break;
    case ClientAuth::verify_client_cert_if_given:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::require_and_verify_client_cert:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  // Session resumption with client certificates needs a context id.
  static constexpr unsigned char kSessionContext[] = "memberwatchd";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  ERR_clear_error();
  return context;
}

std::int64_t nanoseconds(const timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

}  // namespace

WebConfigParse parse_web_config(std::string_view text, const std::string& file_name) {
  return Parser(file_name).parse(text);
}

bool is_bcrypt_hash(std::string_view text) {
  if (text.size() != 60 || !text.starts_with("$2") || text[3] != '$' || text[6] != '$') return false;
  if (text[2] != 'a' && text[2] != 'b' && text[2] != 'y') return false;
  if (!is_digits(text.substr(4, 2))) return false;
  const int cost = (text[4] - '0') * 10 + (text[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(text.begin() + 7, text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
  });
}

FileStamp stamp_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return {info.st_dev, info.st_ino, static_cast<std::int64_t>(info.st_size), nanoseconds(info.st_mtim),
          nanoseconds(info.st_ctim)};
}

std::vector<FileStamp> LoadedWebConfig::current_stamps() const {
  std::vector<FileStamp> stamps{stamp_of(path)};
  for (const auto& named : config.files) stamps.push_back(stamp_of(named.path));
  return stamps;
}

WebConfigLoad load_web_config(const std::string& path, uid_t uid) {
  auto loaded = std::make_shared<LoadedWebConfig>();
  loaded->path = path;
  // Stamped before reading: a change made while it is read is seen next time.
  loaded->stamps.push_back(stamp_of(path));
  WebConfigLoad result;
  if (const auto reason = untrusted_file_reason(path, uid); !reason.empty()) {
    result.errors.push_back({path, 0, 0, "", "refused: " + reason});
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.errors.push_back({path, 0, 0, "", std::string("cannot read the file: ") + std::strerror(errno)});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parse_web_config(text.str(), path);
  if (!parsed.config) {
    result.errors = std::move(parsed.errors);
    return result;
  }
  loaded->config = std::move(*parsed.config);
  std::map<std::string, std::string> contents;  // key path -> text
  for (const auto& named : loaded->config.files) {
    loaded->stamps.push_back(stamp_of(named.path));
    std::string content;
    if (read_named_file(named, path, uid, content, result.errors))
      contents[named.key_path] = std::move(content);
  }
  if (!result.errors.empty()) return result;
  if (const auto& tls = loaded->config.tls) {
    const std::string section = "tls_server_config";
    auto text_of = [&](const char* file_key, const std::string& inline_pem) {
      const auto found = contents.find(section + "." + file_key);
      return found != contents.end() ? found->second : inline_pem;
    };
    auto fail = [&](const char* key, std::string message) {
      const auto full = section + "." + key;
      const auto named = std::find_if(loaded->config.files.begin(), loaded->config.files.end(),
                                      [&](const WebConfigFile& file) { return file.key_path == full; });
      if (named != loaded->config.files.end()) {
        result.errors.push_back({path, named->line, named->column, full, named->path + ": " + message});
      } else {
        result.errors.push_back({path, 0, 0, full, std::move(message)});
      }
    };
    std::string key_pem = text_of("key_file", tls->key_pem);
    loaded->tls = make_tls_context(*tls, text_of("cert_file", tls->cert_pem), key_pem,
                                   text_of("client_ca_file", tls->client_ca_pem), fail);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
    if (auto found = contents.find(section + ".key_file"); found != contents.end()) {
      OPENSSL_cleanse(found->second.data(), found->second.size());
    }
    if (!result.errors.empty()) return result;
  }
  result.loaded = std::move(loaded);
  return result;
}

}  // namespace mw::health
