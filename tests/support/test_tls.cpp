#include "support/test_tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace mw::test {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter>;
using CertificatePtr = std::unique_ptr<X509, Deleter>;
using BioPtr = std::unique_ptr<BIO, Deleter>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter>;

[[noreturn]] void openssl_failure(const std::string& what) {
  char text[256] = "unknown error";
  if (auto code = ERR_get_error()) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  throw std::runtime_error("test certificate: " + what + ": " + text);
}

void check(int result, const char* what) {
  if (result <= 0) openssl_failure(what);
}

KeyPtr new_key() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) openssl_failure("key generation");
  return key;
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string certificate_to_pem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), certificate), "PEM certificate");
  return drain(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM key");
  return drain(bio.get());
}

void add_extension(X509* certificate, X509V3_CTX* context, int nid, const std::string& value) {
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str()));
  if (!extension) openssl_failure("extension " + value);
  check(X509_add_ext(certificate, extension.get(), -1), "add extension");
}

std::string subject_alt_names(const CertificateRequest& request) {
  std::string names;
  for (const auto& dns : request.dns_names) names += (names.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : request.ip_addresses) names += (names.empty() ? "IP:" : ",IP:") + ip;
  return names;
}

// A certificate for `key` named `common_name`, not yet signed; `issuer`
// null means self-issued.
CertificatePtr new_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                               std::chrono::seconds not_before, std::chrono::seconds not_after) {
  CertificatePtr certificate(X509_new());
  check(X509_set_version(certificate.get(), 2), "version");
  unsigned char serial_bytes[16];
  check(RAND_bytes(serial_bytes, sizeof serial_bytes), "serial");
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate.get()));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), static_cast<long>(not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), static_cast<long>(not_after.count()));
  check(X509_set_pubkey(certificate.get(), key), "public key");
  X509_NAME* name = X509_get_subject_name(certificate.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
        "subject");
  check(X509_set_issuer_name(certificate.get(), issuer ? X509_get_subject_name(issuer) : name), "issuer");
  return certificate;
}

void add_leaf_extensions(X509* certificate, X509* issuer, const CertificateRequest& request) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer ? issuer : certificate, certificate, nullptr, nullptr, 0);
  add_extension(certificate, &context, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(certificate, &context, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  // clientAuth too: the same leaves serve as client certificates in the
  // health endpoint's client_auth_type tests.
  add_extension(certificate, &context, NID_ext_key_usage, "serverAuth,clientAuth");
  add_extension(certificate, &context, NID_subject_key_identifier, "hash");
  add_extension(certificate, &context, NID_authority_key_identifier, "keyid:always");
  auto names = subject_alt_names(request);
  if (!names.empty()) add_extension(certificate, &context, NID_subject_alt_name, names);
}

}  // namespace

struct TestCertificateAuthority::Impl {
  KeyPtr key;
  CertificatePtr certificate;
};

TestCertificateAuthority::TestCertificateAuthority(const std::string& common_name) : impl_(new Impl) {
  impl_->key = new_key();
  impl_->certificate = new_certificate(impl_->key.get(), common_name, nullptr, std::chrono::seconds(-3600),
                                       std::chrono::seconds(86400));
  X509* certificate = impl_->certificate.get();
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  add_extension(certificate, &context, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(certificate, &context, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(certificate, &context, NID_subject_key_identifier, "hash");
  add_extension(certificate, &context, NID_authority_key_identifier, "keyid:always");
  check(X509_sign(certificate, impl_->key.get(), EVP_sha256()), "sign CA");
  certificate_pem_ = certificate_to_pem(certificate);
}

TestCertificateAuthority::~TestCertificateAuthority() {
  delete impl_;
}

KeyAndCertificate TestCertificateAuthority::issue(const CertificateRequest& request) const {
  auto key = new_key();
  auto certificate = new_certificate(key.get(), request.common_name, impl_->certificate.get(),
                                     request.not_before_offset, request.not_after_offset);
  add_leaf_extensions(certificate.get(), impl_->certificate.get(), request);
  check(X509_sign(certificate.get(), impl_->key.get(), EVP_sha256()), "sign leaf");
  return {certificate_to_pem(certificate.get()), key_to_pem(key.get())};
}

void TestCertificateAuthority::write_certificate(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary);
  out << certificate_pem_;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

KeyAndCertificate self_signed_certificate(const CertificateRequest& request) {
  auto key = new_key();
  auto certificate = new_certificate(key.get(), request.common_name, nullptr, request.not_before_offset,
                                     request.not_after_offset);
  add_leaf_extensions(certificate.get(), nullptr, request);
  check(X509_sign(certificate.get(), key.get(), EVP_sha256()), "sign self-signed");
  return {certificate_to_pem(certificate.get()), key_to_pem(key.get())};
}

}  // namespace mw::test
