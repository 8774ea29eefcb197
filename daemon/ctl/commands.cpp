#include "ctl/commands.hpp"

#include <boost/json/array.hpp>
#include <fstream>

#include "common/strings.hpp"
#include "core/changes.hpp"
#include "core/merge.hpp"
#include "ctl/output.hpp"
#include "ctl/reading.hpp"
#include "store/snapshot_json.hpp"

namespace mw::ctl {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

std::optional<core::TimePoint> time_of(std::string_view text) {
  return time_point_of(text);
}

json::value age_seconds(const std::optional<std::string>& text, core::TimePoint now) {
  const auto time = text ? time_of(*text) : std::nullopt;
  if (!time) return nullptr;
  return std::chrono::duration_cast<seconds>(now - *time).count();
}

std::string age_text(const std::optional<std::string>& text, core::TimePoint now) {
  const auto time = text ? time_of(*text) : std::nullopt;
  return time ? human_age(std::chrono::duration_cast<seconds>(now - *time)) + " ago" : "never";
}

// A status name as --status matches it: case and underscores do not matter.
std::string status_key(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c != '_') key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return key;
}

std::string where_from(const Location& location) {
  return location.snapshot ? location.snapshot->string() : *location.snapshot_url + "/snapshot";
}

// The snapshot without its memberships, for the commands that need none:
// they are skipped unread, most of the work of a large snapshot.
core::Snapshot read_without_memberships(const Location& location, store::AccountSink accounts) {
  return read_snapshot(location, {}, std::move(accounts),
                       store::MembershipSelection{.none = true, .accounts = {}});
}

// --------------------------------------------------------------- status

// The table puts what the organization does (auto_enable, findings) beside
// the state; CSV puts them last, so scripts that read its columns by
// position find the others where they always were.
const std::vector<std::string> kSourceTableColumns = {
    "administrator_id", "administrator_name", "service",      "region", "state", "auto_enable", "findings",
    "members",          "not_members",        "last_success", "error"};
const std::vector<std::string> kSourceCsvColumns = {
    "administrator_id", "administrator_name", "service", "region",      "state",   "members",
    "not_members",      "last_success",       "error",   "auto_enable", "findings"};

std::string error_text(const core::SourceError& error) {
  return error.code + ": " + error.message;
}

// A source as --json shows it: as in the snapshot, with the age of its
// last success and its organization's auto-enable mode (null: not the
// organization's administrator there, or unknown); `for_people` turns the
// error and findings into one text each and the age into words, for tables
// and CSV.
json::object source_row(const core::SourceSummary& source, core::TimePoint now, bool for_people) {
  json::object row = store::to_json(source).as_object();
  row["last_success_age_seconds"] = age_seconds(source.last_success_at, now);
  row["auto_enable"] = source.organization ? json::value(source.organization->auto_enable) : json::value();
  if (!for_people) return row;
  row["last_success"] = age_text(source.last_success_at, now);
  if (source.error) row["error"] = error_text(*source.error);
  row["findings"] = join(source.findings, ",");
  return row;
}

// The calls that failed in sources that answered (the organization
// configuration, protection plans): what makes an auto_enable "-" or a
// member's plans unknown, one row each.
std::vector<json::object> call_error_rows(const std::vector<core::SourceSummary>& sources) {
  std::vector<json::object> rows;
  for (const auto& source : sources) {
    for (const auto& call : source.call_errors) {
      rows.push_back(
          json::object{{"administrator_id", source.key.administrator_id},
                       {"service", core::to_string(source.key.service)},
                       {"region", source.key.region},
                       {"operation", call.operation},
                       {"account_id", call.account_id ? json::value(*call.account_id) : json::value()},
                       {"error", error_text(call.error)}});
    }
  }
  return rows;
}

struct AccountCounts {
  std::uint64_t total = 0, covered = 0, with_gaps = 0, with_unknown = 0, inactive = 0;
  void add(const core::AccountSummary& account) {
    ++total;
    covered += account.covered ? 1 : 0;
    with_gaps += account.gaps.empty() ? 0 : 1;
    with_unknown += account.unknown.empty() ? 0 : 1;
    inactive += account.inactive ? 1 : 0;
  }
};

