// NextToken values: base64 (standard alphabet) of a fixed marker, the
// offset and a digest of the listing's scope. The marker bytes encode to
// "++//" and the length is padded so the token ends in "==": every token
// carries the characters a careless client mangles in a query string.

#include <openssl/evp.h>

#include <charconv>

#include "aws/crypto.hpp"
#include "internal.hpp"

namespace mw::fake_aws::detail {

namespace {

constexpr unsigned char kMarker[] = {0xFB, 0xEF, 0xFF};

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock keeps the zero bytes the padding stands for.
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(out.size() - padding);
  return out;
}

std::string payload(std::string_view scope, std::size_t offset) {
  std::string bytes(reinterpret_cast<const char*>(kMarker), sizeof kMarker);
  bytes += std::to_string(offset) + "|" + aws::crypto::sha256_hex(scope).substr(0, 16);
  while (bytes.size() % 3 != 1) bytes += '|';
  return bytes;
}

}  // namespace

std::string encode_page_token(std::string_view scope, std::size_t offset) {
  return base64(payload(scope, offset));
}

std::optional<std::size_t> decode_page_token(std::string_view token, std::string_view scope) {
  const auto bytes = unbase64(token);
  if (!bytes || bytes->size() < sizeof kMarker) return std::nullopt;
  if (bytes->compare(0, sizeof kMarker, reinterpret_cast<const char*>(kMarker), sizeof kMarker) != 0)
    return std::nullopt;
  std::size_t offset = 0;
  const char* begin = bytes->data() + sizeof kMarker;
  const auto [end, ec] = std::from_chars(begin, bytes->data() + bytes->size(), offset);
  if (ec != std::errc() || end == begin) return std::nullopt;
  if (payload(scope, offset) != *bytes) return std::nullopt;
  return offset;
}

}  // namespace mw::fake_aws::detail
