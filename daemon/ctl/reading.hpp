#pragma once

// Where memberwatchctl finds the daemon's snapshot and changes log, and how
// it reads them: streamed from the file or from the health endpoint's
// /snapshot, never held as text or as a JSON tree.

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/model.hpp"
#include "ctl/options.hpp"
#include "store/snapshot_json.hpp"

namespace mw::ctl {

// What ends a command: one line for stderr and the exit code.
class CtlError : public std::runtime_error {
 public:
  CtlError(int exit_code, const std::string& message) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// How memberwatchctl talks to the health endpoint: TLS trust, a client
// certificate, basic auth credentials.
struct EndpointClient {
  std::optional<std::string> user;
  std::string password;                // wiped when the object goes
  std::optional<std::string> ca_file;  // verify the daemon's certificate and host name against these CAs
  std::optional<std::string> pinned_cert_pem;  // or trust exactly this certificate (the daemon's own)
  std::optional<std::string> cert_file, key_file;
  EndpointClient() = default;
  EndpointClient(const EndpointClient&) = default;
  EndpointClient& operator=(const EndpointClient&) = default;
  ~EndpointClient();
};

struct Location {
  std::optional<std::filesystem::path> snapshot;  // the snapshot file, or
  std::optional<std::string> snapshot_url;        // the health endpoint's /snapshot
  std::optional<std::filesystem::path> changes;   // the changes log; none when off or unknown (--url)
  std::optional<std::string> health_url;          // where `refresh` goes; none when the endpoint is off
  EndpointClient client;                          // for snapshot_url and health_url
  // With --config: why the endpoint's access (its web configuration, the
  // password) could not be set up, raised only when health_url is used,
  // so commands that read the files do not need the web configuration.
  std::optional<CtlError> endpoint_error;
};

// From --config (the daemon's configuration: state_dir, snapshot.path,
// snapshot.changes, health.listen and health.web_config_file: https when it
// has tls_server_config, its certificate trusted, its only user the default
// --user), --snapshot FILE (changes.jsonl beside it) or --url. The password
// comes from --password-file or MEMBERWATCH_PASSWORD (`environment` looks
// it up). Throws CtlError: 78 for a configuration that does not load, 64 for
// a URL that is not http(s)://HOST[:PORT], and with --url for a user without
// a password or an unreadable password file (with --config these, and a web
// configuration that does not load, go to endpoint_error).
using EnvironmentLookup = std::function<std::optional<std::string>(const char* name)>;
Location locate(const Origin& origin, const EnvironmentLookup& environment);
Location locate(const Origin& origin);  // with the process's environment

// The snapshot, its memberships and accounts handed to the sinks (when
// set; the snapshot then has none of them) as they are read; only the
// memberships `selection` asks for are read at all. Throws
// CtlError: 66 no snapshot, 65 a text that is not a snapshot (the file or
// URL, then the parser's line and column or key path), 69 the daemon
// cannot be reached (TLS verification included) or answers with an error,
// 77 it answers 401 (no, or a wrong, user or password).
core::Snapshot read_snapshot(const Location& location, store::MembershipSink memberships = {},
                             store::AccountSink accounts = {}, store::MembershipSelection selection = {});

// POST to the daemon's health endpoint (`path` as "/-/refresh"): the status
// code and the body. Throws CtlError 69 when it cannot be reached, 77 on 401.
struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};
HttpAnswer post_to_daemon(const std::string& base_url, std::string_view path,
                          const EndpointClient& client = {});

// The changes log's files oldest first (changes.jsonl.3 .. .1, then
// changes.jsonl), those that exist.
std::vector<std::filesystem::path> changes_files(const std::filesystem::path& changes);

}  // namespace mw::ctl