int status(const Options& options, const Location& location, core::TimePoint now, std::FILE* out) {
  AccountCounts counts;
  const auto snapshot =
      read_without_memberships(location, [&](core::AccountSummary&& account) { counts.add(account); });
  std::vector<json::object> sources;
  for (const auto& source : snapshot.sources) {
    sources.push_back(source_row(source, now, options.format != Format::json));
  }

  if (options.format == Format::csv) {
    auto writer = make_row_writer(Format::csv, out, kSourceCsvColumns, false, "");
    for (const auto& row : sources) writer->row(row);
    writer->finish();
    return kExitOk;
  }
  const json::object accounts{{"total", counts.total},
                              {"covered", counts.covered},
                              {"with_gaps", counts.with_gaps},
                              {"with_unknown", counts.with_unknown},
                              {"inactive", counts.inactive}};
  if (options.format == Format::json) {
    json::array administrators, source_array;
    for (const auto& admin : snapshot.administrators) administrators.push_back(store::to_json(admin));
    for (const auto& row : sources) source_array.push_back(row);
    const json::object document{{"snapshot", where_from(location)},
                                {"generated_at", snapshot.generated_at},
                                {"age_seconds", age_seconds(snapshot.generated_at, now)},
                                {"cycle", store::to_json(snapshot.cycle)},
                                {"organization", store::to_json(snapshot.organization)},
                                {"administrators", std::move(administrators)},
                                {"sources", std::move(source_array)},
                                {"accounts", accounts},
                                {"totals", store::to_json(snapshot.totals)}};
    std::fputs(pretty_json(document).c_str(), out);
    return kExitOk;
  }

  const bool colour = colour_wanted(out);
  const auto& cycle = snapshot.cycle;
  std::string text;
  text += "snapshot      " + where_from(location) + "\n";
  text += "generated     " + snapshot.generated_at + " (" + age_text(snapshot.generated_at, now) + ")\n";
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.2f s", cycle.duration_seconds);
  text += "cycle         " + std::string(cycle.complete ? "complete" : "partial (a source failed)") + ", " +
          duration + ", " + std::to_string(cycle.requests) + " requests, " + std::to_string(cycle.retries) +
          " retries, " + std::to_string(cycle.throttled) + " throttled\n";
  text += "accounts      " + std::to_string(counts.total) + ": " + std::to_string(counts.covered) +
          " covered, " + std::to_string(counts.with_gaps) + " with gaps, " +
          std::to_string(counts.with_unknown) + " with unknown coverage, " + std::to_string(counts.inactive) +
          " inactive\n";
  if (const auto& organization = snapshot.organization) {
    text += "organization  " + std::string(core::to_string(organization->state)) + ", " +
            std::to_string(organization->accounts) + " accounts" +
            (organization->error ? ", " + error_text(*organization->error) : "") +
            (organization->delegation_error
                 ? ", delegated administrators not listed (the last good list used): " +
                       error_text(*organization->delegation_error)
                 : "") +
            "\n";
  } else {
    text += "organization  not configured\n";
  }
  std::vector<json::object> administrators;
  for (const auto& admin : snapshot.administrators) {
    // delegated_for: unknown ("-") without Organizations, "none" when it
    // names the account delegated administrator of no service.
    json::value delegated_for;
    if (admin.delegated_for)
      delegated_for = admin.delegated_for->empty() ? "none" : join(*admin.delegated_for, ",");
    administrators.push_back(
        json::object{{"account_id", admin.account_id},
                     {"name", admin.name},
                     {"origin", admin.origin},
                     {"delegated_for", std::move(delegated_for)},
                     {"regions", join(admin.regions, " ")},
                     {"regions_from", core::to_string(admin.regions_from)},
                     {"error", admin.error ? json::value(error_text(*admin.error)) : json::value()}});
  }
  text +=
      "\n" + table_text({"account_id", "name", "origin", "delegated_for", "regions", "regions_from", "error"},
                        administrators, colour);
  text += "\n" + table_text(kSourceTableColumns, sources, colour);
  if (const auto calls = call_error_rows(snapshot.sources); !calls.empty()) {
    text += "\ncalls that failed in sources that answered\n" +
            table_text({"administrator_id", "service", "region", "operation", "account_id", "error"}, calls,
                       colour);
  }
  std::fputs(text.c_str(), out);
  return kExitOk;
}

