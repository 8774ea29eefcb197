#pragma once

// The membership model: plain values shared by the services (which produce
// records), the merge (which builds a snapshot) and the store (which writes
// and reads it). Field meanings follow the snapshot schema of CONTRACT.md.

#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::core {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

enum class Service : std::uint8_t { securityhub, guardduty, detective, inspector2, macie2 };
inline constexpr std::size_t kServiceCount = 5;  // values 0 .. kServiceCount - 1

std::string_view to_string(Service service);
std::optional<Service> parse_service(std::string_view name);
// The detail key of a source's resource: GuardDuty's detector_id,
// Detective's graph_arn; "" for a service without one (Security Hub,
// Inspector, Macie).
std::string_view resource_detail_key(Service service);

enum class MemberStatus : std::uint8_t {
  ADMINISTRATOR,  // the administrator's own account, in its answering sources
  ENABLED,
  CREATED,
  INVITED,
  DISABLED,
  REMOVED,
  RESIGNED,
  DELETED,
  SUSPENDED,
  VERIFICATION_IN_PROGRESS,
  VERIFICATION_FAILED,
  NOT_MEMBER,
  UNKNOWN,
};

inline constexpr std::size_t kMemberStatusCount =
    static_cast<std::size_t>(MemberStatus::UNKNOWN) + 1;  // UNKNOWN last

std::string_view to_string(MemberStatus status);
std::optional<MemberStatus> parse_member_status(std::string_view name);  // the normalized names only

// One (administrator, service, region): the unit that is polled and fails.
struct SourceKey {
  std::string administrator_id;
  Service service = Service::securityhub;
  std::string region;

  auto operator<=>(const SourceKey&) const = default;
  bool operator==(const SourceKey&) const = default;
};

// An instant as a membership carries it and the snapshot writes it: RFC
// 3339 in UTC with milliseconds only when the service gave a fraction
// ("2021-05-06T07:08:09.123Z", "2022-05-06T07:08:09Z"), or none (null).
// 8 bytes: as a std::optional<std::string> it took 40 bytes and a heap
// block, twice in every record. Made by core/timestamps.hpp.
class Rfc3339Time {
 public:
  Rfc3339Time() = default;
  // `epoch_millis` must lie in years 0001..9999 (the parsers check).
  static Rfc3339Time from_millis(std::int64_t epoch_millis, bool with_fraction) {
    Rfc3339Time time;
    time.encoded_ = epoch_millis * 2 + (with_fraction ? 1 : 0);
    return time;
  }

  bool has_value() const { return encoded_ != kNone; }
  explicit operator bool() const { return has_value(); }
  std::int64_t epoch_millis() const { return (encoded_ - (encoded_ & 1)) / 2; }
  bool with_fraction() const { return (encoded_ & 1) != 0; }
  std::string text() const;  // "" when none

  // The text in a buffer of its own: what writers use, once for every
  // timestamp of every record, where text() would take a heap block.
  struct Chars {
    char text[24];  // YYYY-MM-DDTHH:MM:SS.mmmZ
    std::uint8_t size = 0;
    std::string_view view() const { return {text, size}; }
  };
  Chars chars() const;  // empty when none

  bool operator==(const Rfc3339Time&) const = default;
  friend bool operator==(const Rfc3339Time& time, std::string_view text) {
    return time.has_value() && time.text() == text;
  }

 private:
  static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
  std::int64_t encoded_ = kNone;
};

// One account in one source, as the service reported it. The records of a
// source share its key: the merge sets `source` (the services leave it
// empty), so administrator, service and region exist once per source.
struct Membership {
  std::shared_ptr<const SourceKey> source;
  std::string account_id;
  MemberStatus status = MemberStatus::UNKNOWN;
  std::string raw_status;  // as returned; for NOT_MEMBER the unprocessed reason
  std::optional<std::string> email;
  Rfc3339Time invited_at;
  Rfc3339Time updated_at;
  // The service-specific fields (snake_case keys) as canonical JSON text:
  // keys sorted, no spaces (core/json_text.hpp, append_sorted_compact_json).
  std::string detail = "{}";
  bool stale = false;
};

struct SourceError {
  std::string code;
  std::string message;
  unsigned http_status = 0;  // 0 when no HTTP response (timeout, connection, cancelled)

  bool operator==(const SourceError&) const = default;
};

