#pragma once

// Certificates made at test time with OpenSSL 3: a throw-away certificate
// authority that issues server certificates for any names, and self-signed
// certificates. Keys are P-256 (fast to generate). For tests only.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace mw::test {

struct KeyAndCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

struct CertificateRequest {
  std::string common_name = "memberwatch test server";
  std::vector<std::string> dns_names;             // subjectAltName DNS entries ("localhost")
  std::vector<std::string> ip_addresses;          // subjectAltName IP entries ("127.0.0.1")
  std::chrono::seconds not_before_offset{-3600};  // relative to now
  std::chrono::seconds not_after_offset{86400};   // negative: already expired
};

class TestCertificateAuthority {
 public:
  explicit TestCertificateAuthority(const std::string& common_name = "memberwatch test CA");
  ~TestCertificateAuthority();
  TestCertificateAuthority(const TestCertificateAuthority&) = delete;
  TestCertificateAuthority& operator=(const TestCertificateAuthority&) = delete;

  const std::string& certificate_pem() const { return certificate_pem_; }
  // A leaf certificate for a TLS server or client (serverAuth, clientAuth), signed by this CA.
  KeyAndCertificate issue(const CertificateRequest& request) const;
  // Writes the CA certificate as a PEM bundle file (for a ca_bundle option).
  void write_certificate(const std::filesystem::path& path) const;

 private:
  struct Impl;
  Impl* impl_;
  std::string certificate_pem_;
};

// A self-signed server certificate that no CA vouches for.
KeyAndCertificate self_signed_certificate(const CertificateRequest& request);

}  // namespace mw::test
