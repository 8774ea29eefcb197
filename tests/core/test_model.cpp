#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/model.hpp"

using namespace mw::core;

TEST_CASE("services, statuses and source states round-trip through their names") {
  for (const auto service : {Service::securityhub, Service::guardduty, Service::detective}) {
    CHECK(parse_service(to_string(service)) == service);
  }
  CHECK(to_string(Service::detective) == "detective");
  CHECK_FALSE(parse_service("Detective").has_value());
  CHECK_FALSE(parse_service("organizations").has_value());
  CHECK_FALSE(parse_service("").has_value());

  for (int i = 0; i <= static_cast<int>(MemberStatus::UNKNOWN); ++i) {
    const auto status = static_cast<MemberStatus>(i);
    CHECK(parse_member_status(to_string(status)) == status);
  }
  CHECK(to_string(MemberStatus::VERIFICATION_IN_PROGRESS) == "VERIFICATION_IN_PROGRESS");
  CHECK_FALSE(parse_member_status("enabled").has_value());
  CHECK_FALSE(parse_member_status("Enabled").has_value());

  for (const auto state : {SourceState::ok, SourceState::stale, SourceState::error}) {
    CHECK(parse_source_state(to_string(state)) == state);
  }
  CHECK(to_string(SourceState::stale) == "stale");
  CHECK_FALSE(parse_source_state("OK").has_value());
}

struct StatusCase {
  Service service;
  std::string raw;
  MemberStatus expected;
};

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
    CHECK(normalize_status(c.service, c.raw) == c.expected);
  }
}
