#include "aws/aws_credentials.hpp"

#include <openssl/crypto.h>

namespace mw::aws {

// A moved-from short string keeps its characters in its inline buffer, so
// the source is overwritten (resize to capacity zero-fills in place, never
// allocates) before it is wiped.
SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
  other.value_.resize(other.value_.capacity());
  other.wipe();
}

SecretString& SecretString::operator=(const SecretString& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.value_.resize(other.value_.capacity());
    other.wipe();
  }
  return *this;
}

SecretString::~SecretString() {
  wipe();
}

void SecretString::wipe() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

}  // namespace mw::aws
