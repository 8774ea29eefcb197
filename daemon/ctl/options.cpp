#include "ctl/options.hpp"

#include <map>
#include <string_view>

#include "common/strings.hpp"
#include "config/config.hpp"
#include "core/timestamps.hpp"

namespace mw::ctl {
namespace {

const std::map<std::string_view, Command> kCommands = {
    {"status", Command::status},   {"gaps", Command::gaps},       {"account", Command::account},
    {"changes", Command::changes}, {"diff", Command::diff},       {"export", Command::export_rows},
    {"check", Command::check},     {"refresh", Command::refresh},
};

const std::map<std::string_view, ExportWhat> kExports = {
    {"memberships", ExportWhat::memberships},
    {"accounts", ExportWhat::accounts},
    {"sources", ExportWhat::sources},
};

// Which command takes which of its own options.
bool command_takes(Command command, std::string_view flag) {
  switch (command) {
    case Command::gaps:
      return flag == "--service" || flag == "--region" || flag == "--administrator" || flag == "--account" ||
             flag == "--status";
    case Command::changes:
      return flag == "--since" || flag == "--account" || flag == "--service";
    case Command::check:
      return flag == "--max-age";
    default:
      return false;
  }
}

// The normalized status names, matched as the snapshot's statuses are
// (CONTRACT.md: case and underscores do not matter).
std::optional<core::MemberStatus> status_named(std::string_view text) {
  std::string wanted;
  for (char c : text) {
    if (c != '_' && c != '-') wanted += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  for (std::size_t i = 0; i < core::kMemberStatusCount; ++i) {
    const auto status = static_cast<core::MemberStatus>(i);
    std::string name;
    for (char c : core::to_string(status)) {
      if (c != '_') name += c;
    }
    if (name == wanted) return status;
  }
  return std::nullopt;
}

// One parse: the arguments, and where the command and its operands go.
class Parser {
 public:
  Parser(const std::vector<std::string>& args, core::TimePoint now) : args_(args), now_(now) {}

  OptionsResult run() {
    std::vector<std::string> operands;
    std::vector<std::pair<std::string, std::string>> command_flags;  // checked once the command is known
    for (i_ = 0; i_ < args_.size(); ++i_) {
      std::string flag = args_[i_];
      inline_value_.reset();
      if (!flag.starts_with("--") || flag == "--") {
        if (flag == "--") {
          for (++i_; i_ < args_.size(); ++i_) operands.push_back(args_[i_]);
          break;
        }
        if (flag.starts_with("-") && flag != "-" && flag != "-h")
          return fail("unknown option '" + flag + "'");
        if (flag == "-h") {
          options_.show_help = true;
          continue;
        }
        operands.push_back(flag);
        continue;
      }
      if (const auto equals = flag.find('='); equals != std::string::npos) {
        inline_value_ = flag.substr(equals + 1);
        flag = flag.substr(0, equals);
      }
      if (flag == "--config" || flag == "--snapshot" || flag == "--url") {
        auto value = take_value(flag);
        if (!value) return fail(error_);
        if (flag == "--config") config_given_ = true, options_.origin.config_path = *value;
        if (flag == "--snapshot") options_.origin.snapshot_path = *value;
        if (flag == "--url") options_.origin.url = *value;
      } else if (flag == "--user" || flag == "--password-file" || flag == "--ca-file" ||
                 flag == "--cert-file" || flag == "--key-file") {
        auto value = take_value(flag);
        if (!value) return fail(error_);
        auto& access = options_.origin.access;
        if (flag == "--user") access.user = *value;
        if (flag == "--password-file") access.password_file = *value;
        if (flag == "--ca-file") access.ca_file = *value;
        if (flag == "--cert-file") access.cert_file = *value;
        if (flag == "--key-file") access.key_file = *value;
        access_flag_ = flag;
      } else if (flag == "--json" || flag == "--csv" || flag == "--help" || flag == "--version") {
        if (inline_value_) return fail(flag + " takes no value");
        if (flag == "--json") set_format(Format::json);
        if (flag == "--csv") set_format(Format::csv);
        if (flag == "--help") options_.show_help = true;
        if (flag == "--version") options_.show_version = true;
      } else if (flag == "--service" || flag == "--region" || flag == "--administrator" ||
                 flag == "--account" || flag == "--status" || flag == "--since" || flag == "--max-age") {
        auto value = take_value(flag);
        if (!value) return fail(error_);
        command_flags.emplace_back(flag, *value);
      } else {
        return fail("unknown option '" + flag + "'");
      }
    }
    if (!error_.empty()) return fail(error_);
    if (options_.show_help || options_.show_version) return {options_, ""};

    const int origins =
        (config_given_ ? 1 : 0) + (options_.origin.snapshot_path ? 1 : 0) + (options_.origin.url ? 1 : 0);
    if (origins > 1) return fail("give one of --config, --snapshot and --url");
    if (!access_flag_.empty() && options_.origin.snapshot_path) {
      return fail(access_flag_ +
                  " is for the daemon's endpoint (--url, or the one --config names), not --snapshot");
    }
    const auto& access = options_.origin.access;
    if (access.cert_file.has_value() != access.key_file.has_value()) {
      return fail("--cert-file and --key-file go together (the client certificate and its key)");
    }
    if (access.user && access.user->find(':') != std::string::npos) {
      return fail("--user: a user name cannot hold ':' (basic auth)");
    }

    if (operands.empty())
      return fail("a command is needed (status, gaps, account, changes, diff, export, check, refresh)");
    const auto command = kCommands.find(operands.front());
    if (command == kCommands.end()) {
      std::vector<std::string> names;
      for (const auto& [name, _] : kCommands) names.emplace_back(name);
      const auto guess = closest_match(operands.front(), names);
      return fail("unknown command '" + operands.front() + "'" +
                  (guess.empty() ? "" : " (did you mean " + guess + "?)"));
    }
    options_.command = command->second;
    operands.erase(operands.begin());
    if (auto error = take_operands(operands); !error.empty()) return fail(error);
    for (const auto& [flag, value] : command_flags) {
      if (!command_takes(options_.command, flag)) {
        return fail(flag + " is not an option of " + std::string(command->first));
      }
      if (auto error = apply(flag, value); !error.empty()) return fail(error);
    }
    return {options_, ""};
  }

 private:
  OptionsResult fail(std::string error) { return {std::nullopt, std::move(error)}; }

  void set_format(Format format) {
    if (options_.format != Format::table && options_.format != format)
      error_ = "give one of --json and --csv";
    options_.format = format;
  }

  std::optional<std::string> take_value(const std::string& flag) {
    std::optional<std::string> value = inline_value_;
    if (!value && i_ + 1 < args_.size()) value = args_[++i_];
    if (!value || value->empty()) {
      error_ = flag + " needs a value";
      return std::nullopt;
    }
    return value;
  }

  std::string take_operands(const std::vector<std::string>& operands) {
    const auto count_is = [&](std::size_t n, const char* what) -> std::string {
      if (operands.size() == n) return "";
      return operands.size() < n ? std::string("missing ") + what
                                 : "unexpected argument '" + operands[n] + "'";
    };
    switch (options_.command) {
      case Command::account:
        if (auto error = count_is(1, "account ID (account ID)"); !error.empty()) return error;
        if (!is_account_id(operands[0])) return "'" + operands[0] + "' is not an account ID (12 digits)";
        options_.account_id = operands[0];
        return "";
      case Command::diff:
        if (auto error = count_is(2, "snapshot files (diff OLD NEW)"); !error.empty()) return error;
        options_.old_snapshot = operands[0];
        options_.new_snapshot = operands[1];
        return "";
      case Command::export_rows: {
        if (auto error = count_is(1, "what to export (memberships, accounts or sources)"); !error.empty())
          return error;
        const auto what = kExports.find(operands[0]);
        if (what == kExports.end())
          return "cannot export '" + operands[0] + "' (memberships, accounts or sources)";
        options_.export_what = what->second;
        return "";
      }
      default:
        return count_is(0, "");
    }
  }

  std::string apply(const std::string& flag, const std::string& value) {
    auto& filters = options_.filters;
    if (flag == "--service") {
      filters.service = core::parse_service(to_lower(value));
      if (!filters.service)
        return "--service: '" + value +
               "' is not a service (securityhub, guardduty, detective, inspector2, macie2)";
    } else if (flag == "--region") {
      if (!is_region_name(value)) return "--region: '" + value + "' is not an AWS region name";
      filters.region = value;
    } else if (flag == "--administrator" || flag == "--account") {
      if (!is_account_id(value)) return flag + ": '" + value + "' is not an account ID (12 digits)";
      (flag == "--account" ? filters.account_id : filters.administrator_id) = value;
    } else if (flag == "--status") {
      filters.status = status_named(value);
      if (!filters.status)
        return "--status: '" + value + "' is not a status (NOT_MEMBER, INVITED, DISABLED, ...)";
    } else if (flag == "--since") {
      options_.since = parse_since(value, now_);
      if (!options_.since)
        return "--since: '" + value + "' is neither a duration (90s, 15m, 24h, 7d) nor an RFC 3339 time";
    } else if (flag == "--max-age") {
      const auto age = config::parse_duration(value);
      if (!age || age->count() <= 0) return "--max-age: '" + value + "' is not a duration (90s, 45m, 2h)";
      options_.max_age = *age;
    }
    return "";
  }

  const std::vector<std::string>& args_;
  core::TimePoint now_;
  std::size_t i_ = 0;
  std::optional<std::string> inline_value_;
  bool config_given_ = false;
  std::string access_flag_;  // the last of --user, --password-file, --ca-file, --cert-file, --key-file
  std::string error_;
  Options options_;
};

}  // namespace

std::optional<core::TimePoint> time_point_of(std::string_view rfc3339_text) {
  const auto time = core::parse_iso8601_time(rfc3339_text);
  if (!time) return std::nullopt;
  const auto millis = std::chrono::milliseconds(time->epoch_millis());
  const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(core::TimePoint::duration::max());
  if (millis >= limit || millis <= -limit) return std::nullopt;
  return core::TimePoint(millis);
}

std::optional<core::TimePoint> parse_since(std::string_view text, core::TimePoint now) {
  // Beyond 100 years no changes log exists, and `now - duration` would overflow.
  constexpr auto kMaxBack = std::chrono::hours(24 * 366 * 100);
  std::optional<std::chrono::seconds> back;
  if (text.size() >= 2 && text.size() <= 7 && text.back() == 'd' &&
      is_digits(text.substr(0, text.size() - 1))) {
    back = std::chrono::hours(24 * std::stoll(std::string(text.substr(0, text.size() - 1))));
  } else {
    back = config::parse_duration(text);
  }
  if (back) {
    if (*back > kMaxBack) return std::nullopt;
    return now - *back;
  }
  return time_point_of(text);
}

OptionsResult parse_options(const std::vector<std::string>& args, core::TimePoint now) {
  return Parser(args, now).run();
}

std::string usage_text() {
  return R"(Usage: memberwatchctl [--config FILE | --snapshot FILE | --url URL] [--json | --csv] COMMAND

Reads memberwatchd's snapshot and changes log and answers questions about them.

Commands:
  status                      the last cycle, the administrators, every source's state, auto-enable
                              mode, findings, age and error
  gaps    [--service S] [--region R] [--administrator ID] [--account ID] [--status ST]
                              every coverage gap of an active account, and every
                              required GuardDuty protection plan it lacks (kind feature)
  account ID                  every membership of one account, its gaps, feature gaps, unknowns and findings
  changes [--since 24h|TIME] [--account ID] [--service S]
                              the changes log, the rotated files included, oldest first
  diff OLD NEW                what changed between two snapshot files
  export  memberships|accounts|sources
                              every row (CSV unless --json)
  check   [--max-age 45m]     one status line in the Nagios plugin format;
                              exit 0 ok, 1 gaps, 2 too old or a source failing, 3 unknown
  refresh                     ask the running daemon to start a cycle now (POST /-/refresh)

Where the snapshot comes from:
  --config FILE     the daemon's configuration (default /etc/memberwatch/memberwatch.yaml):
                    its state_dir, snapshot and changes files, and health.listen
  --snapshot FILE   a snapshot file (the changes log beside it, as the default name)
  --url URL         the daemon's health endpoint, e.g. http://127.0.0.1:9746 or https://HOST:PORT

The health endpoint behind health.web_config_file (TLS, basic auth):
  --user USER            the basic auth user; with --config, the web config's only user by default
  --password-file FILE   the password on its first line; else $MEMBERWATCH_PASSWORD
  --ca-file FILE         verify the daemon's certificate and name with these CAs; with --config
                         the daemon's own certificate (cert_file) is trusted by default
  --cert-file FILE --key-file FILE
                         a client certificate, for client_auth_type RequireAndVerifyClientCert

Output: aligned tables (colour on a terminal, unless NO_COLOR is set),
--json (one JSON document) or --csv (RFC 4180, a header line).
Exit codes: 0 ok, 1 not found or refused, 64 usage error, 65 a file that does
not parse, 66 no snapshot, 69 the daemon cannot be reached, 77 a wrong or
missing user or password (HTTP 401), 78 a bad configuration; check: 0 OK,
1 WARNING, 2 CRITICAL, 3 UNKNOWN.
)";
}

}  // namespace mw::ctl
