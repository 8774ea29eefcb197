#pragma once

// The merge: one cycle's results plus the previous snapshot in, the next
// snapshot out. A pure function over values; the poller gathers, the store
// writes.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace mw::core {

inline constexpr std::string_view kFindingGuardDutyWithoutDetective = "GUARDDUTY_WITHOUT_DETECTIVE";
inline constexpr std::string_view kFindingAdministratorMismatch = "ADMINISTRATOR_MISMATCH";
inline constexpr std::string_view kFindingGuardDutyFeatureDisabled = "GUARDDUTY_FEATURE_DISABLED";
// Source findings.
inline constexpr std::string_view kFindingAutoEnableOff = "AUTO_ENABLE_OFF";
inline constexpr std::string_view kFindingNotDelegatedAdministrator = "NOT_DELEGATED_ADMINISTRATOR";
// A required feature a member's protection plans do not name.
inline constexpr std::string_view kFeatureAbsent = "ABSENT";

// The error given to a configured source that produced no result this cycle.
inline constexpr std::string_view kCancelledErrorCode = "CycleCancelled";  // results.cancelled
inline constexpr std::string_view kNoResultErrorCode = "NoResult";         // otherwise

struct MergeOptions {
  // Every (administrator, service, region) of the current configuration.
  // Authoritative: results for other sources are ignored, previous sources
  // not listed disappear, and a listed source without a result counts as
  // failed (cancelled by cycle_timeout or shutdown).
  std::vector<ConfiguredSource> sources;
  // guardduty.required_features: an ENABLED GuardDuty member whose detail
  // names its features without one of these ENABLED has a feature gap.
  std::vector<std::string> required_guardduty_features = {};
};

// Builds the next snapshot (generated_at = results.finished_at):
// - sources: an answering source's records replace its previous ones (state
//   ok, last_success_at = attempted_at). A failed source keeps the previous
//   snapshot's records marked stale (state stale) when it ever answered
//   before (previous last_success_at), else it has none (state error); it
//   never produces NOT_MEMBER records.
// - accounts: the universe is every account of a membership, of
//   results.expected_accounts and of the Organizations list (the previous
//   snapshot's names and statuses when Organizations failed). For every
//   (service, region) some configured source polls, an account is:
//     covered  when an answering source reports it ENABLED;
//     unknown  when none does but a failed source's stale record is ENABLED
//              (it may well still be), or when every source of the pair failed;
//     a gap    otherwise, with the status the answering sources report (the
//              first in MemberStatus order when they differ; NOT_MEMBER when
//              none returned the account).
//   covered = every polled pair covered (false when nothing is polled).
//   Inactive accounts (Organizations state SUSPENDED, PENDING_CLOSURE,
//   CLOSED, PENDING_ACTIVATION) are never covered and have no gaps or
//   unknown pairs.
// - the administrator's own account is ADMINISTRATOR (covered) in each of
//   its answering sources, replacing the NOT_MEMBER GetMembers gave for it.
// - region_disabled sources have no records and are no polled pair.
// - organization: ok, stale (ListAccounts failed; the previous snapshot's
//   list used) or error (failed, none known); administrators as given.
// - findings: GUARDDUTY_WITHOUT_DETECTIVE when, in a region where Detective
//   is polled, the account is covered in GuardDuty and a gap in Detective;
//   ADMINISTRATOR_MISMATCH when its ENABLED memberships (stale included) in
//   one region name more than one administrator; GUARDDUTY_FEATURE_DISABLED
//   when it has feature_gaps: an ENABLED GuardDuty record (stale included:
//   the last protection plans known) whose detail has `features` without
//   a required one ENABLED (one gap per region and feature). A record
//   without `features` (GetMemberDetectors failed or left it unprocessed)
//   tells nothing.
// - source organization: an answering source's own, a failed source's
//   previous one. Source findings: AUTO_ENABLE_OFF when its auto_enable is
//   NONE; NOT_DELEGATED_ADMINISTRATOR when results.delegated_administrators
//   knows the service and does not name the administrator.
// - cycle.complete: not cancelled, every configured source answered (or is
//   region_disabled), Organizations (when configured) answered, and no
//   administrator is left without regions, and ListDelegatedAdministrators
//   (when called) answered.
// Every list is sorted (see the *_order functions), so equal inputs give
// equal snapshots.
Snapshot merge(const std::optional<Snapshot>& previous, const CycleResults& results,
               const MergeOptions& options);
// The same, moving the records out of `results` instead of copying them (a
// cycle's records then exist once, not twice); `results` is left valid but
// unspecified.
Snapshot merge(const std::optional<Snapshot>& previous, CycleResults&& results, const MergeOptions& options);

// Which of the previous snapshot's records the merge of `results` reads:
// those of the configured sources that did not answer (carried over
// stale) and the NOT_MEMBER records of their administrators (kept for the
// accounts only a failing source listed). merge() gives the same snapshot
// from a previous snapshot holding only these as from the whole one, so
// the daemon reads the rest of the file only to diff (core/changes.hpp).
// In a cycle where every source answers, that is none.
using RecordFilter = std::function<bool(const Membership& record)>;
RecordFilter previous_records_needed(const CycleResults& results, const MergeOptions& options);

// The accounts a snapshot knew from Organizations (those with a name or an
// organization status), for the cycles in which ListAccounts fails; empty
// when it had no Organizations list.
std::vector<OrganizationAccount> last_organization_accounts(const Snapshot& snapshot);

// What a snapshot tells the next cycle (core::LastKnown).
LastKnown last_known(const Snapshot& previous);
LastKnown last_known(const std::optional<Snapshot>& previous);  // nothing known without one

// The snapshot's orders: services by name (detective < guardduty < securityhub).
bool service_order(Service a, Service b);
bool source_order(const SourceKey& a, const SourceKey& b);        // administrator, service, region
bool membership_order(const Membership& a, const Membership& b);  // account, service, region, administrator

}  // namespace mw::core
