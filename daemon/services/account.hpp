#pragma once

// AWS Account (rest-json): ListRegions, the regions enabled in the calling
// account. A global API, signed for us-east-1 in the aws partition.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/api_request.hpp"

namespace mw::services::account {

inline constexpr int kMaxResults = 50;  // the model's maximum

struct Region {
  std::string name;        // "eu-south-1"
  std::string opt_status;  // ENABLED, ENABLING, DISABLING, DISABLED or ENABLED_BY_DEFAULT
};

struct RegionPage {
  std::vector<Region> regions;
  std::optional<std::string> next_token;
};

// Whether a region of that opt status runs services for the account.
bool is_enabled(std::string_view opt_status);

// POST /listRegions with {"MaxResults": n, "RegionOptStatusContains":
// ["ENABLED", "ENABLED_BY_DEFAULT"][, "NextToken": t]}: the enabled regions.
ApiRequest list_regions_request(const std::optional<std::string>& next_token, int max_results = kMaxResults);

// Regions[] (RegionName a region name, RegionOptStatus one of the model's
// five values) and NextToken. Anything else throws ParseError naming the
// path: the administrator's regions come from this, so a page that cannot
// be trusted whole is not used at all.
RegionPage parse_list_regions(std::string_view body);

}  // namespace mw::services::account
