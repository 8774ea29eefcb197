#pragma once

// Security Hub (rest-json): ListMembers, GetMembers.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services::securityhub {

inline constexpr int kMaxListMembersResults = 50;

// GET /members?MaxResults=&NextToken=&OnlyAssociated=false (every member, not only associated ones).
ApiRequest list_members_request(const std::optional<std::string>& next_token,
                                int max_results = kMaxListMembersResults);
// POST /members/get {"AccountIds": [...]} with 1..50 account IDs.
ApiRequest get_members_request(const std::vector<std::string>& account_ids);

// Members[].AccountId and NextToken.
AccountPage parse_list_members(std::string_view body);
// Members[] (detail: administrator_id, master_id and any other field) plus
// UnprocessedAccounts[] as NOT_MEMBER (raw_status = ProcessingResult). Only
// AccountId is needed (a missing MemberStatus is UNKNOWN); a bad element is
// named in MemberPage::problems (see there).
MemberPage parse_get_members(std::string_view body);

const ServiceDescriptor& descriptor();

}  // namespace mw::services::securityhub
