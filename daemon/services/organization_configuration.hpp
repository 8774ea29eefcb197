#pragma once

// DescribeOrganizationConfiguration, the part every service shares: its
// answer as a snake_case detail, what "auto-enable" means once normalized,
// and the service's way of saying "you are not the organization's
// administrator here". Each service's file (securityhub.cpp, guardduty.cpp,
// detective.cpp) builds its request and reads its own fields.

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "aws/aws_error.hpp"
#include "services/api_request.hpp"
#include "services/json_reader.hpp"

namespace mw::services {

// The contract's `organization.auto_enable` values.
inline constexpr std::string_view kAutoEnableAll = "ALL";  // existing and new accounts
inline constexpr std::string_view kAutoEnableNew = "NEW";  // accounts that join from now on
inline constexpr std::string_view kAutoEnablePartial =
    "PARTIAL";  // GuardDuty: a required feature is not auto-enabled
inline constexpr std::string_view kAutoEnableNone = "NONE";
inline constexpr std::string_view kAutoEnableCentral = "CENTRAL";  // Security Hub central configuration
inline constexpr std::string_view kAutoEnableUnknown =
    "UNKNOWN";  // absent or a value the model does not have

// One page of DescribeOrganizationConfiguration: every field of the answer
// with snake_case keys (values as they came: feature names are values), and
// the token of the next page (GuardDuty pages its features).
struct OrganizationPage {
  boost::json::object detail;
  std::optional<std::string> next_token;
};

struct OrganizationConfigurationCalls {
  // `resource`: the detector ID or graph ARN (nullopt for Security Hub).
  ApiRequest (*request)(const std::optional<std::string>& resource,
                        const std::optional<std::string>& next_token);
  // Throws ParseError for a body that is not the operation's shape (a
  // wrong type of a field the normalization reads included).
  OrganizationPage (*parse)(std::string_view body);
  // The normalized auto_enable of the whole answer (every page's features
  // appended to the first page's). `required_features`: guardduty.required_features.
  std::string_view (*auto_enable)(const boost::json::object& detail,
                                  std::span<const std::string> required_features);
  // Whether this failure is the service saying that the caller is not the
  // organization's administrator in that region (not an error of the source).
  bool (*not_administrator)(const aws::AwsErrorInfo& error);
};

// `value` with every object key in snake_case, at every depth.
boost::json::value snake_case_keys(const boost::json::value& value);

// Reads one page: the body as an object, the `boolean_fields` and
// `string_fields` (top level, by wire name) checked for their types, the
// token under `next_token_key` ("" when the operation has none) taken out.
OrganizationPage parse_organization_page(const JsonReader& reader, std::string_view body,
                                         std::span<const std::string_view> boolean_fields,
                                         std::span<const std::string_view> string_fields,
                                         std::string_view next_token_key);

// A boolean AutoEnable (snake_case key `key`) as NEW (true: the service
// enrolls accounts that join later), NONE, or UNKNOWN when absent.
std::string_view auto_enable_from_boolean(const boost::json::object& detail, std::string_view key);

// The rule of the services that tell "not the organization's
// administrator" only as an AccessDeniedException (Detective, Inspector,
// Macie): one that is not IAM's "... is not authorized to perform ...".
bool is_access_denied_by_service(const aws::AwsErrorInfo& error);

// Case-insensitive substring test, for the services that tell "not the
// administrator" only in the message.
bool contains_ignoring_case(std::string_view text, std::string_view part);

}  // namespace mw::services
