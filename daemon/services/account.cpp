#include "services/account.hpp"

#include <array>
#include <boost/json/serialize.hpp>

#include "common/strings.hpp"
#include "services/json_reader.hpp"
#include "services/request_checks.hpp"

namespace mw::services::account {
namespace {

constexpr std::array<std::string_view, 5> kOptStatuses = {"ENABLED", "ENABLING", "DISABLING", "DISABLED",
                                                          "ENABLED_BY_DEFAULT"};

}  // namespace

bool is_enabled(std::string_view opt_status) {
  return opt_status == "ENABLED" || opt_status == "ENABLED_BY_DEFAULT";
}

ApiRequest list_regions_request(const std::optional<std::string>& next_token, int max_results) {
  constexpr std::string_view kOperation = "account ListRegions";
  require_in_range(kOperation, "MaxResults", max_results, 1, kMaxResults);
  require_token(kOperation, next_token);
  boost::json::object body{{"MaxResults", max_results},
                           {"RegionOptStatusContains", boost::json::array{"ENABLED", "ENABLED_BY_DEFAULT"}}};
  if (next_token) body["NextToken"] = *next_token;
  ApiRequest request;
  request.service = "account";
  request.operation = "ListRegions";
  request.method = "POST";
  request.path = "/listRegions";
  request.body = boost::json::serialize(body);
  request.content_type = "application/json";
  return request;
}

RegionPage parse_list_regions(std::string_view body) {
  const JsonReader reader("account ListRegions");
  const auto response = reader.parse_object(body);
  RegionPage page;
  if (const auto* regions = reader.array_field(response, "Regions", "", false)) {
    for (std::size_t i = 0; i < regions->size(); ++i) {
      const auto path = index_path("Regions", i);
      const auto& region = reader.as_object((*regions)[i], path);
      Region parsed;
      parsed.name = reader.required_string(region, "RegionName", path);
      if (!is_region_name(parsed.name)) {
        reader.fail(child_path(path, "RegionName"), "\"" + parsed.name + "\" is not an AWS region name");
      }
      parsed.opt_status = reader.required_string(region, "RegionOptStatus", path);
      if (std::find(kOptStatuses.begin(), kOptStatuses.end(), parsed.opt_status) == kOptStatuses.end()) {
        reader.fail(child_path(path, "RegionOptStatus"), "unknown opt status \"" + parsed.opt_status + "\"");
      }
      page.regions.push_back(std::move(parsed));
    }
  }
  page.next_token = reader.next_token(response, "NextToken");
  return page;
}

}  // namespace mw::services::account
