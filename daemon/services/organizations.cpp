#include "services/organizations.hpp"

#include <boost/json/serialize.hpp>

#include "services/json_reader.hpp"
#include "services/parse_error.hpp"
#include "services/request_checks.hpp"

namespace mw::services::organizations {

ApiRequest list_accounts_request(const std::optional<std::string>& next_token, int max_results) {
  constexpr std::string_view kOperation = "organizations ListAccounts";
  require_in_range(kOperation, "MaxResults", max_results, 1, kMaxResults);
  require_token(kOperation, next_token);
  boost::json::object body{{"MaxResults", max_results}};
  if (next_token) body["NextToken"] = *next_token;
  ApiRequest request;
  request.service = "organizations";
  request.operation = "ListAccounts";
  request.method = "POST";
  request.path = "/";
  request.body = boost::json::serialize(body);
  request.content_type = "application/x-amz-json-1.1";
  request.target = std::string(kListAccountsTarget);
  return request;
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
  if (const auto* joined = reader.find(account, "JoinedTimestamp")) {
    reader.timestamp(*joined, child_path(path, "JoinedTimestamp"));
  }
  if (const auto* paths = reader.array_field(account, "Paths", path, false)) {
    for (std::size_t i = 0; i < paths->size(); ++i)
      reader.as_string((*paths)[i], index_path(child_path(path, "Paths"), i));
  }
  return parsed;
}

}  // namespace

AccountPage parse_list_accounts(std::string_view body) {
  const JsonReader reader("organizations ListAccounts");
  const auto response = reader.parse_object(body);
  AccountPage page;
  if (const auto* accounts = reader.array_field(response, "Accounts", "", false)) {
    for (std::size_t i = 0; i < accounts->size(); ++i) {
      // A bad element costs that element only; the rest of the page stays.
      try {
        page.accounts.push_back(parse_account(reader, (*accounts)[i], index_path("Accounts", i)));
      } catch (const ParseError& error) {
        page.problems.push_back(error.what());
      }
    }
  }
  page.next_token = reader.next_token(response, "NextToken");
  return page;
}

}  // namespace mw::services::organizations
