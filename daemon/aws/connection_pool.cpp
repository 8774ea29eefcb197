#include "aws/connection_pool.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace mw::aws {

Connection::Connection(PoolKey key, std::unique_ptr<boost::beast::tcp_stream> plain)
    : key_(std::move(key)), plain_(std::move(plain)) {}

Connection::Connection(PoolKey key, std::unique_ptr<TlsStream> tls)
    : key_(std::move(key)), tls_(std::move(tls)) {}

boost::beast::tcp_stream& Connection::tcp() {
  return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_;
}

bool Connection::idle_and_open() {
  if (buffer_.size() != 0) return false;
  auto& socket = tcp().socket();
  if (!socket.is_open()) return false;
  char byte = 0;
  auto received = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // 0: the peer closed; >0: bytes nobody asked for (a TLS close_notify, say).
  return received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() {
  // The exchanges on this connection ended cleanly: tell OpenSSL so, or
  // freeing the SSL marks its session unresumable (ssl_clear_bad_session).
  // No close_notify is sent: the peer learns from the TCP close.
  if (tls_) SSL_set_shutdown(tls_->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  boost::system::error_code ignored;
  tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
}

std::unique_ptr<Connection> ConnectionPool::take(const PoolKey& key,
                                                 std::chrono::steady_clock::time_point now) {
  auto found = idle_.find(key);
  if (found == idle_.end()) return nullptr;
  auto& idle = found->second;
  drop_expired(idle, now);
  while (!idle.empty()) {
    auto connection = std::move(idle.back());
    idle.pop_back();
    if (connection->idle_and_open()) return connection;
    connection->close();
  }
  return nullptr;
}

void ConnectionPool::put(std::unique_ptr<Connection> connection, std::chrono::steady_clock::time_point now) {
  auto& idle = idle_[connection->key()];
  drop_expired(idle, now);
  connection->idle_since = now;
  idle.push_back(std::move(connection));
  while (idle.size() > max_idle_per_key_) {
    idle.front()->close();
    idle.pop_front();
  }
}

void ConnectionPool::drop_expired(std::deque<std::unique_ptr<Connection>>& idle,
                                  std::chrono::steady_clock::time_point now) {
  // Oldest first: stop at the first connection still within the timeout.
  while (!idle.empty() && now - idle.front()->idle_since >= idle_timeout_) {
    idle.front()->close();
    idle.pop_front();
  }
}

void ConnectionPool::close_all() {
  for (auto& [key, idle] : idle_) {
    for (auto& connection : idle) connection->close();
  }
  idle_.clear();
}

std::size_t ConnectionPool::idle_count() const {
  std::size_t count = 0;
  for (const auto& [key, idle] : idle_) count += idle.size();
  return count;
}

}  // namespace mw::aws
