#include "aws/http_types.hpp"

#include "common/strings.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mw::aws {
namespace {

std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

unsigned short default_port(std::string_view scheme) {
  return scheme == "http" ? 80 : 443;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  return find_header(headers, name);
}

void HttpRequest::set_header(std::string name, std::string value) {
  auto it =
      std::find_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
  if (it == headers.end()) {
    headers.emplace_back(std::move(name), std::move(value));
    return;
  }
  it->first = std::move(name);
  it->second = std::move(value);
  // Later duplicates would otherwise survive next to the replacement.
  headers.erase(std::remove_if(std::next(it), headers.end(),
                               [&](const auto& h) { return iequals(h.first, it->first); }),
                headers.end());
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  return find_header(headers, name);
}

std::string Endpoint::host_header() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string out = ipv6 ? "[" + host + "]" : host;
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::optional<Endpoint> parse_endpoint_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return std::nullopt;
  const auto& uri = *parsed;
  Endpoint endpoint;
  endpoint.scheme = mw::to_lower(uri.scheme());
  if (endpoint.scheme != "http" && endpoint.scheme != "https") return std::nullopt;
  if (!uri.has_authority() || uri.has_userinfo() || uri.has_query() || uri.has_fragment())
    return std::nullopt;
  switch (uri.host_type()) {
    case boost::urls::host_type::ipv6:
      endpoint.host = uri.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::name:
      endpoint.host = mw::to_lower(uri.host());
      break;
    default:
      return std::nullopt;
  }
  if (endpoint.host.empty()) return std::nullopt;
  endpoint.port = default_port(endpoint.scheme);
  if (uri.has_port()) {
    const std::string_view port_text = uri.port();
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size() ||
        value == 0 || value > 65535) {
      return std::nullopt;
    }
    endpoint.port = static_cast<unsigned short>(value);
  }
  std::string path(uri.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (!path.empty() && path.front() != '/') return std::nullopt;
  endpoint.base_path = std::move(path);
  return endpoint;
}

}  // namespace mw::aws
