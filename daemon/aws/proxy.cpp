#include "aws/proxy.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <boost/url/parse.hpp>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "common/strings.hpp"

namespace mw::aws {
namespace {

std::optional<std::string> first_set(const EnvLookup& environment, std::string_view lower,
                                     std::string_view upper) {
  for (auto name : {lower, upper}) {
    auto value = environment(name);
    if (value && !trim(*value).empty()) return std::string(trim(*value));
  }
  return std::nullopt;
}

std::string base64(std::string_view data) {
  std::string encoded(4 * ((data.size() + 2) / 3) + 1, '\0');
  int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                      reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  encoded.resize(static_cast<std::size_t>(length));
  return encoded;
}

void parse_proxy_url(std::string value, ProxyConfig& config) {
  if (value.find("://") == std::string::npos) value = "http://" + value;
  auto url = boost::urls::parse_uri(value);
  if (!url) throw std::invalid_argument("HTTPS_PROXY is not a URL");
  if (to_lower(url->scheme()) != "http") {
    throw std::invalid_argument("HTTPS_PROXY must be an http:// proxy (scheme " + std::string(url->scheme()) +
                                " is not supported)");
  }
  Endpoint proxy;
  proxy.scheme = "http";
  proxy.host = url->host_address();
  if (proxy.host.empty()) throw std::invalid_argument("HTTPS_PROXY has no host");
  proxy.port = 80;
  if (url->has_port()) {
    auto port = url->port();
    unsigned number = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
      throw std::invalid_argument("HTTPS_PROXY has an invalid port");
    }
    proxy.port = static_cast<unsigned short>(number);
  }
  if (url->has_userinfo()) {
    std::string credentials = url->user() + ":" + url->password();
    config.authorization = SecretString("Basic " + base64(credentials));
  }
  config.https_proxy = proxy;
}

std::optional<std::uint32_t> ipv4(std::string_view text) {
  in_addr address{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &address) != 1) return std::nullopt;
  return ntohl(address.s_addr);
}

bool in_cidr_block(std::string_view block, std::string_view host) {
  auto slash = block.find('/');
  auto network = ipv4(block.substr(0, slash));
  auto address = ipv4(host);
  if (!network || !address) return false;
  auto bits_text = block.substr(slash + 1);
  unsigned bits = 0;
  auto [end, error] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  if (error != std::errc() || end != bits_text.data() + bits_text.size() || bits > 32) return false;
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (*network & mask) == (*address & mask);
}

bool matches(std::string_view pattern, std::string_view host) {
  if (pattern == "*") return true;
  if (pattern.find('/') != std::string_view::npos) return in_cidr_block(pattern, host);
  if (pattern.starts_with("*.")) pattern.remove_prefix(1);
  if (pattern.starts_with(".")) pattern.remove_prefix(1);
  if (pattern.empty()) return false;
  if (host == pattern) return true;
  return host.size() > pattern.size() && host.ends_with(pattern) &&
         host[host.size() - pattern.size() - 1] == '.';
}

}  // namespace

ProxyConfig proxy_config_from_environment(const EnvLookup& environment) {
  ProxyConfig config;
  if (auto proxy = first_set(environment, "https_proxy", "HTTPS_PROXY")) parse_proxy_url(*proxy, config);
  if (auto no_proxy = first_set(environment, "no_proxy", "NO_PROXY")) {
    for (auto entry : split(*no_proxy, ',')) {
      auto pattern = to_lower(trim(entry));
      if (!pattern.empty()) config.no_proxy.push_back(std::move(pattern));
    }
  }
  return config;
}

bool proxy_bypassed(const ProxyConfig& config, std::string_view host) {
  auto lower = to_lower(host);
  if (lower.ends_with('.')) lower.pop_back();
  for (const auto& pattern : config.no_proxy) {
    if (matches(pattern, lower)) return true;
  }
  return false;
}

std::optional<Endpoint> proxy_for(const ProxyConfig& config, const Endpoint& target) {
  if (!config.https_proxy || target.scheme != "https" || proxy_bypassed(config, target.host))
    return std::nullopt;
  return config.https_proxy;
}

}  // namespace mw::aws
