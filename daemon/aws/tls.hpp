#pragma once

// The OpenSSL client side: one context (TLS 1.2+, peer verification always
// on, the system trust store or a CA bundle) and a per-host TLS session
// cache so reconnecting to a host resumes its session instead of a full
// handshake. Included by the HTTP client only; pure code need not see Asio.

#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mw::aws {

struct TlsOptions {
  std::string ca_bundle;  // PEM file (aws.ca_bundle / AWS_CA_BUNDLE); "" = the system trust store
};

class TlsSetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TlsClientContext {
 public:
  // Throws TlsSetupError when the CA bundle cannot be loaded.
  explicit TlsClientContext(const TlsOptions& options);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  boost::asio::ssl::context& context() { return context_; }

  // Readies a new connection to host:port: SNI (for names), hostname or IP
  // address verification, and the host's cached session if there is one.
  void prepare(SSL* ssl, std::string_view host, unsigned short port);

  std::size_t cached_sessions() const { return sessions_.size(); }

 private:
  static int on_new_session(SSL* ssl, SSL_SESSION* session);
  void store(const std::string& key, SSL_SESSION* session);

  boost::asio::ssl::context context_;
  std::map<std::string, SSL_SESSION*> sessions_;  // owned references
};

// The reason OpenSSL gave for rejecting the peer's certificate, or "" when
// the handshake did not fail on verification.
std::string certificate_verify_error(SSL* ssl);

}  // namespace mw::aws
