#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/securityhub.hpp"
#include "services/service_descriptor.hpp"

using namespace mw::services;
using mw::core::MemberStatus;
using mw::core::Service;

namespace {

struct StatusCase {
  Service service;
  std::string raw;
  MemberStatus expected;
};

}  // namespace

TEST_CASE("normalize_status follows the contract's table, ignoring case and underscores") {
  const std::vector<StatusCase> cases = {
      // Security Hub
      {Service::securityhub, "Enabled", MemberStatus::ENABLED},
      {Service::securityhub, "ENABLED", MemberStatus::ENABLED},
      {Service::securityhub, "enabled", MemberStatus::ENABLED},
      {Service::securityhub, "Created", MemberStatus::CREATED},
      {Service::securityhub, "Invited", MemberStatus::INVITED},
      {Service::securityhub, "Removed", MemberStatus::REMOVED},
      {Service::securityhub, "Resigned", MemberStatus::RESIGNED},
      {Service::securityhub, "Deleted", MemberStatus::DELETED},
      {Service::securityhub, "AccountSuspended", MemberStatus::SUSPENDED},
      {Service::securityhub, "ACCOUNT_SUSPENDED", MemberStatus::SUSPENDED},
      {Service::securityhub, "Disabled", MemberStatus::UNKNOWN},
      {Service::securityhub, "EmailVerificationInProgress", MemberStatus::UNKNOWN},
      {Service::securityhub, "VERIFICATION_FAILED", MemberStatus::UNKNOWN},
      {Service::securityhub, "Suspended", MemberStatus::UNKNOWN},
      // GuardDuty
      {Service::guardduty, "Enabled", MemberStatus::ENABLED},
      {Service::guardduty, "Created", MemberStatus::CREATED},
      {Service::guardduty, "INVITED", MemberStatus::INVITED},
      {Service::guardduty, "Disabled", MemberStatus::DISABLED},
      {Service::guardduty, "Removed", MemberStatus::REMOVED},
      {Service::guardduty, "Resigned", MemberStatus::RESIGNED},
      {Service::guardduty, "EmailVerificationInProgress", MemberStatus::VERIFICATION_IN_PROGRESS},
      {Service::guardduty, "EMAILVERIFICATIONINPROGRESS", MemberStatus::VERIFICATION_IN_PROGRESS},
      {Service::guardduty, "Email_Verification_In_Progress", MemberStatus::VERIFICATION_IN_PROGRESS},
      {Service::guardduty, "EmailVerificationFailed", MemberStatus::VERIFICATION_FAILED},
      {Service::guardduty, "Deleted", MemberStatus::UNKNOWN},
      {Service::guardduty, "AccountSuspended", MemberStatus::UNKNOWN},
      {Service::guardduty, "VERIFICATION_IN_PROGRESS", MemberStatus::UNKNOWN},
      {Service::guardduty, "Monitored", MemberStatus::UNKNOWN},  // the GuardDuty page's own example
      // Detective
      {Service::detective, "ENABLED", MemberStatus::ENABLED},
      {Service::detective, "Enabled", MemberStatus::ENABLED},
      {Service::detective, "INVITED", MemberStatus::INVITED},
      {Service::detective, "ACCEPTED_BUT_DISABLED", MemberStatus::DISABLED},
      {Service::detective, "AcceptedButDisabled", MemberStatus::DISABLED},
      {Service::detective, "VERIFICATION_IN_PROGRESS", MemberStatus::VERIFICATION_IN_PROGRESS},
      {Service::detective, "VERIFICATION_FAILED", MemberStatus::VERIFICATION_FAILED},
      {Service::detective, "Created", MemberStatus::UNKNOWN},
      {Service::detective, "DISABLED", MemberStatus::UNKNOWN},
      {Service::detective, "REMOVED", MemberStatus::UNKNOWN},
      {Service::detective, "EmailVerificationFailed", MemberStatus::UNKNOWN},
      // Never statuses
      {Service::detective, "", MemberStatus::UNKNOWN},
      {Service::guardduty, "___", MemberStatus::UNKNOWN},
      {Service::securityhub, " Enabled", MemberStatus::UNKNOWN},
      {Service::securityhub, "NOT_MEMBER", MemberStatus::UNKNOWN},
      {Service::guardduty, "Enabled\xff", MemberStatus::UNKNOWN},
  };
  for (const auto& c : cases) {
    CAPTURE(c.raw);
    CAPTURE(to_string(c.service));
    CHECK(normalize_status(descriptor(c.service).statuses, c.raw) == c.expected);
  }
}

