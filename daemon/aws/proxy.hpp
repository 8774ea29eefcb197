#pragma once

// HTTPS proxy settings from the environment (HTTPS_PROXY / https_proxy,
// NO_PROXY / no_proxy), read through a lookup function so tests pass their
// own environment. Pure: nothing here opens a socket.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/aws_credentials.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_types.hpp"

namespace mw::aws {

struct ProxyConfig {
  std::optional<Endpoint> https_proxy;  // an http:// proxy that tunnels with CONNECT
  SecretString authorization;           // "Basic ..." when the proxy URL carried user:password
  std::vector<std::string> no_proxy;    // lower-case host suffixes, IPv4 CIDR blocks or "*"
};

// https_proxy beats HTTPS_PROXY, no_proxy beats NO_PROXY (curl's order).
// "host:port" without a scheme means http://. Throws std::invalid_argument
// with a clear message for a value that is not an http:// proxy URL.
ProxyConfig proxy_config_from_environment(const EnvLookup& environment);

// Whether NO_PROXY exempts `host`: "*" exempts all; "example.com" and
// ".example.com" exempt example.com and its subdomains; "10.0.0.0/8"
// exempts the IPv4 addresses in the block; an IP address exempts itself.
bool proxy_bypassed(const ProxyConfig& config, std::string_view host);

// The proxy to tunnel through for `target`: only https endpoints use one.
std::optional<Endpoint> proxy_for(const ProxyConfig& config, const Endpoint& target);

}  // namespace mw::aws
