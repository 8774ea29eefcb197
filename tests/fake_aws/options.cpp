#include "options.hpp"

#include <charconv>
#include <sstream>

namespace mw::fake_aws {

namespace {

double parse_number(const std::string& text, const std::string& what) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    throw UsageError(what + ": not a number: '" + text + "'");
  return value;
}

Service parse_service_name(const std::string& name, const std::string& what) {
  auto service = parse_service(name);
  if (!service) throw UsageError(what + ": unknown service '" + name + "'");
  return *service;
}

void set_fault_field(Fault& f, const std::string& key, double value, const std::string& spec) {
  if (key == "latency_ms")
    f.latency_ms = value;
  else if (key == "jitter_ms")
    f.jitter_ms = value;
  else if (key == "error_rate")
    f.error_rate = value;
  else if (key == "reset_rate")
    f.reset_rate = value;
  else if (key == "truncate_rate")
    f.truncate_rate = value;
  else if (key == "malformed_rate")
    f.malformed_rate = value;
  else if (key == "trickle_rate")
    f.trickle_rate = value;
  else if (key == "trickle_ms")
    f.trickle_ms = value;
  else if (key == "throttle_rate")
    f.throttle_rate = value;
  else if (key == "count") {
    if (value != static_cast<double>(static_cast<int>(value)))
      throw UsageError("--fault " + spec + ": count must be a whole number");
    f.count = static_cast<int>(value);
  } else
    throw UsageError("--fault " + spec + ": unknown key '" + key + "'");
  const bool rate = key.size() > 5 && key.compare(key.size() - 5, 5, "_rate") == 0;
  if (value < 0 || (rate && value > 1)) throw UsageError("--fault " + spec + ": " + key + " out of range");
}

}  // namespace

Fault parse_fault_spec(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos) throw UsageError("--fault " + spec + ": expected TARGET:key=value,...");
  Fault f;
  std::string target = spec.substr(0, colon);
  if (const auto at = target.find('@'); at != std::string::npos) {
    f.region = target.substr(at + 1);
    target.resize(at);
  }
  if (const auto dot = target.find('.'); dot != std::string::npos) {
    f.operation = target.substr(dot + 1);
    target.resize(dot);
  }
  if (target != "*") f.service = parse_service_name(target, "--fault " + spec);
  std::stringstream items(spec.substr(colon + 1));
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw UsageError("--fault " + spec + ": expected key=value, got '" + item + "'");
    set_fault_field(f, item.substr(0, eq), parse_number(item.substr(eq + 1), "--fault " + spec), spec);
  }
  return f;
}

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine cli;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--help" || arg == "-h")
      cli.help = true;
    else if (arg == "--world")
      cli.world_file = value();
    else if (arg == "--generate")
      cli.generate = value();
    else if (arg == "--write-world")
      cli.write_world = value();
    else if (arg == "--serve")
      cli.serve_after_write = true;
    else if (arg == "--port") {
      const auto port = parse_number(value(), "--port");
      if (port < 0 || port > 65535 || port != static_cast<int>(port))
        throw UsageError("--port: must be 0..65535");
      cli.port = static_cast<unsigned short>(port);
    } else if (arg == "--port-file")
      cli.port_file = value();
    else if (arg == "--tls")
      cli.tls_ca_file = value();
    else if (arg == "--request-log")
      cli.request_log = value();
    else if (arg == "--seed")
      cli.seed = static_cast<std::uint64_t>(parse_number(value(), "--seed"));
    else if (arg == "--fault")
      cli.faults.push_back(parse_fault_spec(value()));
    else if (arg == "--throttle") {
      const auto& spec = value();
      if (spec == "off") {
        cli.throttling_off = true;
        continue;
      }
      const auto eq = spec.find('=');
      const auto colon = spec.find(':');
      if (eq == std::string::npos)
        throw UsageError("--throttle " + spec + ": expected SERVICE=RATE[:BURST] or off");
      const auto service = parse_service_name(spec.substr(0, eq), "--throttle");
      Throttle t;
      t.rate = parse_number(
          spec.substr(eq + 1, colon == std::string::npos ? std::string::npos : colon - eq - 1), "--throttle");
      t.burst = colon == std::string::npos ? t.rate : parse_number(spec.substr(colon + 1), "--throttle");
      if (t.rate < 0 || t.burst < 0) throw UsageError("--throttle: must not be negative");
      cli.throttles.emplace_back(service, t);
    } else if (arg == "--log-level")
      cli.log_level = value();
    else
      throw UsageError("unknown argument '" + arg + "'");
  }
  if (cli.help) return cli;
  if (cli.world_file.empty() == cli.generate.empty())
    throw UsageError("give exactly one of --world FILE and --generate SPEC");
  if (cli.serve_after_write && cli.write_world.empty())
    throw UsageError("--serve only goes with --write-world");
  return cli;
}

World build_world(const CommandLine& cli) {
  World world =
      cli.generate.empty() ? load_world(cli.world_file) : generate_world(parse_generate_params(cli.generate));
  world.faults.insert(world.faults.begin(), cli.faults.begin(), cli.faults.end());
  for (const auto& [service, throttle] : cli.throttles) world.throttles[service] = throttle;
  if (cli.throttling_off) world.throttles.clear();
  return world;
}

std::string usage() {
  return R"(usage: fake-aws (--world FILE | --generate SPEC) [options]

A local emulator of the AWS APIs memberwatch calls (STS, Security Hub,
GuardDuty, Detective, Inspector, Macie, Organizations, Account, EC2 instance
metadata, container credentials), on 127.0.0.1. Stops on SIGINT or SIGTERM.

  --world FILE          the world to serve (YAML)
  --generate SPEC       generate a world: administrators=N,regions=N,accounts=N,
                        securityhub=SHARE,guardduty=SHARE,detective=SHARE,
                        inspector2=SHARE,macie2=SHARE (default 0: not enabled),seed=N
  --write-world FILE    write the world as YAML and exit (add --serve to go on serving)
  --port N              port to listen on (default 0: any free port)
  --port-file FILE      write the chosen port to FILE
  --tls CA_FILE         serve HTTPS; write the generated CA certificate (PEM) to CA_FILE
  --request-log FILE    append one JSON line per request to FILE
  --seed N              seed of the fault and credential generator (default 1)
  --fault SPEC          SERVICE[.OPERATION][@REGION]:key=value,... with keys latency_ms,
                        jitter_ms, error_rate, reset_rate, truncate_rate, malformed_rate,
                        trickle_rate, trickle_ms, throttle_rate, count (only the first
                        COUNT matching requests); SERVICE may be *. Repeatable.
  --throttle SPEC       SERVICE=RATE[:BURST] (requests/s per key, service and region), or off
  --log-level LEVEL     trace, debug, info, warn, error (default info)
  --help                this text

Prints "listening on 127.0.0.1:PORT" once it accepts connections.
)";
}

}  // namespace mw::fake_aws