// ----------------------------------------------------------------- gaps

// Coverage and feature rows in one listing, told apart by `kind`. The table
// reads as a sentence (account, kind, where, which plan, status); CSV puts
// kind and feature last, so scripts that read its columns by position find
// the others where they were before feature rows existed.
const std::vector<std::string> kGapTableColumns = {"account_id", "account_name", "kind",  "service",
                                                   "region",     "feature",      "status"};
const std::vector<std::string> kGapCsvColumns = {"account_id", "account_name", "service", "region",
                                                 "status",     "kind",         "feature"};

int gaps(const Options& options, const Location& location, std::FILE* out) {
  std::vector<json::object> rows;
  const auto snapshot = read_without_memberships(location, [&](core::AccountSummary&& account) {
    for (auto& row : gap_rows(account, options.filters)) rows.push_back(std::move(row));
  });
  const auto& administrator = options.filters.administrator_id;
  const PolledPairs polled = administrator ? polled_by(snapshot.sources, *administrator) : PolledPairs{};
  auto writer =
      make_row_writer(options.format, out, options.format == Format::csv ? kGapCsvColumns : kGapTableColumns,
                      colour_wanted(out), "no gaps");
  for (const auto& row : rows) {
    if (administrator) {
      const auto service = core::parse_service(row.at("service").as_string());
      if (!polled.contains({*service, std::string(row.at("region").as_string())})) continue;
    }
    writer->row(row);
  }
  writer->finish();
  return kExitOk;
}

// -------------------------------------------------------------- account

const std::vector<std::string> kMembershipColumns = {"account_id", "service",    "region", "administrator_id",
                                                     "status",     "raw_status", "email",  "stale",
                                                     "invited_at", "updated_at", "detail"};

int account(const Options& options, const Location& location, std::FILE* out) {
  std::vector<core::Membership> memberships;
  std::optional<core::AccountSummary> summary;
  read_snapshot(
      location,
      [&](core::Membership&& record) {
        if (record.account_id == options.account_id) memberships.push_back(std::move(record));
      },
      [&](core::AccountSummary&& account) {
        if (account.account_id == options.account_id) summary = std::move(account);
      },
      store::MembershipSelection{.none = false,
                                 .accounts = [&](std::string_view id) { return id == options.account_id; }});
  if (!summary && memberships.empty()) {
    throw CtlError(kExitFailure,
                   "account " + options.account_id + " is not in the snapshot " + where_from(location));
  }
  std::vector<json::object> rows;
  for (const auto& record : memberships) rows.push_back(store::to_json(record).as_object());

  if (options.format == Format::json) {
    json::array array;
    for (auto& row : rows) array.push_back(std::move(row));
    const json::object document{{"account", summary ? store::to_json(*summary) : json::value()},
                                {"memberships", std::move(array)}};
    std::fputs(pretty_json(document).c_str(), out);
    return kExitOk;
  }
  if (options.format == Format::csv) {
    auto writer = make_row_writer(Format::csv, out, kMembershipColumns, false, "");
    for (const auto& row : rows) writer->row(row);
    writer->finish();
    return kExitOk;
  }
  const bool colour = colour_wanted(out);
  std::string text = "account       " + options.account_id;
  if (summary && summary->name) text += " (" + *summary->name + ")";
  text += "\n";
  if (summary) {
    text += "organization  " + summary->organization_status.value_or("-") + "\n";
    text += "coverage      " +
            std::string(summary->inactive        ? "inactive (closed, closing or not yet active: never a gap)"
                        : summary->covered       ? "covered"
                        : !summary->gaps.empty() ? "gaps"
                                                 : "unknown (sources failed)") +
            "\n";
    std::string findings;
    for (const auto& finding : summary->findings) findings += (findings.empty() ? "" : ", ") + finding;
    text += "findings      " + (findings.empty() ? std::string("none") : findings) + "\n";
  } else {
    text += "coverage      not in the snapshot's accounts (memberships only)\n";
  }
  text += "\n" +
          table_text({"service", "region", "administrator_id", "status", "raw_status", "stale", "updated_at"},
                     rows, colour);
  std::vector<json::object> coverage_gaps, feature_gaps;
  if (summary) {
    for (auto& row : gap_rows(*summary, Filters{})) {
      (row.at("kind") == "feature" ? feature_gaps : coverage_gaps).push_back(std::move(row));
    }
  }
  if (!coverage_gaps.empty()) {
    text += "\ngaps\n" + table_text({"service", "region", "status"}, coverage_gaps, colour);
  }
  if (!feature_gaps.empty()) {
    text += "\nfeature gaps (required GuardDuty protection plans not enabled)\n" +
            table_text({"service", "region", "feature", "status"}, feature_gaps, colour);
  }
  if (summary && !summary->unknown.empty()) {
    std::vector<json::object> unknown;
    for (const auto& pair : summary->unknown) {
      unknown.push_back(json::object{{"service", core::to_string(pair.service)}, {"region", pair.region}});
    }
    text +=
        "\nunknown (every source of the pair failed)\n" + table_text({"service", "region"}, unknown, colour);
  }
  std::fputs(text.c_str(), out);
  return kExitOk;
}

