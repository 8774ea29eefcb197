#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mw::aws::uri {

using Params = std::vector<std::pair<std::string, std::string>>;

// AWS URI encoding: every byte but the RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~) becomes %XX with uppercase hex. encode_path keeps '/'.
std::string encode(std::string_view text);
std::string encode_path(std::string_view path);

// Percent-decoding; nullopt on a '%' not followed by two hex digits.
// form_decode also turns '+' into a space (application/x-www-form-urlencoded).
std::optional<std::string> decode(std::string_view text);
std::optional<std::string> form_decode(std::string_view text);

// RFC 3986 5.2.4 dot-segment removal plus collapsing of empty segments, as
// the SigV4 path normalization does: "//a/./b/../c//" -> "/a/c/".
std::string normalize_path(std::string_view path);

// "k1=v1&k2=v2" with keys and values encoded, in the given order. The query
// protocol's form bodies use the same encoding (space as %20).
std::string encode_params(const Params& params);

// Splits a raw query string or form body into decoded pairs. A key without
// '=' gets an empty value; empty segments ("a=1&&b=2") are skipped.
// nullopt when a key or value has a malformed escape.
std::optional<Params> parse_query(std::string_view query);
std::optional<Params> parse_form(std::string_view body);

// The SigV4 canonical query string of a raw query: every key and value
// decoded (leniently: a stray '%' stays a literal '%') and re-encoded, then
// sorted by key and value.
std::string canonical_query(std::string_view query);

// Splits a request-target into its path and its query (without '?').
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace mw::aws::uri
