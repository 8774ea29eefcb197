#include "services/guardduty.hpp"

#include <boost/json/serialize.hpp>

#include "aws/uri.hpp"
#include "services/member_parser.hpp"
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

}  // namespace

ApiRequest list_detectors_request(const std::optional<std::string>& next_token, int max_results) {
  require_in_range("guardduty ListDetectors", "maxResults", max_results, 1, kMaxResults);
  require_token("guardduty ListDetectors", next_token);
  auto list = request("ListDetectors", "GET", "/detector");
  list.query = {{"maxResults", std::to_string(max_results)}};
  if (next_token) list.query.emplace_back("nextToken", *next_token);
  return list;
}

ApiRequest list_members_request(std::string_view detector_id, const std::optional<std::string>& next_token,
                                int max_results) {
  constexpr std::string_view kOperation = "guardduty ListMembers";
  require_in_range(kOperation, "maxResults", max_results, 1, kMaxResults);
  require_token(kOperation, next_token);
  auto list = detector_request("ListMembers", "GET", detector_id, "/member");
  list.query = {{"maxResults", std::to_string(max_results)}};
  if (next_token) list.query.emplace_back("nextToken", *next_token);
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
  };
  return kDescriptor;
}

}  // namespace mw::services::guardduty
