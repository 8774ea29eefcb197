#pragma once

// Strong entity tags (RFC 9110, 8.8.3) for the snapshot: the first 128 bits
// of the SHA-256 of the bytes, in hex, quoted. Fed piece by piece, so a
// snapshot of hundreds of MB is tagged while it is written, never held.

#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace mw {

class EtagHasher {
 public:
  EtagHasher();  // throws std::runtime_error when OpenSSL fails
  ~EtagHasher();
  EtagHasher(const EtagHasher&) = delete;
  EtagHasher& operator=(const EtagHasher&) = delete;

  void update(std::string_view piece);
  // The tag of everything updated so far, e.g. "\"3f2a...\"". Once.
  std::string finish();

 private:
  evp_md_ctx_st* context_;
};

std::string strong_etag(std::string_view bytes);

}  // namespace mw
