// fake-aws: serves a world file (or a generated world) on 127.0.0.1 until
// SIGINT or SIGTERM. See usage() for the flags.

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "server.hpp"

namespace {

constexpr int kExitUsage = 64;
constexpr int kExitConfig = 78;

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

int serve(const mw::fake_aws::CommandLine& cli, mw::fake_aws::World world) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Blocked before the server thread starts, so only sigwait sees them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  mw::fake_aws::ServerOptions options;
  options.port = cli.port;
  options.tls = !cli.tls_ca_file.empty();
  options.request_log_path = cli.request_log;
  options.emulator.seed = cli.seed;
  mw::fake_aws::Server server(std::move(world), options);
  server.start();
  if (options.tls) write_file_atomically(cli.tls_ca_file, server.ca_certificate_pem());
  if (!cli.port_file.empty()) write_file_atomically(cli.port_file, std::to_string(server.port()) + "\n");
  std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("stopping signal={}", signal);
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  mw::fake_aws::CommandLine cli;
  try {
    cli = mw::fake_aws::parse_command_line(args);
  } catch (const mw::fake_aws::UsageError& e) {
    std::cerr << "fake-aws: " << e.what() << "\n" << mw::fake_aws::usage();
    return kExitUsage;
  }
  if (cli.help) {
    std::cout << mw::fake_aws::usage();
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(cli.log_level));
  try {
    auto world = mw::fake_aws::build_world(cli);
    if (!cli.write_world.empty()) {
      write_file_atomically(cli.write_world, mw::fake_aws::world_to_yaml(world));
      if (!cli.serve_after_write) return 0;
    }
    return serve(cli, std::move(world));
  } catch (const mw::fake_aws::WorldError& e) {
    std::cerr << "fake-aws: " << e.what() << "\n";
    return kExitConfig;
  } catch (const std::exception& e) {
    std::cerr << "fake-aws: " << e.what() << "\n";
    return 1;
  }
}
