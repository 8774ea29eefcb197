#pragma once

// memberwatchctl's command line (CONTRACT.md, "memberwatchctl"): pure
// parsing of argv into what to read, how to print it and which command to
// run. Global options may stand before or after the command.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"

namespace mw::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;       // an account not in the snapshot, a refresh refused
inline constexpr int kExitUsage = 64;        // EX_USAGE
inline constexpr int kExitData = 65;         // EX_DATAERR: a snapshot or changes log that does not parse
inline constexpr int kExitNoInput = 66;      // EX_NOINPUT: no snapshot
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE: the daemon cannot be reached
inline constexpr int kExitNoPermission =
    77;                                 // EX_NOPERM: the daemon wants another user or password (HTTP 401)
inline constexpr int kExitConfig = 78;  // EX_CONFIG: the configuration named by --config is invalid

// `check`'s exit codes: the Nagios plugin convention.
inline constexpr int kCheckOk = 0;
inline constexpr int kCheckWarning = 1;   // gaps
inline constexpr int kCheckCritical = 2;  // the snapshot is too old, or a source failed
inline constexpr int kCheckUnknown = 3;   // no snapshot, or one that cannot be read

inline constexpr const char* kDefaultConfigPath = "/etc/memberwatch/memberwatch.yaml";

enum class Format { table, json, csv };
enum class Command { status, gaps, account, changes, diff, export_rows, check, refresh };
enum class ExportWhat { memberships, accounts, sources };

// How to reach the health endpoint when its web configuration
// (health.web_config_file) asks for basic auth or client certificates. The
// password is never an argument (others see those in ps): it comes from
// --password-file or the MEMBERWATCH_PASSWORD environment variable.
struct EndpointAccess {
  std::optional<std::string> user;           // --user
  std::optional<std::string> password_file;  // --password-file: its first line
  std::optional<std::string> ca_file;        // --ca-file: verify the daemon's certificate (and name) with it
  std::optional<std::string> cert_file;      // --cert-file and --key-file: a client certificate
  std::optional<std::string> key_file;
};

// Where the snapshot comes from: exactly one of the three.
struct Origin {
  std::string config_path = kDefaultConfigPath;  // used when neither of the others is set
  std::optional<std::string> snapshot_path;
  std::optional<std::string> url;  // the health endpoint, e.g. http://127.0.0.1:9746 or https://...
  EndpointAccess access;           // with --url or --config (the endpoint it names)
};

// The filters of gaps and changes; an unset filter keeps everything.
struct Filters {
  std::optional<core::Service> service;
  std::optional<std::string> region;
  std::optional<std::string> administrator_id;
  std::optional<std::string> account_id;
  std::optional<core::MemberStatus> status;
};

struct Options {
  Origin origin;
  Format format = Format::table;
  Command command = Command::status;
  Filters filters;
  std::string account_id;                  // account ID
  std::optional<core::TimePoint> since;    // changes --since
  std::string old_snapshot, new_snapshot;  // diff OLD NEW
  ExportWhat export_what = ExportWhat::memberships;
  std::chrono::seconds max_age{45 * 60};  // check --max-age
  bool show_help = false;
  bool show_version = false;
};

struct OptionsResult {
  std::optional<Options> options;
  std::string error;  // set when options is not
};

// argv without the program name; `now` resolves `--since 24h`.
OptionsResult parse_options(const std::vector<std::string>& args, core::TimePoint now);

// `--since`'s value: a duration back from `now` (90s, 15m, 24h, 7d; at
// most 100 years) or an RFC 3339 time; nullopt when it is neither.
std::optional<core::TimePoint> parse_since(std::string_view text, core::TimePoint now);

// An RFC 3339 time (core/timestamps.hpp) as a clock time; nullopt outside
// the years the clock holds (about 1678 to 2262: it counts nanoseconds in
// 64 bits), where the conversion would overflow.
std::optional<core::TimePoint> time_point_of(std::string_view rfc3339_text);

std::string usage_text();

}  // namespace mw::ctl
