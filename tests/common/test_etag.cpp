#include <doctest/doctest.h>

#include <string>

#include "common/etag.hpp"

TEST_CASE("strong ETags are quoted hex digests that differ with the content") {
  const auto tag = mw::strong_etag("hello");
  CHECK(tag == "\"2cf24dba5fb0a30e26e83b2ac5b9e29e\"");  // SHA-256("hello"), first 16 bytes
  CHECK(mw::strong_etag("hello!") != tag);
  CHECK(mw::strong_etag("") == "\"e3b0c44298fc1c149afbf4c8996fb924\"");
}

TEST_CASE("an ETag fed piece by piece is the tag of the whole") {
  const std::string text = "{\"schema\":\"memberwatch.snapshot/v1\",\"memberships\":[]}\n";
  for (std::size_t cut = 0; cut <= text.size(); cut += 7) {
    mw::EtagHasher hasher;
    hasher.update(std::string_view(text).substr(0, cut));
    hasher.update(std::string_view(text).substr(cut));
    CHECK(hasher.finish() == mw::strong_etag(text));
  }
}
