#pragma once

// The fake-aws command line, parsed without side effects.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "world.hpp"

namespace mw::fake_aws {

class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct CommandLine {
  std::string world_file;
  std::string generate;     // --generate spec, "" when not generating
  std::string write_world;  // write the world as YAML to this file, then exit (unless --serve)
  bool serve_after_write = false;
  unsigned short port = 0;
  std::string port_file;
  std::string tls_ca_file;  // --tls: serve HTTPS, write the CA certificate here
  std::string request_log;
  std::uint64_t seed = 1;
  std::vector<Fault> faults;                            // --fault, added before the world's own
  std::vector<std::pair<Service, Throttle>> throttles;  // --throttle
  bool throttling_off = false;
  std::string log_level = "info";
  bool help = false;
};

// Throws UsageError.
CommandLine parse_command_line(const std::vector<std::string>& args);

// "securityhub.GetMembers@us-east-1:error_rate=0.2,latency_ms=50"; the part
// before ':' may be "*" for every service. Throws UsageError.
Fault parse_fault_spec(const std::string& spec);

// The world the command line asks for: loaded or generated, with the
// --fault and --throttle overrides. Throws WorldError.
World build_world(const CommandLine& cli);

std::string usage();

}  // namespace mw::fake_aws
