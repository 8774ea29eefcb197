#pragma once

// fake-aws as a loopback HTTP(S) server, for the fake-aws executable and for
// tests that start it in-process:
//
//   mw::fake_aws::Server server(world, {.tls = true});
//   server.start();                       // port 0 unless options.port says otherwise
//   auto url = server.endpoint_url();     // https://127.0.0.1:PORT
//   ... server.request_log() ...
//   server.stop();                        // also done by the destructor

#include <memory>
#include <string>
#include <vector>

#include "emulator.hpp"
#include "world.hpp"

namespace mw::fake_aws {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;       // 0: the system picks one
  bool tls = false;              // HTTPS with a certificate from a CA generated at start
  std::string request_log_path;  // JSONL, one line per request; "" = none
  EmulatorOptions emulator;
};

class Server {
 public:
  explicit Server(World world, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts serving on a thread of its own. Throws
  // std::runtime_error when the address cannot be bound or the log opened.
  void start();
  void stop();

  unsigned short port() const;
  std::string endpoint_url() const;               // http(s)://127.0.0.1:PORT
  const std::string& ca_certificate_pem() const;  // the CA that signed the server certificate (tls only)

  Emulator& emulator();
  std::vector<RequestLogEntry> request_log() const {
    return const_cast<Server*>(this)->emulator().request_log();
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::fake_aws
