#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mw::health {

// A parsed "host:port": an IPv4 literal, a bracketed IPv6 literal or
// "localhost", then a port (0 picks a free one).
struct ListenAddress {
  std::string host;  // an IP literal, without brackets
  std::uint16_t port = 0;
  bool loopback = false;
};

// Throws std::invalid_argument with what is wrong.
ListenAddress parse_listen_address(std::string_view text);

// "127.0.0.1:9746" or "[::1]:9746".
std::string format_listen_address(const ListenAddress& address);

}  // namespace mw::health
