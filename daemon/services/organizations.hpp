#pragma once

// AWS Organizations (json 1.1): ListAccounts, ListDelegatedAdministrators.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "services/api_request.hpp"

namespace mw::services::organizations {

inline constexpr int kMaxResults = 20;
inline constexpr std::string_view kListAccountsTarget = "AWSOrganizationsV20161128.ListAccounts";
inline constexpr std::string_view kListDelegatedAdministratorsTarget =
    "AWSOrganizationsV20161128.ListDelegatedAdministrators";

struct AccountPage {
  std::vector<core::OrganizationAccount> accounts;
  std::optional<std::string> next_token;
  // The elements left out, each as "organizations ListAccounts:
  // Accounts[3].Id: missing" (a missing or bad Id, a field of a wrong type).
  std::vector<std::string> problems;
};

// POST / with X-Amz-Target AWSOrganizationsV20161128.ListAccounts and
// {"MaxResults": n[, "NextToken": t]}.
ApiRequest list_accounts_request(const std::optional<std::string>& next_token, int max_results = kMaxResults);

// Accounts[] and NextToken. An account's state is its State, or its
// retired Status when State is absent, or none. An element without a
// 12-digit Id or with a field of the wrong type (Name, Arn, Email,
// JoinedMethod, State, Status: strings; JoinedTimestamp: a timestamp;
// Paths: strings) is left out and named in `problems`; a body that is not
// such an object throws ParseError.
AccountPage parse_list_accounts(std::string_view body);

// The service principal Organizations knows the service by
// ("guardduty.amazonaws.com").
std::string service_principal(core::Service service);

struct DelegatedAdministratorPage {
  std::vector<core::OrganizationAccount> administrators;  // Id, Name, State (or the retired Status)
  std::optional<std::string> next_token;
  std::vector<std::string> problems;  // the elements left out, as in AccountPage
};

// POST / with X-Amz-Target AWSOrganizationsV20161128.ListDelegatedAdministrators
// and {"ServicePrincipal": p, "MaxResults": n[, "NextToken": t]}.
ApiRequest list_delegated_administrators_request(std::string_view service_principal,
                                                 const std::optional<std::string>& next_token,
                                                 int max_results = kMaxResults);
// DelegatedAdministrators[] and NextToken, each element read as an account
// of ListAccounts is (DelegationEnabledDate: a timestamp too).
DelegatedAdministratorPage parse_list_delegated_administrators(std::string_view body);

}  // namespace mw::services::organizations