// A source's organization configuration (DescribeOrganizationConfiguration):
// does the service enroll the organization's accounts by itself?
struct SourceOrganization {
  std::string auto_enable;    // ALL | NEW | PARTIAL | NONE | CENTRAL | UNKNOWN
                              // (services/organization_configuration.hpp)
  std::string detail = "{}";  // every field the service returned, snake_case, canonical JSON text

  bool operator==(const SourceOrganization&) const = default;
};

// A call of an answering source that failed without failing the source
// (DescribeOrganizationConfiguration, GetMemberDetectors), or one account
// such a call left unprocessed (account_id set, the reason as message).
struct SourceCallError {
  std::string operation;
  std::optional<std::string> account_id;
  SourceError error;

  bool operator==(const SourceCallError&) const = default;
};

// A source as the cycle plans it: configured, or from the regions the
// administrator's account has enabled (`regions: all`).
struct ConfiguredSource {
  SourceKey key;
  std::string administrator_name;
  // Configured, but not enabled in the administrator's account (Account
  // ListRegions): not polled, not a failure, not a polled pair for coverage.
  bool region_disabled = false;
};

// What one source produced in one cycle.
struct SourceResult {
  SourceKey key;
  std::string administrator_name;
  TimePoint attempted_at;
  std::optional<std::string> resource;  // detector id, graph ARN; nullopt for Security Hub
  std::optional<SourceError> error;     // set when the source failed this cycle
  std::vector<Membership> memberships;  // meaningful only when !error
  // nullopt: not the organization's administrator there, the call failed
  // (see call_errors), or the source failed.
  std::optional<SourceOrganization> organization = {};
  std::vector<SourceCallError> call_errors = {};
};

// An account known from AWS Organizations ListAccounts.
struct OrganizationAccount {
  std::string account_id;
  std::string name;
  // Its State (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE,
  // CLOSED), or the retired Status when State is absent; nullopt with neither.
  std::optional<std::string> state;
};

// Closed, closing or not yet activated: listed, never a gap.
bool is_inactive_organization_state(std::string_view state);

// Where an administrator's regions came from this cycle.
enum class RegionsFrom { configured, discovered, last_discovered };
std::string_view to_string(RegionsFrom from);
std::optional<RegionsFrom> parse_regions_from(std::string_view name);

// One administrator as the cycle saw it.
struct AdministratorSummary {
  std::string account_id;
  std::string name;
  std::string origin = "configured";                      // configured | organization
  std::optional<std::vector<std::string>> delegated_for;  // nullopt: unknown
  std::vector<std::string> regions;                       // polled (enabled) regions, sorted
  RegionsFrom regions_from = RegionsFrom::configured;
  std::optional<SourceError> error;  // credentials or region discovery failure
};

// What the daemon knew before this cycle, for what a failed call cannot
// tell: the last good Organizations list and each administrator's regions.
struct LastKnown {
  std::optional<std::vector<OrganizationAccount>> organization_accounts;
  // administrator -> its last discovered (enabled) regions
  std::map<std::string, std::vector<std::string>> discovered_regions;
  // administrator -> configured regions ListRegions last reported not enabled
  std::map<std::string, std::vector<std::string>> disabled_regions;
  // The last administrators Organizations named per service (from the
  // administrators' delegated_for), and the discovered ones' names.
  std::map<Service, std::vector<std::string>> delegated_administrators;
  std::map<std::string, std::string> discovered_administrator_names;
};

// Everything one cycle gathered: the merge's input beside the previous snapshot.
struct CycleResults {
  TimePoint started_at;
  TimePoint finished_at;
  bool cancelled = false;  // cycle_timeout or shutdown cut it short
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::uint64_t throttled = 0;
  std::vector<SourceResult> sources;
  std::vector<std::string> expected_accounts;  // accounts.ids + accounts.file
  // nullopt: Organizations not configured; an error: it failed (the
  // previous snapshot's names and statuses are kept).
  std::optional<std::vector<OrganizationAccount>> organization_accounts;
  std::optional<SourceError> organization_error;
  TimePoint organization_attempted_at;
  // Every administrator, and every source the cycle planned (configured,
  // or from the administrator's enabled regions): the merge's configuration.
  std::vector<AdministratorSummary> administrators;
  std::vector<ConfiguredSource> planned_sources;
  // Organizations ListDelegatedAdministrators: service -> the accounts it
  // names (this cycle's, or the last good list when it failed); a service
  // is absent when unknown. Empty when Organizations is not configured.
  std::map<Service, std::vector<std::string>> delegated_administrators;
  std::optional<SourceError> delegation_error;  // a listing failed this cycle
};