// --------------------------------------------------------------- export

int export_rows(const Options& options, const Location& location, std::FILE* out) {
  // A table of every membership would be held whole to align it: CSV instead.
  const Format format = options.format == Format::json ? Format::json : Format::csv;
  switch (options.export_what) {
    case ExportWhat::memberships: {
      auto writer = make_row_writer(format, out, kMembershipColumns, false, "");
      read_snapshot(location,
                    [&](core::Membership&& record) { writer->row(store::to_json(record).as_object()); });
      writer->finish();
      break;
    }
    case ExportWhat::accounts: {
      auto writer = make_row_writer(format, out,
                                    {"account_id", "name", "organization_status", "inactive", "covered",
                                     "gaps", "unknown", "findings", "feature_gaps"},
                                    false, "");
      read_without_memberships(location, [&](core::AccountSummary&& account) {
        writer->row(store::to_json(account).as_object());
      });
      writer->finish();
      break;
    }
    case ExportWhat::sources: {
      const auto snapshot = read_without_memberships(location, [](core::AccountSummary&&) {});
      auto writer = make_row_writer(format, out,
                                    {"administrator_id", "administrator_name", "service", "region", "state",
                                     "resource", "last_attempt_at", "last_success_at", "error", "members",
                                     "not_members", "organization", "findings", "call_errors"},
                                    false, "");
      for (const auto& source : snapshot.sources) writer->row(store::to_json(source).as_object());
      writer->finish();
      break;
    }
  }
  return kExitOk;
}

// -------------------------------------------------------------- changes

int changes(const Options& options, const Location& location, std::FILE* out) {
  if (!location.changes) {
    throw CtlError(location.snapshot_url ? kExitUsage : kExitNoInput,
                   location.snapshot_url
                       ? "changes reads the changes log: give --config or --snapshot, not --url"
                       : "the changes log is off (snapshot.changes is \"\")");
  }
  const auto files = changes_files(*location.changes);
  if (files.empty()) throw CtlError(kExitNoInput, location.changes->string() + ": no changes log");
  auto writer =
      make_row_writer(options.format, out,
                      {"at", "kind", "account_id", "service", "region", "administrator_id", "from", "to"},
                      colour_wanted(out), "no changes");
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f], std::ios::binary);
    if (!in) throw CtlError(kExitNoInput, files[f].string() + ": cannot be read");
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      const bool torn = in.eof();  // no newline: a write cut short by a crash
      if (line.empty() && !torn) continue;
      auto parsed = change_row(line, options.filters, options.since);
      if (!parsed.error.empty()) {
        if (torn && f + 1 == files.size()) break;  // the newest file's last line, being written or torn
        throw CtlError(kExitData, files[f].string() + ":" + std::to_string(number) + ": " + parsed.error);
      }
      if (parsed.row) writer->row(*parsed.row);
    }
  }
  writer->finish();
  return kExitOk;
}

