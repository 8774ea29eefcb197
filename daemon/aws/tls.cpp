#include "aws/tls.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>

namespace mw::aws {
namespace {

namespace ssl = boost::asio::ssl;

// SSL ex_data slot holding the "host:port" session-cache key of a connection.
int session_key_index() {
  static const int index = SSL_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* key, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(key); });
  return index;
}

// SSL_CTX ex_data slot pointing back at the TlsClientContext (Asio keeps its
// verify callback in the context's app data, so that slot is taken).
int owner_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool is_ip_address(std::string_view host) {
  std::string text(host);
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

std::string openssl_error_text() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

}  // namespace

TlsClientContext::TlsClientContext(const TlsOptions& options) : context_(ssl::context::tls_client) {
  SSL_CTX* native = context_.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    throw TlsSetupError("cannot require TLS 1.2: " + openssl_error_text());
  }
  context_.set_verify_mode(ssl::verify_peer);
  if (options.ca_bundle.empty()) {
    if (SSL_CTX_set_default_verify_paths(native) != 1) {
      throw TlsSetupError("cannot load the system trust store: " + openssl_error_text());
    }
  } else if (SSL_CTX_load_verify_locations(native, options.ca_bundle.c_str(), nullptr) != 1) {
    throw TlsSetupError("cannot load CA bundle path=" + options.ca_bundle + ": " + openssl_error_text());
  }
  SSL_CTX_set_ex_data(native, owner_index(), this);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(native, &TlsClientContext::on_new_session);
}

TlsClientContext::~TlsClientContext() {
  for (auto& [key, session] : sessions_) SSL_SESSION_free(session);
}

void TlsClientContext::prepare(SSL* ssl, std::string_view host, unsigned short port) {
  std::string host_text(host);
  if (is_ip_address(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host_text.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host_text.c_str());
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host_text.c_str()) != 1)
      throw TlsSetupError("cannot set the host to verify: " + host_text);
  }
  auto key = std::make_unique<std::string>(host_text + ":" + std::to_string(port));
  if (auto found = sessions_.find(*key); found != sessions_.end()) SSL_set_session(ssl, found->second);
  SSL_set_ex_data(ssl, session_key_index(), key.release());
}

int TlsClientContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsClientContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), owner_index()));
  auto* key = static_cast<std::string*>(SSL_get_ex_data(ssl, session_key_index()));
  if (!self || !key) return 0;
  self->store(*key, session);
  return 1;  // we keep the reference
}

void TlsClientContext::store(const std::string& key, SSL_SESSION* session) {
  auto [entry, inserted] = sessions_.try_emplace(key, session);
  if (!inserted) {
    SSL_SESSION_free(entry->second);
    entry->second = session;
  }
}

std::string certificate_verify_error(SSL* ssl) {
  long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return "";
  return X509_verify_cert_error_string(result);
}

}  // namespace mw::aws
