#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mw::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// ASCII case-insensitive equality, for header names.
bool iequals(std::string_view a, std::string_view b);

// An HTTP request as it goes on the wire. `target` is the request-target:
// the path and query string, already URI-encoded exactly as sent.
struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  HeaderList headers;  // includes Host
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const;  // case-insensitive
  void set_header(std::string name, std::string value);                 // replaces, case-insensitive
};

struct HttpResponse {
  unsigned status = 0;
  HeaderList headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const;  // case-insensitive
};

// Where a request goes: scheme, host and port of an endpoint URL, plus the
// path prefix it may carry (http://127.0.0.1:4566/prefix).
struct Endpoint {
  std::string scheme = "https";
  std::string host;
  unsigned short port = 443;
  std::string base_path;  // "" or "/prefix" without a trailing slash

  // "host" or "host:port" when the port is not the scheme's default.
  std::string host_header() const;
  bool operator==(const Endpoint&) const = default;
};

// Parses "https://host[:port][/path]"; nullopt when it is not such a URL.
std::optional<Endpoint> parse_endpoint_url(std::string_view url);

}  // namespace mw::aws
