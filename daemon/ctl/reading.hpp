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

struct Location {
  std::optional<std::filesystem::path> snapshot;  // the snapshot file, or
  std::optional<std::string> snapshot_url;        // the health endpoint's /snapshot
  std::optional<std::filesystem::path> changes;   // the changes log; none when off or unknown (--url)
  std::optional<std::string> health_url;          // where `refresh` goes; none when the endpoint is off
};

// From --config (the daemon's configuration: state_dir, snapshot.path,
// snapshot.changes, health.listen), --snapshot FILE (changes.jsonl beside
// it) or --url. Throws CtlError: 78 for a configuration that does not load,
// 64 for a URL that is not http://HOST[:PORT].
Location locate(const Origin& origin);

// The snapshot, its memberships and accounts handed to the sinks (when
// set; the snapshot then has none of them) as they are read; only the
// memberships `selection` asks for are read at all. Throws
// CtlError: 66 no snapshot, 65 a text that is not a snapshot (the file or
// URL, then the parser's line and column or key path), 69 the daemon
// cannot be reached or answers with an error.
core::Snapshot read_snapshot(const Location& location, store::MembershipSink memberships = {},
                             store::AccountSink accounts = {}, store::MembershipSelection selection = {});

// POST to the daemon's health endpoint (`path` as "/-/refresh"): the status
// code and the body. Throws CtlError 69 when it cannot be reached.
struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};
HttpAnswer post_to_daemon(const std::string& base_url, std::string_view path);

// The changes log's files oldest first (changes.jsonl.3 .. .1, then
// changes.jsonl), those that exist.
std::vector<std::filesystem::path> changes_files(const std::filesystem::path& changes);

}  // namespace mw::ctl
