#include "common/etag.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace mw {

EtagHasher::EtagHasher() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(context_);
    throw std::runtime_error("SHA-256 failed");
  }
}

EtagHasher::~EtagHasher() {
  EVP_MD_CTX_free(context_);
}

void EtagHasher::update(std::string_view piece) {
  if (EVP_DigestUpdate(context_, piece.data(), piece.size()) != 1) throw std::runtime_error("SHA-256 failed");
}

std::string EtagHasher::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_, digest.data(), &length) != 1) throw std::runtime_error("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    tag += kHex[digest[i] >> 4];
    tag += kHex[digest[i] & 0xf];
  }
  return tag + "\"";
}

std::string strong_etag(std::string_view bytes) {
  EtagHasher hasher;
  hasher.update(bytes);
  return hasher.finish();
}

}  // namespace mw
