#include "services/organizations.hpp"

#include <boost/json/serialize.hpp>

#include "services/json_reader.hpp"
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

AccountPage parse_list_accounts(std::string_view body) {
  const JsonReader reader("organizations ListAccounts");
  const auto response = reader.parse_object(body);
  AccountPage page;
  if (const auto* accounts = reader.array_field(response, "Accounts", "", false)) {
    for (std::size_t i = 0; i < accounts->size(); ++i) {
      const auto path = index_path("Accounts", i);
      const auto& account = reader.as_object((*accounts)[i], path);
      core::OrganizationAccount parsed;
      parsed.account_id = reader.account_id(account, "Id", path);
      parsed.status = reader.required_string(account, "Status", path);
      parsed.name = reader.optional_string(account, "Name", path).value_or("");
      for (const std::string_view text_field : {"Arn", "Email", "JoinedMethod"}) {
        reader.optional_string(account, text_field, path);
      }
      if (const auto* joined = reader.find(account, "JoinedTimestamp")) {
        reader.timestamp(*joined, child_path(path, "JoinedTimestamp"));
      }
      page.accounts.push_back(std::move(parsed));
    }
  }
  page.next_token = reader.next_token(response, "NextToken");
  return page;
}

}  // namespace mw::services::organizations
