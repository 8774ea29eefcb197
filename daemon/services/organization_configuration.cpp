#include "services/organization_configuration.hpp"

#include <algorithm>
#include <cctype>

namespace mw::services {

boost::json::value snake_case_keys(const boost::json::value& value) {
  if (const auto* object = value.if_object()) {
    boost::json::object converted;
    for (const auto& [key, member] : *object) converted[to_snake_case(key)] = snake_case_keys(member);
    return converted;
  }
  if (const auto* array = value.if_array()) {
    boost::json::array converted;
    for (const auto& element : *array) converted.push_back(snake_case_keys(element));
    return converted;
  }
  return value;
}

OrganizationPage parse_organization_page(const JsonReader& reader, std::string_view body,
                                         std::span<const std::string_view> boolean_fields,
                                         std::span<const std::string_view> string_fields,
                                         std::string_view next_token_key) {
  const auto response = reader.parse_object(body);
  for (const auto field : boolean_fields) {
    const auto* value = reader.find(response, field);
    if (value && !value->is_bool()) reader.fail(std::string(field), "expected a boolean");
  }
  for (const auto field : string_fields) reader.optional_string(response, field, "");
  OrganizationPage page;
  for (const auto& [key, value] : response.object()) {
    if (key == next_token_key || value.is_null()) continue;
    page.detail[to_snake_case(key)] = snake_case_keys(value);
  }
  if (!next_token_key.empty()) page.next_token = reader.next_token(response, next_token_key);
  return page;
}

std::string_view auto_enable_from_boolean(const boost::json::object& detail, std::string_view key) {
  const auto* value = detail.if_contains(key);
  if (!value || !value->is_bool()) return kAutoEnableUnknown;
  return value->get_bool() ? kAutoEnableNew : kAutoEnableNone;
}

bool is_access_denied_by_service(const aws::AwsErrorInfo& error) {
  return error.code == "AccessDeniedException" &&
         !contains_ignoring_case(error.message, "is not authorized to perform");
}

bool contains_ignoring_case(std::string_view text, std::string_view part) {
  const auto lower = [](unsigned char c) { return std::tolower(c); };
  return std::search(text.begin(), text.end(), part.begin(), part.end(), [&](char a, char b) {
           return lower(static_cast<unsigned char>(a)) == lower(static_cast<unsigned char>(b));
         }) != text.end();
}

}  // namespace mw::services
