#include "services/guardduty.hpp"

#include <boost/json/serialize.hpp>
#include <set>

#include "aws/uri.hpp"
#include "services/member_parser.hpp"
#include "services/parse_error.hpp"
#include "services/request_checks.hpp"

namespace mw::services::guardduty {
namespace {

constexpr DetailField kMemberDetail[] = {
    {"detectorId", FieldType::string},
    {"administratorId", FieldType::string},
    {"masterId", FieldType::string},
};

// relationshipStatus, as the contract's table reads it.
constexpr StatusSpelling kStatuses[] = {
    {"enabled", core::MemberStatus::ENABLED},
    {"created", core::MemberStatus::CREATED},
    {"invited", core::MemberStatus::INVITED},
    {"disabled", core::MemberStatus::DISABLED},
    {"removed", core::MemberStatus::REMOVED},
    {"resigned", core::MemberStatus::RESIGNED},
    {"emailverificationinprogress", core::MemberStatus::VERIFICATION_IN_PROGRESS},
    {"emailverificationfailed", core::MemberStatus::VERIFICATION_FAILED},
};

MembersResponseShape get_members_shape() {
  MembersResponseShape shape;
  shape.statuses = kStatuses;
  shape.members_list = "members";
  shape.member = {"accountId", "relationshipStatus", "email", "invitedAt", "updatedAt", kMemberDetail};
  shape.member.times = TimeFormat::text;  // invitedAt and updatedAt are Strings in the model
  shape.members_required = true;
  shape.unprocessed_list = "unprocessedAccounts";
  shape.unprocessed_required = true;
  shape.unprocessed = {"accountId", "result"};
  return shape;
}

ApiRequest request(std::string operation, std::string method, std::string path) {
  ApiRequest request;
  request.service = "guardduty";
  request.operation = std::move(operation);
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

// "/detector/{detectorId}" + suffix, the ID encoded ('/' too).
ApiRequest detector_request(std::string operation, std::string method, std::string_view detector_id,
                            std::string_view suffix) {
  require_non_empty("guardduty " + operation, "detectorId", detector_id, kMaxDetectorIdLength);
  return request(std::move(operation), std::move(method),
                 "/detector/" + aws::uri::encode(detector_id) + std::string(suffix));
}

// A paged GET: `page` gains ?maxResults=&nextToken=, both checked.
ApiRequest with_page(ApiRequest page, const std::optional<std::string>& next_token, int max_results) {
  const auto operation = "guardduty " + page.operation;
  require_in_range(operation, "maxResults", max_results, 1, kMaxResults);
  require_token(operation, next_token);
  page.query = {{"maxResults", std::to_string(max_results)}};
  if (next_token) page.query.emplace_back("nextToken", *next_token);
  return page;
}

}  // namespace

ApiRequest list_detectors_request(const std::optional<std::string>& next_token, int max_results) {
  return with_page(request("ListDetectors", "GET", "/detector"), next_token, max_results);
}

ApiRequest list_members_request(std::string_view detector_id, const std::optional<std::string>& next_token,
                                int max_results) {
  auto list =
      with_page(detector_request("ListMembers", "GET", detector_id, "/member"), next_token, max_results);
  list.query.emplace_back("onlyAssociated", "false");
  return list;
}

ApiRequest get_members_request(std::string_view detector_id, const std::vector<std::string>& account_ids) {
  constexpr std::string_view kOperation = "guardduty GetMembers";
  require_account_batch(kOperation, account_ids);
  auto get = detector_request("GetMembers", "POST", detector_id, "/member/get");
  get.body = boost::json::serialize(boost::json::object{{"accountIds", to_json_array(account_ids)}});
  get.content_type = "application/json";
  return get;
}

DetectorPage parse_list_detectors(std::string_view body) {
  const JsonReader reader("guardduty ListDetectors");
  const auto response = reader.parse_object(body);
  DetectorPage page;
  const auto* ids = reader.array_field(response, "detectorIds", "", true);
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const auto path = index_path("detectorIds", i);
    const auto id = reader.as_string((*ids)[i], path);
    if (id.empty() || id.size() > kMaxDetectorIdLength)
      reader.fail(path, "expected a detector ID of 1..300 characters");
    page.detector_ids.emplace_back(id);
  }
  page.next_token = reader.next_token(response, "nextToken");
  return page;
}

AccountPage parse_list_members(std::string_view body) {
  return parse_listed_accounts(JsonReader("guardduty ListMembers"), body,
                               {"members", "accountId", "nextToken"});
}

MemberPage parse_get_members(std::string_view body) {
  return parse_members_response(JsonReader("guardduty GetMembers"), body, get_members_shape());
}

ApiRequest describe_organization_configuration_request(std::string_view detector_id,
                                                       const std::optional<std::string>& next_token,
                                                       int max_results) {
  return with_page(detector_request("DescribeOrganizationConfiguration", "GET", detector_id, "/admin"),
                   next_token, max_results);
}

OrganizationPage parse_describe_organization_configuration(std::string_view body) {
  const JsonReader reader("guardduty DescribeOrganizationConfiguration");
  constexpr std::string_view kBooleans[] = {"autoEnable", "memberAccountLimitReached"};
  constexpr std::string_view kStrings[] = {"autoEnableOrganizationMembers"};
  auto page = parse_organization_page(reader, body, kBooleans, kStrings, "nextToken");
  if (const auto* features = page.detail.if_contains("features")) {
    const auto& list = reader.as_array(*features, "features");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto path = index_path("features", i);
      const auto& feature = reader.as_object(list[i], path);
      reader.required_string_view(feature, "name", path);
      reader.optional_string_view(feature, "auto_enable", path);
    }
  }
  return page;
}

