#include "services/detective.hpp"

#include <boost/json/serialize.hpp>

#include "services/member_parser.hpp"
#include "services/parse_error.hpp"
#include "services/request_checks.hpp"

namespace mw::services::detective {
namespace {

constexpr std::size_t kMaxGraphArnLength = 2048;  // far above real ARNs; keeps requests bounded
constexpr std::size_t kMaxTokenLength = 1024;

constexpr DetailField kPackageUsage[] = {
    {"VolumeUsageInBytes", FieldType::integer},
    {"VolumeUsageUpdateTime", FieldType::timestamp},
};

constexpr DetailField kMemberDetail[] = {
    {"GraphArn", FieldType::string},
    {"AdministratorId", FieldType::string},
    {"MasterId", FieldType::string},
    {"DisabledReason", FieldType::string},
    {"InvitationType", FieldType::string},
    {"VolumeUsageInBytes", FieldType::integer},
    {"VolumeUsageUpdatedTime", FieldType::timestamp},
    {"PercentOfGraphUtilization", FieldType::number},
    {"PercentOfGraphUtilizationUpdatedTime", FieldType::timestamp},
    {"VolumeUsageByDatasourcePackage", FieldType::structure_map, kPackageUsage},
    {"DatasourcePackageIngestStates", FieldType::string_map},
};

// Status, as the contract's table reads it.
constexpr StatusSpelling kStatuses[] = {
    {"enabled", core::MemberStatus::ENABLED},
    {"invited", core::MemberStatus::INVITED},
    {"acceptedbutdisabled", core::MemberStatus::DISABLED},
    {"verificationinprogress", core::MemberStatus::VERIFICATION_IN_PROGRESS},
    {"verificationfailed", core::MemberStatus::VERIFICATION_FAILED},
};

MembersResponseShape get_members_shape() {
  MembersResponseShape shape;
  shape.statuses = kStatuses;
  shape.members_list = "MemberDetails";
  shape.member = {"AccountId", "Status", "EmailAddress", "InvitedTime", "UpdatedTime", kMemberDetail};
  shape.unprocessed_list = "UnprocessedAccounts";
  shape.unprocessed = {"AccountId", "Reason"};
  return shape;
}

ApiRequest post(std::string operation, std::string path, const boost::json::object& body) {
  ApiRequest request;
  request.service = "detective";
  request.operation = std::move(operation);
  request.method = "POST";
  request.path = std::move(path);
  request.body = boost::json::serialize(body);
  request.content_type = "application/json";
  return request;
}

void check_page_inputs(std::string_view operation, const std::optional<std::string>& next_token,
                       int max_results) {
  require_in_range(operation, "MaxResults", max_results, 1, kMaxResults);
  require_token(operation, next_token);
  if (next_token) require_non_empty(operation, "NextToken", *next_token, kMaxTokenLength);
}

}  // namespace

ApiRequest list_graphs_request(const std::optional<std::string>& next_token, int max_results) {
  check_page_inputs("detective ListGraphs", next_token, max_results);
  boost::json::object body{{"MaxResults", max_results}};
  if (next_token) body["NextToken"] = *next_token;
  return post("ListGraphs", "/graphs/list", body);
}

ApiRequest list_members_request(std::string_view graph_arn, const std::optional<std::string>& next_token,
                                int max_results) {
  constexpr std::string_view kOperation = "detective ListMembers";
  check_page_inputs(kOperation, next_token, max_results);
  require_non_empty(kOperation, "GraphArn", graph_arn, kMaxGraphArnLength);
  boost::json::object body{{"GraphArn", graph_arn}, {"MaxResults", max_results}};
  if (next_token) body["NextToken"] = *next_token;
  return post("ListMembers", "/graph/members/list", body);
}

ApiRequest get_members_request(std::string_view graph_arn, const std::vector<std::string>& account_ids) {
  constexpr std::string_view kOperation = "detective GetMembers";
  require_non_empty(kOperation, "GraphArn", graph_arn, kMaxGraphArnLength);
  require_account_batch(kOperation, account_ids);
  return post("GetMembers", "/graph/members/get",
              boost::json::object{{"GraphArn", graph_arn}, {"AccountIds", to_json_array(account_ids)}});
}

namespace {

Graph parse_graph(const JsonReader& reader, const boost::json::value& value, const std::string& path) {
  const auto& graph = reader.as_object(value, path);
  Graph parsed{reader.required_string(graph, "Arn", path), {}};
  if (parsed.arn.empty()) reader.fail(child_path(path, "Arn"), "empty");
  if (const auto* created = reader.find(graph, "CreatedTime")) {
    parsed.created_at = reader.timestamp(*created, child_path(path, "CreatedTime"));
  }
  return parsed;
}

}  // namespace

GraphPage parse_list_graphs(std::string_view body) {
  const JsonReader reader("detective ListGraphs");
  const auto response = reader.parse_object(body);
  GraphPage page;
  // Arn is optional in the model: a graph without one (or a bad graph) costs that graph only.
  read_each_element(reader, response, "GraphList", false, page.problems,
                    [&](const boost::json::value& graph, const std::string& path) {
                      page.graphs.push_back(parse_graph(reader, graph, path));
                    });
  page.next_token = reader.next_token(response, "NextToken");
  return page;
}

AccountPage parse_list_members(std::string_view body) {
  return parse_listed_accounts(JsonReader("detective ListMembers"), body,
                               {"MemberDetails", "AccountId", "NextToken"});
}

MemberPage parse_get_members(std::string_view body) {
  return parse_members_response(JsonReader("detective GetMembers"), body, get_members_shape());
}

ApiRequest describe_organization_configuration_request(std::string_view graph_arn) {
  require_non_empty("detective DescribeOrganizationConfiguration", "GraphArn", graph_arn, kMaxGraphArnLength);
  return post("DescribeOrganizationConfiguration", "/orgs/describeOrganizationConfiguration",
              boost::json::object{{"GraphArn", graph_arn}});
}

OrganizationPage parse_describe_organization_configuration(std::string_view body) {
  constexpr std::string_view kBooleans[] = {"AutoEnable"};
  return parse_organization_page(JsonReader("detective DescribeOrganizationConfiguration"), body, kBooleans,
                                 {}, "");
}

std::string_view organization_auto_enable(const boost::json::object& detail) {
  return auto_enable_from_boolean(detail, "auto_enable");
}

bool is_not_administrator(const aws::AwsErrorInfo& error) {
  return is_access_denied_by_service(error);
}

const ServiceDescriptor& descriptor() {
  static const ServiceDescriptor kDescriptor{
      core::Service::detective,
      aws::Service::detective,
      kStatuses,
      Discovery{"ListGraphs", "NoBehaviorGraph", "Detective behavior graph",
                [](const std::optional<std::string>& next_token) { return list_graphs_request(next_token); },
                [](std::string_view body) {
                  auto page = parse_list_graphs(body);
                  DiscoveryPage discovery{{}, std::move(page.next_token), std::move(page.problems)};
                  for (auto& graph : page.graphs) discovery.resources.push_back(std::move(graph.arn));
                  return discovery;
                }},
      [](const std::optional<std::string>& graph_arn, const std::optional<std::string>& next_token) {
        return list_members_request(require_resource("detective ListMembers", graph_arn), next_token);
      },
      parse_list_members,
      [](const std::optional<std::string>& graph_arn, const std::vector<std::string>& account_ids) {
        return get_members_request(require_resource("detective GetMembers", graph_arn), account_ids);
      },
      parse_get_members,
      OrganizationConfigurationCalls{
          [](const std::optional<std::string>& graph_arn, const std::optional<std::string>&) {
            return describe_organization_configuration_request(
                require_resource("detective DescribeOrganizationConfiguration", graph_arn));
          },
          parse_describe_organization_configuration,
          [](const boost::json::object& detail, std::span<const std::string>) {
            return organization_auto_enable(detail);
          },
          is_not_administrator},
      std::nullopt,  // no per-member features
  };
  return kDescriptor;
}

}  // namespace mw::services::detective