TEST_CASE("every service has one registered descriptor: its endpoint and its discovery step") {
  CHECK(descriptor(Service::securityhub).service == Service::securityhub);
  CHECK(descriptor(Service::securityhub).endpoint == mw::aws::Service::securityhub);
  CHECK_FALSE(descriptor(Service::securityhub).discovery.has_value());
  CHECK(descriptor(Service::guardduty).service == Service::guardduty);
  CHECK(descriptor(Service::guardduty).endpoint == mw::aws::Service::guardduty);
  REQUIRE(descriptor(Service::guardduty).discovery.has_value());
  CHECK(descriptor(Service::guardduty).discovery->operation == "ListDetectors");
  CHECK(descriptor(Service::detective).service == Service::detective);
  CHECK(descriptor(Service::detective).endpoint == mw::aws::Service::detective);
  REQUIRE(descriptor(Service::detective).discovery.has_value());
  CHECK(descriptor(Service::detective).discovery->missing_code == "NoBehaviorGraph");
  for (const auto service : {Service::inspector2, Service::macie2}) {
    CAPTURE(mw::core::to_string(service));
    CHECK(descriptor(service).service == service);
    CHECK_FALSE(descriptor(service).discovery.has_value());
    // No batch GetMembers: the full listing is the answer.
    const bool without_get_members = descriptor(service).get_members_request == nullptr &&
                                     descriptor(service).parse_get_members == nullptr;
    CHECK(without_get_members);
    CHECK(descriptor(service).organization.has_value());
  }
  CHECK(descriptor(Service::inspector2).endpoint == mw::aws::Service::inspector2);
  CHECK(descriptor(Service::macie2).endpoint == mw::aws::Service::macie2);
  REQUIRE(descriptor(Service::inspector2).member_features.has_value());
  CHECK(descriptor(Service::inspector2).member_features->operation == "BatchGetAccountStatus");
  CHECK(descriptor(Service::inspector2).member_features->batch_size == 100);
  CHECK(descriptor(Service::guardduty).member_features->batch_size == 50);
  CHECK_FALSE(descriptor(Service::macie2).member_features.has_value());
  // Every service of the model has one.
  for (std::size_t i = 0; i < mw::core::kServiceCount; ++i)
    CHECK(descriptor(static_cast<Service>(i)).service == static_cast<Service>(i));
}

TEST_CASE("a descriptor's operations are its service's, with the resource where one is needed") {
  const std::vector<std::string> accounts{"222222222222"};
  CHECK(descriptor(Service::securityhub).list_members_request(std::nullopt, std::nullopt).path == "/members");
  CHECK(descriptor(Service::securityhub).get_members_request(std::nullopt, accounts).path == "/members/get");
  CHECK(descriptor(Service::guardduty).list_members_request("d1", std::nullopt).path ==
        "/detector/d1/member");
  CHECK(descriptor(Service::guardduty).get_members_request("d1", accounts).path == "/detector/d1/member/get");
  CHECK(descriptor(Service::detective).get_members_request("arn:g", accounts).body.find("arn:g") !=
        std::string::npos);
  // Without the resource the request is a poller bug, named.
  CHECK_THROWS_WITH_AS(descriptor(Service::guardduty).get_members_request(std::nullopt, accounts),
                       "guardduty GetMembers: the source's resource is required", std::invalid_argument);
  CHECK_THROWS_AS(descriptor(Service::detective).list_members_request(std::nullopt, std::nullopt),
                  std::invalid_argument);
  const auto discovered =
      descriptor(Service::detective)
          .discovery->parse(
              R"({"GraphList":[{"Arn":"arn:aws:detective:us-east-1:111111111111:graph:a"},{"CreatedTime":1}]})");
  CHECK(discovered.resources == std::vector<std::string>{"arn:aws:detective:us-east-1:111111111111:graph:a"});
  CHECK(discovered.problems.size() == 1);
  CHECK(descriptor(Service::guardduty)
            .discovery->parse(R"({"detectorIds":["d1","d2"],"nextToken":"n"})")
            .resources == std::vector<std::string>{"d1", "d2"});
}
