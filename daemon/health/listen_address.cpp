#include "health/listen_address.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <stdexcept>

namespace mw::health {
namespace {

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    throw std::invalid_argument("listen address \"" + std::string(whole) +
                                "\": the port must be a number from 0 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    throw std::invalid_argument("listen address \"" + std::string(text) + "\": expected host:port");
  }
  auto host = text.substr(0, colon);
  bool bracketed = host.starts_with('[') && host.ends_with(']') && host.size() >= 2;
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    throw std::invalid_argument("listen address \"" + std::string(text) +
                                "\": write an IPv6 address in brackets, as [::1]:9746");
  }
  if (host == "localhost" && !bracketed) host = "127.0.0.1";
  boost::system::error_code error;
  auto address = boost::asio::ip::make_address(std::string(host), error);
  if (error || host.empty() || (bracketed != address.is_v6())) {
    throw std::invalid_argument("listen address \"" + std::string(text) +
                                "\": the host must be an IPv4 address, [IPv6 address] or localhost");
  }
  // An IPv4-mapped IPv6 loopback address ([::ffff:127.0.0.1]) is loopback too.
  bool loopback =
      address.is_loopback() ||
      (address.is_v6() && address.to_v6().is_v4_mapped() &&
       boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).is_loopback());
  return ListenAddress{address.to_string(), parse_port(text.substr(colon + 1), text), loopback};
}

std::string format_listen_address(const ListenAddress& address) {
  bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace mw::health
