#include "services/organizations.hpp"

#include <boost/json/serialize.hpp>

#include "services/json_reader.hpp"
#include "services/parse_error.hpp"
#include "services/request_checks.hpp"

namespace mw::services::organizations {

namespace {

// One page of a json 1.1 listing: `body` gains MaxResults and NextToken.
ApiRequest page_request(std::string operation, std::string_view target, boost::json::object body,
                        const std::optional<std::string>& next_token, int max_results) {
  const auto name = "organizations " + operation;
  require_in_range(name, "MaxResults", max_results, 1, kMaxResults);
  require_token(name, next_token);
  body["MaxResults"] = max_results;
  if (next_token) body["NextToken"] = *next_token;
  ApiRequest request;
  request.service = "organizations";
  request.operation = std::move(operation);
  request.method = "POST";
  request.path = "/";
  request.body = boost::json::serialize(body);
  request.content_type = "application/x-amz-json-1.1";
  request.target = std::string(target);
  return request;
}

}  // namespace

ApiRequest list_accounts_request(const std::optional<std::string>& next_token, int max_results) {
  return page_request("ListAccounts", kListAccountsTarget, {}, next_token, max_results);
}

ApiRequest list_delegated_administrators_request(std::string_view service_principal,
                                                 const std::optional<std::string>& next_token,
                                                 int max_results) {
  require_non_empty("organizations ListDelegatedAdministrators", "ServicePrincipal", service_principal, 128);
  return page_request("ListDelegatedAdministrators", kListDelegatedAdministratorsTarget,
                      {{"ServicePrincipal", service_principal}}, next_token, max_results);
}

std::string service_principal(core::Service service) {
  // Macie's principal keeps its first name; its API is macie2.
  if (service == core::Service::macie2) return "macie.amazonaws.com";
  return std::string(core::to_string(service)) + ".amazonaws.com";
}

namespace {

// One element of Accounts[]. Every field but Id is optional in the model
// (Status was retired on 2026-09-09 for State): an absent or null one is
// no error; a wrong type is.
core::OrganizationAccount parse_account(const JsonReader& reader, const boost::json::value& value,
                                        const std::string& path) {
  const auto& account = reader.as_object(value, path);
  core::OrganizationAccount parsed;
  parsed.account_id = reader.account_id(account, "Id", path);
  const auto state = reader.optional_string(account, "State", path);
  const auto status = reader.optional_string(account, "Status", path);
  parsed.state = state ? state : status;
  parsed.name = reader.optional_string(account, "Name", path).value_or("");
  for (const std::string_view text_field : {"Arn", "Email", "JoinedMethod"}) {
    reader.optional_string(account, text_field, path);
  }
  for (const std::string_view time_field : {"JoinedTimestamp", "DelegationEnabledDate"}) {
    if (const auto* time = reader.find(account, time_field))
      reader.timestamp(*time, child_path(path, time_field));
  }
  if (const auto* paths = reader.array_field(account, "Paths", path, false)) {
    for (std::size_t i = 0; i < paths->size(); ++i)
      reader.as_string((*paths)[i], index_path(child_path(path, "Paths"), i));
  }
  return parsed;
}

// A page of accounts under `list`: the ones that read, and the problems
// of those that did not.
template <typename Page>
Page parse_account_page(std::string operation, std::string_view body, std::string_view list,
                        std::vector<core::OrganizationAccount> Page::*accounts) {
  const JsonReader reader(std::move(operation));
  const auto response = reader.parse_object(body);
  Page page;
  read_each_element(reader, response, list, false, page.problems,
                    [&](const boost::json::value& element, const std::string& path) {
                      (page.*accounts).push_back(parse_account(reader, element, path));
                    });
  page.next_token = reader.next_token(response, "NextToken");
  return page;
}

}  // namespace

AccountPage parse_list_accounts(std::string_view body) {
  return parse_account_page("organizations ListAccounts", body, "Accounts", &AccountPage::accounts);
}

DelegatedAdministratorPage parse_list_delegated_administrators(std::string_view body) {
  return parse_account_page("organizations ListDelegatedAdministrators", body, "DelegatedAdministrators",
                            &DelegatedAdministratorPage::administrators);
}

}  // namespace mw::services::organizations
