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