enum class SourceState { ok, stale, error, region_disabled };
std::string_view to_string(SourceState state);
std::optional<SourceState> parse_source_state(std::string_view name);

struct SourceSummary {
  SourceKey key;
  std::string administrator_name;
  SourceState state = SourceState::ok;
  std::optional<std::string> resource;
  std::optional<std::string> last_attempt_at;  // RFC 3339
  std::optional<std::string> last_success_at;
  std::optional<SourceError> error;
  std::optional<SourceOrganization> organization = {};  // a failed source keeps its last one
  std::vector<std::string> findings = {};               // AUTO_ENABLE_OFF, NOT_DELEGATED_ADMINISTRATOR
  std::vector<SourceCallError> call_errors = {};
  std::uint64_t members = 0;
  std::uint64_t not_members = 0;
};

// The snapshot's `organization` block: how ListAccounts went.
struct OrganizationSummary {
  SourceState state = SourceState::ok;  // ok, stale (the last good list used) or error (none known)
  std::optional<std::string> last_attempt_at;
  std::optional<std::string> last_success_at;
  std::optional<SourceError> error;
  std::uint64_t accounts = 0;
  // ListDelegatedAdministrators failed this cycle (the last good list used).
  std::optional<SourceError> delegation_error = {};
};

struct CoverageGap {
  Service service = Service::securityhub;
  std::string region;
  MemberStatus status = MemberStatus::NOT_MEMBER;
};

struct CoverageUnknown {
  Service service = Service::securityhub;
  std::string region;
};

// An ENABLED GuardDuty member without a required protection plan
// (guardduty.required_features): absent, or not ENABLED.
struct FeatureGap {
  Service service = Service::guardduty;
  std::string region;
  std::string feature;
  std::string status;  // as the service gave it, or ABSENT

  bool operator==(const FeatureGap&) const = default;
};

struct AccountSummary {
  std::string account_id;
  std::optional<std::string> name;
  std::optional<std::string> organization_status;
  bool inactive = false;  // see is_inactive_organization_state
  bool covered = false;
  std::vector<CoverageGap> gaps;
  std::vector<CoverageUnknown> unknown;
  std::vector<std::string>
      findings;  // GUARDDUTY_WITHOUT_DETECTIVE, ADMINISTRATOR_MISMATCH, GUARDDUTY_FEATURE_DISABLED
  std::vector<FeatureGap> feature_gaps = {};
};

struct CycleSummary {
  std::string started_at;
  std::string finished_at;
  double duration_seconds = 0;
  bool complete = true;
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::uint64_t throttled = 0;
};

struct Totals {
  std::uint64_t accounts = 0;
  std::uint64_t covered = 0;
  std::uint64_t inactive = 0;
  std::map<std::string, std::map<std::string, std::uint64_t>> by_service_status;
};

inline constexpr std::string_view kSnapshotSchema = "memberwatch.snapshot/v1";

// The snapshot of CONTRACT.md, every list kept sorted by the merge.
struct Snapshot {
  std::string generated_at;
  CycleSummary cycle;
  std::optional<OrganizationSummary> organization;  // nullopt: Organizations not configured
  std::vector<AdministratorSummary> administrators;
  std::vector<SourceSummary> sources;
  std::vector<Membership> memberships;
  std::vector<AccountSummary> accounts;
  Totals totals;
};

// One line of changes.jsonl: a membership status that appeared (from
// nullopt), changed, or vanished (to nullopt).
struct MembershipChange {
  std::string at;
  std::string account_id;
  Service service = Service::securityhub;
  std::string region;
  std::string administrator_id;
  std::optional<MemberStatus> from;
  std::optional<MemberStatus> to;
};

// One account line of changes.jsonl: its Organizations state changed
// (nullopt: not listed, or listed without one).
struct AccountChange {
  std::string at;
  std::string account_id;
  std::optional<std::string> from;
  std::optional<std::string> to;

  bool operator==(const AccountChange&) const = default;
};

// RFC 3339 UTC with seconds ("2026-11-21T10:15:02Z").
std::string format_rfc3339(TimePoint time);

}  // namespace mw::core