// ----------------------------------------------------------------- diff

int diff(const Options& options, std::FILE* out) {
  const auto read_all = [](const std::string& path) {
    Location location;
    location.snapshot = path;
    return read_snapshot(location, {}, [](core::AccountSummary&&) {}).memberships;
  };
  const auto before = read_all(options.old_snapshot);
  const auto after = read_all(options.new_snapshot);
  auto writer = make_row_writer(options.format, out,
                                {"account_id", "service", "region", "administrator_id", "change", "from",
                                 "to", "stale_before", "stale_after"},
                                colour_wanted(out), "no differences");
  for (const auto& row : diff_rows(before, after)) writer->row(row);
  writer->finish();
  return kExitOk;
}

// ---------------------------------------------------------------- check

int check(const Options& options, core::TimePoint now, std::FILE* out) {
  CheckVerdict verdict;
  try {
    const Location location = locate(options.origin);
    CheckFacts facts;
    const auto snapshot = read_without_memberships(location, [&](core::AccountSummary&& account) {
      ++facts.accounts;
      facts.covered += account.covered ? 1 : 0;
      facts.inactive += account.inactive ? 1 : 0;
      facts.with_gaps += account.gaps.empty() ? 0 : 1;
      facts.with_unknown += account.unknown.empty() ? 0 : 1;
    });
    facts.generated_at = time_of(snapshot.generated_at);
    for (const auto& source : snapshot.sources) {
      if (source.state != core::SourceState::stale && source.state != core::SourceState::error) continue;
      facts.failing_sources.push_back(source.key.administrator_id + "/" +
                                      std::string(core::to_string(source.key.service)) + "/" +
                                      source.key.region + " (" + std::string(core::to_string(source.state)) +
                                      (source.error ? ", " + source.error->code : "") + ")");
    }
    verdict = check_verdict(facts, options.max_age, now);
  } catch (const CtlError& error) {
    verdict = {kCheckUnknown, "UNKNOWN", "MEMBERWATCH UNKNOWN - " + std::string(error.what())};
  }
  if (options.format == Format::json) {
    std::fputs(
        pretty_json(
            json::object{{"status", verdict.label}, {"exit_code", verdict.exit_code}, {"line", verdict.line}})
            .c_str(),
        out);
  } else {
    std::fputs((verdict.line + "\n").c_str(), out);
  }
  return verdict.exit_code;
}

// -------------------------------------------------------------- refresh

int refresh(const Location& location, std::FILE* out) {
  if (!location.health_url) {
    throw CtlError(kExitUsage,
                   "refresh needs the daemon's health endpoint: health.listen is off in the configuration");
  }
  if (location.endpoint_error) throw *location.endpoint_error;
  const auto answer = post_to_daemon(*location.health_url, "/-/refresh", location.client);
  std::string body = answer.body;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  switch (answer.status) {
    case 202:
      std::fputs(("refresh accepted: " + body + "\n").c_str(), out);
      return kExitOk;
    case 409:
      throw CtlError(kExitFailure, "refresh refused: a cycle is running (" + body + ")");
    case 403:
      throw CtlError(kExitFailure,
                     "refresh refused: the daemon's lifecycle endpoints are off (health.lifecycle: false)");
    default:
      throw CtlError(kExitUnavailable, *location.health_url + "/-/refresh: HTTP " +
                                           std::to_string(answer.status) + (body.empty() ? "" : ": " + body));
  }
}

}  // namespace

// ---------------------------------------------------------------- pure parts

PolledPairs polled_by(const std::vector<core::SourceSummary>& sources, const std::string& administrator_id) {
  PolledPairs pairs;
  for (const auto& source : sources) {
    if (source.key.administrator_id == administrator_id &&
        source.state != core::SourceState::region_disabled) {
      pairs.emplace(source.key.service, source.key.region);
    }
  }
  return pairs;
}

