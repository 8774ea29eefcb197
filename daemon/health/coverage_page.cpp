#include "health/coverage_page.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace mw::health {

extern const std::string_view kCoveragePageHtml;  // coverage_page_html.cpp, generated

namespace {

// The CSP hash source of a text: 'sha256-' and the base64 of its digest.
std::string sha256_source(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  if (EVP_Digest(text.data(), text.size(), digest.data(), nullptr, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  std::array<unsigned char, 4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1> base64{};
  const int length = EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(digest.size()));
  return "'sha256-" +
         std::string(reinterpret_cast<const char*>(base64.data()), static_cast<std::size_t>(length)) + "'";
}

// The text as the browser's HTML parser hands it on: CR LF and lone CR
// become LF (a checkout with CRLF endings must not break the hashes).
std::string normalized_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out += text[i];
    } else {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    }
  }
  return out;
}

// The hash sources of every `<tag>...</tag>` element's text in html.
std::string hash_sources(std::string_view html, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  std::string sources;
  for (auto start = html.find(open); start != std::string_view::npos; start = html.find(open, start)) {
    start += open.size();
    const auto end = html.find(close, start);
    if (end == std::string_view::npos)
      throw std::runtime_error("<" + std::string(tag) + "> without its end tag");
    sources +=
        (sources.empty() ? "" : " ") + sha256_source(normalized_newlines(html.substr(start, end - start)));
    start = end + close.size();
  }
  return sources.empty() ? "'none'" : sources;
}

}  // namespace

std::string content_security_policy_for(std::string_view html) {
  return "default-src 'none'; script-src " + hash_sources(html, "script") + "; style-src " +
         hash_sources(html, "style") +
         "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
         "require-trusted-types-for 'script'";
}

const CoveragePage& coverage_page() {
  static const CoveragePage page{std::make_shared<const std::string>(kCoveragePageHtml),
                                 content_security_policy_for(kCoveragePageHtml)};
  return page;
}

}  // namespace mw::health
