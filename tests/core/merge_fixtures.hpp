#pragma once

// Hand-built cycle results for the merge and change tests.

#include <boost/json/serialize.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "core/merge.hpp"
#include "core/model.hpp"

namespace mw::core::testing {

inline const std::string kAdminA = "111111111111";
inline const std::string kAdminB = "999999999999";

inline TimePoint minute(int n) {
  using namespace std::chrono;
  return TimePoint(sys_days(year(2026) / 11 / 21) + hours(10) + minutes(n));
}

inline Membership record(const std::string& account, Service service, const std::string& region,
                         const std::string& admin, MemberStatus status, std::string raw = "") {
  Membership m;
  m.account_id = account;
  m.source = std::make_shared<const SourceKey>(SourceKey{admin, service, region});
  m.status = status;
  m.raw_status = raw.empty() ? std::string(to_string(status)) : raw;
  return m;
}

inline SourceResult answered(const std::string& admin, Service service, const std::string& region,
                             std::vector<Membership> records, TimePoint at) {
  SourceResult result;
  result.key = {admin, service, region};
  result.administrator_name = "admin-" + admin;
  result.attempted_at = at;
  if (service != Service::securityhub) result.resource = std::string(to_string(service)) + "-" + region;
  result.memberships = std::move(records);
  return result;
}

inline SourceResult failed(const std::string& admin, Service service, const std::string& region, TimePoint at,
                           std::string code = "AccessDeniedException", unsigned http_status = 403) {
  SourceResult result;
  result.key = {admin, service, region};
  result.administrator_name = "admin-" + admin;
  result.attempted_at = at;
  result.error = SourceError{std::move(code), "denied", http_status};
  return result;
}

inline ConfiguredSource configured(const std::string& admin, Service service, const std::string& region) {
  return {{admin, service, region}, "name-" + admin};
}

inline CycleResults cycle(int start_minute, std::vector<SourceResult> sources) {
  CycleResults results;
  results.started_at = minute(start_minute);
  results.finished_at = minute(start_minute) + std::chrono::seconds(12);
  results.requests = 10;
  results.retries = 1;
  results.throttled = 2;
  results.sources = std::move(sources);
  return results;
}

inline const Membership* find_record(const Snapshot& snapshot, const std::string& account, Service service,
                                     const std::string& region, const std::string& admin) {
  for (const auto& m : snapshot.memberships) {
    if (m.account_id == account && m.source->service == service && m.source->region == region &&
        m.source->administrator_id == admin) {
      return &m;
    }
  }
  return nullptr;
}

inline const SourceSummary* find_source(const Snapshot& snapshot, const std::string& admin, Service service,
                                        const std::string& region) {
  for (const auto& s : snapshot.sources) {
    if (s.key == SourceKey{admin, service, region}) return &s;
  }
  return nullptr;
}

inline const AccountSummary* find_account(const Snapshot& snapshot, const std::string& account) {
  for (const auto& a : snapshot.accounts) {
    if (a.account_id == account) return &a;
  }
  return nullptr;
}

inline std::string optional_text(const std::optional<std::string>& text) {
  return text ? *text : "<none>";
}

// Every field of a snapshot as text, to compare two snapshots exactly.
inline std::string describe(const Snapshot& s) {
  std::ostringstream out;
  out << s.generated_at << '|' << s.cycle.started_at << '|' << s.cycle.finished_at << '|'
      << s.cycle.duration_seconds << '|' << s.cycle.complete << '|' << s.cycle.requests << '|'
      << s.cycle.retries << '|' << s.cycle.throttled << '\n';
  for (const auto& src : s.sources) {
    out << "S " << src.key.administrator_id << ' ' << to_string(src.key.service) << ' ' << src.key.region
        << ' ' << src.administrator_name << ' ' << to_string(src.state) << ' ' << optional_text(src.resource)
        << ' ' << optional_text(src.last_attempt_at) << ' ' << optional_text(src.last_success_at) << ' '
        << (src.error
                ? src.error->code + "/" + src.error->message + "/" + std::to_string(src.error->http_status)
                : "-")
        << ' ' << src.members << ' ' << src.not_members << '\n';
  }
  for (const auto& m : s.memberships) {
    out << "M " << m.account_id << ' ' << to_string(m.source->service) << ' ' << m.source->region << ' '
        << m.source->administrator_id << ' ' << to_string(m.status) << ' ' << m.raw_status << ' '
        << (m.email ? "\"" + *m.email + "\"" : std::string("-")) << ' ' << m.invited_at.text() << ' '
        << m.updated_at.text() << ' ' << m.stale << ' ' << m.detail << '\n';
  }
  for (const auto& a : s.accounts) {
    out << "A " << a.account_id << ' ' << optional_text(a.name) << ' ' << optional_text(a.organization_status)
        << ' ' << a.covered << " gaps:";
    for (const auto& g : a.gaps)
      out << to_string(g.service) << '/' << g.region << '/' << to_string(g.status) << ',';
    out << " unknown:";
    for (const auto& u : a.unknown) out << to_string(u.service) << '/' << u.region << ',';
    out << " findings:";
    for (const auto& f : a.findings) out << f << ',';
    out << '\n';
  }
  out << "T " << s.totals.accounts << ' ' << s.totals.covered;
  for (const auto& [service, statuses] : s.totals.by_service_status) {
    for (const auto& [status, count] : statuses) out << ' ' << service << ':' << status << '=' << count;
  }
  return out.str();
}

}  // namespace mw::core::testing