std::vector<json::object> gap_rows(const core::AccountSummary& account, const Filters& filters) {
  std::vector<json::object> rows;
  if (filters.account_id && *filters.account_id != account.account_id) return rows;
  const json::value name = account.name ? json::value(*account.name) : json::value();
  const auto row = [&](std::string_view kind, core::Service service, const std::string& region,
                       json::value feature, std::string_view status) {
    rows.push_back(json::object{{"account_id", account.account_id},
                                {"account_name", name},
                                {"kind", kind},
                                {"service", core::to_string(service)},
                                {"region", region},
                                {"feature", std::move(feature)},
                                {"status", status}});
  };
  for (const auto& gap : account.gaps) {
    if (filters.service && *filters.service != gap.service) continue;
    if (filters.region && *filters.region != gap.region) continue;
    if (filters.status && *filters.status != gap.status) continue;
    row("coverage", gap.service, gap.region, nullptr, core::to_string(gap.status));
  }
  for (const auto& gap : account.feature_gaps) {
    if (filters.service && *filters.service != gap.service) continue;
    if (filters.region && *filters.region != gap.region) continue;
    // A membership status keeps only the plans whose status has that name
    // (DISABLED); NOT_MEMBER, INVITED and the like leave them out.
    if (filters.status && status_key(core::to_string(*filters.status)) != status_key(gap.status)) continue;
    row("feature", gap.service, gap.region, json::value(gap.feature), gap.status);
  }
  return rows;
}

ChangeLine change_row(std::string_view line, const Filters& filters, std::optional<core::TimePoint> since) {
  const std::string kind = store::change_kind(line);
  json::object row;
  std::string at;
  std::string account_id;
  if (kind == "account") {
    auto parsed = store::parse_account_change_line(line);
    if (!parsed) return {std::nullopt, "not a changes line: " + parsed.error};
    const auto& change = *parsed.value;
    at = change.at;
    account_id = change.account_id;
    if (filters.service) return {};
    row = json::object{{"at", change.at},
                       {"kind", "account"},
                       {"account_id", change.account_id},
                       {"service", nullptr},
                       {"region", nullptr},
                       {"administrator_id", nullptr},
                       {"from", change.from ? json::value(*change.from) : json::value()},
                       {"to", change.to ? json::value(*change.to) : json::value()}};
  } else {
    auto parsed = store::parse_change_line(line);
    if (!parsed) return {std::nullopt, "not a changes line: " + parsed.error};
    const auto& change = *parsed.value;
    at = change.at;
    account_id = change.account_id;
    if (filters.service && *filters.service != change.service) return {};
    const auto status = [](const std::optional<core::MemberStatus>& s) {
      return s ? json::value(core::to_string(*s)) : json::value();
    };
    row = json::object{{"at", change.at},
                       {"kind", "membership"},
                       {"account_id", change.account_id},
                       {"service", core::to_string(change.service)},
                       {"region", change.region},
                       {"administrator_id", change.administrator_id},
                       {"from", status(change.from)},
                       {"to", status(change.to)}};
  }
  if (filters.account_id && *filters.account_id != account_id) return {};
  if (since) {
    const auto when = time_of(at);
    if (!when) return {std::nullopt, "not a changes line: \"at\" is not an RFC 3339 time"};
    if (*when < *since) return {};
  }
  return {std::move(row), ""};
}

std::vector<json::object> diff_rows(const std::vector<core::Membership>& before,
                                    const std::vector<core::Membership>& after) {
  const auto old_records = core::in_membership_order(before);
  const auto new_records = core::in_membership_order(after);
  std::vector<json::object> rows;
  const auto add = [&](const core::Membership& record, std::string_view change, const core::Membership* from,
                       const core::Membership* to) {
    rows.push_back(json::object{
        {"account_id", record.account_id},
        {"service", core::to_string(record.source->service)},
        {"region", record.source->region},
        {"administrator_id", record.source->administrator_id},
        {"change", change},
        {"from", from ? json::value(core::to_string(from->status)) : json::value()},
        {"to", to ? json::value(core::to_string(to->status)) : json::value()},
        {"stale_before", from ? json::value(from->stale) : json::value()},
        {"stale_after", to ? json::value(to->stale) : json::value()},
    });
  };
  auto old_it = old_records.begin();
  auto new_it = new_records.begin();
  while (old_it != old_records.end() || new_it != new_records.end()) {
    if (new_it == new_records.end() ||
        (old_it != old_records.end() && core::membership_order(**old_it, **new_it))) {
      add(**old_it, "vanished", *old_it, nullptr);
      ++old_it;
    } else if (old_it == old_records.end() || core::membership_order(**new_it, **old_it)) {
      add(**new_it, "appeared", nullptr, *new_it);
      ++new_it;
    } else {
      if ((*old_it)->status != (*new_it)->status)
        add(**new_it, "status", *old_it, *new_it);
      else if ((*old_it)->stale != (*new_it)->stale)
        add(**new_it, "stale", *old_it, *new_it);
      ++old_it;
      ++new_it;
    }
  }
  return rows;
}

