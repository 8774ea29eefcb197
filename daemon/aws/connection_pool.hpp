#pragma once

// Idle keep-alive connections per (scheme, host, port). A connection is
// taken out while one request uses it and put back when the response left it
// reusable; idle ones expire after the idle timeout and are dropped when the
// server has closed them meanwhile. Internal to the HTTP client.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <tuple>

namespace mw::aws {

struct PoolKey {
  std::string scheme;
  std::string host;
  unsigned short port = 0;
  auto operator<=>(const PoolKey&) const = default;
};

class Connection {
 public:
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  Connection(PoolKey key, std::unique_ptr<boost::beast::tcp_stream> plain);
  Connection(PoolKey key, std::unique_ptr<TlsStream> tls);

  const PoolKey& key() const { return key_; }
  boost::beast::tcp_stream& tcp();
  boost::beast::tcp_stream* plain() { return plain_.get(); }
  TlsStream* tls() { return tls_.get(); }
  boost::beast::flat_buffer& buffer() { return buffer_; }

  // False when the peer closed the idle connection or sent something
  // unasked; checked without blocking before reuse.
  bool idle_and_open();
  // Closes a connection whose exchanges all completed. One dropped after a
  // failure is just destroyed, which also voids its TLS session.
  void close();

  std::chrono::steady_clock::time_point idle_since;
  unsigned requests_served = 0;

 private:
  PoolKey key_;
  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<TlsStream> tls_;
  boost::beast::flat_buffer buffer_;
};

class ConnectionPool {
 public:
  ConnectionPool(std::chrono::milliseconds idle_timeout, std::size_t max_idle_per_key)
      : idle_timeout_(idle_timeout), max_idle_per_key_(max_idle_per_key) {}

  // The most recently used live connection for `key`, or null.
  std::unique_ptr<Connection> take(const PoolKey& key, std::chrono::steady_clock::time_point now);
  void put(std::unique_ptr<Connection> connection, std::chrono::steady_clock::time_point now);
  void close_all();

  std::size_t idle_count() const;

 private:
  void drop_expired(std::deque<std::unique_ptr<Connection>>& idle, std::chrono::steady_clock::time_point now);

  std::chrono::milliseconds idle_timeout_;
  std::size_t max_idle_per_key_;
  std::map<PoolKey, std::deque<std::unique_ptr<Connection>>> idle_;
};

}  // namespace mw::aws
