#pragma once

// AWS Organizations (json 1.1): ListAccounts.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "services/api_request.hpp"

namespace mw::services::organizations {

inline constexpr int kMaxResults = 20;
inline constexpr std::string_view kListAccountsTarget = "AWSOrganizationsV20161128.ListAccounts";

struct AccountPage {
  std::vector<core::OrganizationAccount> accounts;
  std::optional<std::string> next_token;
};

// POST / with X-Amz-Target AWSOrganizationsV20161128.ListAccounts and
// {"MaxResults": n[, "NextToken": t]}.
ApiRequest list_accounts_request(const std::optional<std::string>& next_token, int max_results = kMaxResults);

// Accounts[] (Id and Status required; Name, Arn, Email, JoinedMethod,
// JoinedTimestamp (epoch seconds) type-checked) and NextToken.
AccountPage parse_list_accounts(std::string_view body);

}  // namespace mw::services::organizations
