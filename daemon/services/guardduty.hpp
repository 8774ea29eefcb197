#pragma once

// GuardDuty (rest-json, camelCase fields): ListDetectors, ListMembers, GetMembers.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services::guardduty {

inline constexpr int kMaxResults = 50;  // ListDetectors and ListMembers
inline constexpr std::size_t kMaxDetectorIdLength = 300;

struct DetectorPage {
  std::vector<std::string> detector_ids;
  std::optional<std::string> next_token;
};

// GET /detector?maxResults=&nextToken=
ApiRequest list_detectors_request(const std::optional<std::string>& next_token,
                                  int max_results = kMaxResults);
// GET /detector/{detectorId}/member?maxResults=&nextToken=&onlyAssociated=false
ApiRequest list_members_request(std::string_view detector_id, const std::optional<std::string>& next_token,
                                int max_results = kMaxResults);
// POST /detector/{detectorId}/member/get {"accountIds": [...]} with 1..50 account IDs.
ApiRequest get_members_request(std::string_view detector_id, const std::vector<std::string>& account_ids);

// detectorIds (required) and nextToken.
DetectorPage parse_list_detectors(std::string_view body);
// members[].accountId and nextToken ("" ends the listing too).
AccountPage parse_list_members(std::string_view body);
// members[] (detail: detector_id, administrator_id, master_id, any other
// field) and unprocessedAccounts[] (both lists required) as NOT_MEMBER
// (raw_status = result). invitedAt and updatedAt are strings: one that is
// not ISO 8601 leaves the time empty and is kept in the detail as
// invited_at_raw / updated_at_raw. A member without a 12-digit accountId or
// with a field of the wrong type is named in MemberPage::problems (see
// there); a missing relationshipStatus is UNKNOWN.
MemberPage parse_get_members(std::string_view body);

const ServiceDescriptor& descriptor();

}  // namespace mw::services::guardduty