CheckVerdict check_verdict(const CheckFacts& facts, seconds max_age, core::TimePoint now) {
  const auto age =
      facts.generated_at ? std::chrono::duration_cast<seconds>(now - *facts.generated_at) : seconds(0);
  const std::string perfdata =
      " | accounts=" + std::to_string(facts.accounts) + " covered=" + std::to_string(facts.covered) +
      " gaps=" + std::to_string(facts.with_gaps) + " unknown=" + std::to_string(facts.with_unknown) +
      " inactive=" + std::to_string(facts.inactive) +
      " failing_sources=" + std::to_string(facts.failing_sources.size()) +
      " age=" + std::to_string(age.count()) + "s;;" + std::to_string(max_age.count());
  const auto line = [&](int code, std::string label, const std::string& text) {
    return CheckVerdict{code, label, "MEMBERWATCH " + label + " - " + text + perfdata};
  };
  if (!facts.generated_at) return line(kCheckUnknown, "UNKNOWN", "the snapshot has no readable generated_at");
  if (age > max_age) {
    return line(kCheckCritical, "CRITICAL",
                "snapshot is " + human_age(age) + " old (more than " + human_age(max_age) +
                    "): is memberwatchd running?");
  }
  if (!facts.failing_sources.empty()) {
    std::string names;
    for (std::size_t i = 0; i < facts.failing_sources.size() && i < 3; ++i) {
      names += (i ? ", " : "") + facts.failing_sources[i];
    }
    if (facts.failing_sources.size() > 3) names += ", ...";
    return line(kCheckCritical, "CRITICAL",
                std::to_string(facts.failing_sources.size()) + " source(s) failing: " + names + "; " +
                    std::to_string(facts.with_gaps) + " account(s) with gaps");
  }
  const std::string summary = std::to_string(facts.accounts) + " accounts, " + std::to_string(facts.covered) +
                              " covered, " + std::to_string(facts.inactive) + " inactive, snapshot " +
                              human_age(age) + " old";
  if (facts.with_gaps > 0) {
    return line(kCheckWarning, "WARNING",
                std::to_string(facts.with_gaps) + " account(s) with gaps; " + summary);
  }
  return line(kCheckOk, "OK", "every active account covered; " + summary);
}

std::string human_age(seconds age) {
  const auto total = std::max<long long>(age.count(), 0);
  const long long days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60,
                  secs = total % 60;
  if (days > 0) return std::to_string(days) + "d" + std::to_string(hours) + "h";
  if (hours > 0) return std::to_string(hours) + "h" + std::to_string(minutes) + "m";
  if (minutes > 0) return std::to_string(minutes) + "m" + std::to_string(secs) + "s";
  return std::to_string(secs) + "s";
}

int run_command(const Options& options, core::TimePoint now, std::FILE* out) {
  switch (options.command) {
    case Command::check:
      return check(options, now, out);
    case Command::diff:
      return diff(options, out);
    default:
      break;
  }
  const Location location = locate(options.origin);
  switch (options.command) {
    case Command::status:
      return status(options, location, now, out);
    case Command::gaps:
      return gaps(options, location, out);
    case Command::account:
      return account(options, location, out);
    case Command::changes:
      return changes(options, location, out);
    case Command::export_rows:
      return export_rows(options, location, out);
    case Command::refresh:
      return refresh(location, out);
    default:
      return kExitUsage;
  }
}

}  // namespace mw::ctl
