#pragma once

// The snapshot and the changes log as JSON text (CONTRACT.md, "Snapshot"):
// pure functions, no files.

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace mw::store {

// A parsed value, or why the text is not one: "key.path: what is wrong"
// (e.g. "memberships[3].status: unknown status \"ENABLD\"").
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;

  explicit operator bool() const { return value.has_value(); }
};

// The snapshot as the contract shows it: every key present (null for absent
// optional values), keys sorted, arrays in the snapshot's own (sorted) order,
// two-space indentation, a trailing newline. Identical snapshots give
// identical bytes. duration_seconds is written to the millisecond; it throws
// std::invalid_argument when it is not finite or beyond 1e15 seconds.
std::string serialize(const core::Snapshot& snapshot);

// serialize() in pieces of about `chunk_bytes`, each handed to `sink` in
// order as it is ready, so a large snapshot never sits in memory as text.
// Throws what serialize() throws, before the first piece.
using TextSink = std::function<void(std::string_view piece)>;
void serialize_to(const core::Snapshot& snapshot, const TextSink& sink, std::size_t chunk_bytes = 1 << 20);

// The reverse of serialize(). Never throws on bad text: malformed JSON (with
// line and column), another schema, a missing key, a wrong type or an unknown
// enum name give an error naming the key path. Unknown keys are ignored.
Parsed<core::Snapshot> parse_snapshot(std::string_view text);

// Where SnapshotParser hands each membership as soon as it is read, in the
// file's order, instead of keeping it.
using MembershipSink = std::function<void(core::Membership&& record)>;
using AccountSink = std::function<void(core::AccountSummary&& account)>;

// Which memberships a SnapshotParser reads. Reading a record (every field
// checked, its detail made canonical) is most of the work of parsing a
// large snapshot: a reader that needs few records, or none, says so.
struct MembershipSelection {
  bool none = false;  // every element skipped unread (the text is still checked to be JSON)
  std::function<bool(std::string_view account_id)> accounts;  // only these read; empty: all
};

// parse_snapshot() of text that arrives in pieces (a file read block by
// block): memory holds the records read so far, never the whole text or
// its JSON tree. Errors are parse_snapshot()'s, reported by finish(). With
// a sink, the memberships (or accounts) go there and the snapshot has none;
// a sink sees the records before the error of a text that turns out bad.
class SnapshotParser {
 public:
  explicit SnapshotParser(MembershipSink memberships = {}, AccountSink accounts = {},
                          MembershipSelection selection = {});
  ~SnapshotParser();
  SnapshotParser(const SnapshotParser&) = delete;
  SnapshotParser& operator=(const SnapshotParser&) = delete;

  void write(std::string_view piece);  // does nothing once the text is known to be bad
  Parsed<core::Snapshot> finish();     // once, after the last piece

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One line of changes.jsonl, without the newline:
// {"at":...,"kind":"membership","account_id":...,"service":...,"region":...,"administrator_id":...,"from":...,"to":...}
// with from/to null when the status appeared/vanished.
std::string serialize_change(const core::MembershipChange& change);

Parsed<core::MembershipChange> parse_change_line(std::string_view line);

// An account line: {"at":...,"kind":"account","account_id":...,"from":...,"to":...}
// with the Organizations states (null when not listed or without one).
std::string serialize_change(const core::AccountChange& change);
Parsed<core::AccountChange> parse_account_change_line(std::string_view line);

// A line's "kind": "membership" (also for lines written before kinds
// existed), "account", or "" when the line is not a JSON object.
std::string change_kind(std::string_view line);

// The parts of a snapshot as JSON values, with the keys and values the
// snapshot file has (for memberwatchctl's --json output).
boost::json::value to_json(const core::Membership& record);
boost::json::value to_json(const core::AccountSummary& account);
boost::json::value to_json(const core::SourceSummary& source);
boost::json::value to_json(const core::AdministratorSummary& administrator);
boost::json::value to_json(const core::CycleSummary& cycle);
boost::json::value to_json(const std::optional<core::OrganizationSummary>& organization);
boost::json::value to_json(const core::Totals& totals);
boost::json::value to_json(const std::optional<core::SourceError>& error);

}  // namespace mw::store