std::string_view organization_auto_enable(const boost::json::object& detail,
                                          std::span<const std::string> required_features) {
  std::string_view members = kAutoEnableUnknown;
  if (const auto* mode = detail.if_contains("auto_enable_organization_members"); mode && mode->is_string()) {
    for (const auto known : {kAutoEnableAll, kAutoEnableNew, kAutoEnableNone})
      if (mode->get_string() == known) members = known;
  } else {
    members = auto_enable_from_boolean(detail, "auto_enable");
  }
  if (members != kAutoEnableAll && members != kAutoEnableNew) return members;
  // The features new members get (their autoEnable ALL or NEW); the parser checked the shape.
  std::set<std::string_view> enrolled;
  if (const auto* features = detail.if_contains("features"); features && features->is_array()) {
    for (const auto& feature : features->get_array()) {
      const auto& fields = feature.get_object();
      const auto* mode = fields.if_contains("auto_enable");
      if (mode && mode->is_string() &&
          (mode->get_string() == kAutoEnableAll || mode->get_string() == kAutoEnableNew))
        enrolled.insert(fields.at("name").get_string());
    }
  }
  for (const auto& required : required_features) {
    if (!enrolled.contains(required)) return kAutoEnablePartial;
  }
  return members;
}

bool is_not_administrator(const aws::AwsErrorInfo& error) {
  return error.code == "BadRequestException" && (contains_ignoring_case(error.message, "administrator") ||
                                                 contains_ignoring_case(error.message, "master permission"));
}

ApiRequest get_member_detectors_request(std::string_view detector_id,
                                        const std::vector<std::string>& account_ids) {
  require_account_batch("guardduty GetMemberDetectors", account_ids);
  auto get = detector_request("GetMemberDetectors", "POST", detector_id, "/member/detector/get");
  get.body = boost::json::serialize(boost::json::object{{"accountIds", to_json_array(account_ids)}});
  get.content_type = "application/json";
  return get;
}

namespace {

MemberFeaturesPage::Member parse_member_detector(const JsonReader& reader, const boost::json::value& value,
                                                 const std::string& path) {
  const auto& member = reader.as_object(value, path);
  MemberFeaturesPage::Member parsed;
  parsed.account_id = reader.account_id(member, "accountId", path);
  if (const auto* features = reader.array_field(member, "features", path, false)) {
    boost::json::object statuses;
    for (std::size_t i = 0; i < features->size(); ++i) {
      const auto feature_path = index_path(child_path(path, "features"), i);
      const auto& feature = reader.as_object((*features)[i], feature_path);
      const auto name = reader.required_string_view(feature, "name", feature_path);
      statuses[name] = reader.optional_string_view(feature, "status", feature_path).value_or("");
    }
    parsed.detail["features"] = std::move(statuses);
  }
  if (const auto* sources = reader.find(member, "dataSources")) {
    parsed.detail["data_sources"] =
        snake_case_keys(reader.as_object(*sources, child_path(path, "dataSources")));
  }
  return parsed;
}

}  // namespace

MemberFeaturesPage parse_get_member_detectors(std::string_view body) {
  const JsonReader reader("guardduty GetMemberDetectors");
  const auto response = reader.parse_object(body);
  MemberFeaturesPage page;
  // A member left out keeps its features unknown.
  read_each_element(reader, response, "members", false, page.problems,
                    [&](const boost::json::value& member, const std::string& path) {
                      page.members.push_back(parse_member_detector(reader, member, path));
                    });
  read_each_element(
      reader, response, "unprocessedAccounts", false, page.problems,
      [&](const boost::json::value& element, const std::string& path) {
        const auto& account = reader.as_object(element, path);
        page.unprocessed.push_back({reader.account_id(account, "accountId", path),
                                    reader.optional_string(account, "result", path).value_or("")});
      });
  return page;
}

const ServiceDescriptor& descriptor() {
  static const ServiceDescriptor kDescriptor{
      core::Service::guardduty,
      aws::Service::guardduty,
      kStatuses,
      Discovery{
          "ListDetectors", "NoDetector", "GuardDuty detector",
          [](const std::optional<std::string>& next_token) { return list_detectors_request(next_token); },
          [](std::string_view body) {
            auto page = parse_list_detectors(body);
            return DiscoveryPage{std::move(page.detector_ids), std::move(page.next_token), {}};
          }},
      [](const std::optional<std::string>& detector_id, const std::optional<std::string>& next_token) {
        return list_members_request(require_resource("guardduty ListMembers", detector_id), next_token);
      },
      parse_list_members,
      [](const std::optional<std::string>& detector_id, const std::vector<std::string>& account_ids) {
        return get_members_request(require_resource("guardduty GetMembers", detector_id), account_ids);
      },
      parse_get_members,
      OrganizationConfigurationCalls{
          [](const std::optional<std::string>& detector_id, const std::optional<std::string>& next_token) {
            return describe_organization_configuration_request(
                require_resource("guardduty DescribeOrganizationConfiguration", detector_id), next_token);
          },
          parse_describe_organization_configuration, organization_auto_enable, is_not_administrator},
      MemberFeatureCalls{
          "GetMemberDetectors", kMaxGetMembersBatch,
          [](const std::optional<std::string>& detector_id, const std::vector<std::string>& account_ids) {
            return get_member_detectors_request(require_resource("guardduty GetMemberDetectors", detector_id),
                                                account_ids);
          },
          parse_get_member_detectors},
  };
  return kDescriptor;
}

}  // namespace mw::services::guardduty
