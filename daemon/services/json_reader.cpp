#include "services/json_reader.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>

#include "common/strings.hpp"
#include "core/json_text.hpp"
#include "core/timestamps.hpp"
#include "services/parse_error.hpp"

namespace mw::services {
namespace {

std::string kind_of(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "unknown";
}

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 64;
  std::string shown(text.substr(0, kShown));
  if (text.size() > kShown) shown += "...";
  return boost::json::serialize(boost::json::value(shown));
}

}  // namespace

ParseError::ParseError(std::string operation, std::string path, std::string problem)
    : std::runtime_error(operation + ": " + (path.empty() ? "" : path + ": ") + problem),
      operation_(std::move(operation)),
      path_(std::move(path)),
      problem_(std::move(problem)) {}

std::string to_snake_case(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (is_upper(c)) {
      const bool after_word = i > 0 && is_lower_or_digit(name[i - 1]);
      const bool ends_acronym =
          i > 0 && is_upper(name[i - 1]) && i + 1 < name.size() && is_lower_or_digit(name[i + 1]);
      if ((after_word || ends_acronym) && !out.empty() && out.back() != '_') out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::string child_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

void JsonReader::fail(const std::string& path, const std::string& problem) const {
  throw ParseError(operation_, path, problem);
}

ParsedObject::ParsedObject(const JsonReader& reader, std::string_view body) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code error;
  try {
    value_ = boost::json::parse(body, error, {}, options);
  } catch (const std::exception& exception) {
    reader.fail("", std::string("malformed JSON: ") + exception.what());
  }
  if (error) reader.fail("", "malformed JSON: " + error.message());
  if (!value_.is_object()) reader.fail("", "expected a JSON object, got " + kind_of(value_));
}

ParsedObject JsonReader::parse_object(std::string_view body) const {
  return ParsedObject(*this, body);
}

const boost::json::object& JsonReader::as_object(const boost::json::value& value,
                                                 const std::string& path) const {
  if (!value.is_object()) fail(path, "expected an object, got " + kind_of(value));
  return value.as_object();
}

const boost::json::array& JsonReader::as_array(const boost::json::value& value,
                                               const std::string& path) const {
  if (!value.is_array()) fail(path, "expected an array, got " + kind_of(value));
  return value.as_array();
}

const std::string_view JsonReader::as_string(const boost::json::value& value, const std::string& path) const {
  if (!value.is_string()) fail(path, "expected a string, got " + kind_of(value));
  return value.as_string();
}

const boost::json::value* JsonReader::find(const boost::json::object& object, std::string_view key) const {
  const auto* value = object.if_contains(key);
  return value && !value->is_null() ? value : nullptr;
}

std::optional<std::string_view> JsonReader::optional_string_view(const boost::json::object& object,
                                                                 std::string_view key,
                                                                 const std::string& path) const {
  const auto* value = find(object, key);
  if (!value) return std::nullopt;
  // The path is built only for the error: this runs for every field of every record.
  if (!value->is_string()) fail(child_path(path, key), "expected a string, got " + kind_of(*value));
  return std::string_view(value->get_string());
}

std::optional<std::string> JsonReader::optional_string(const boost::json::object& object,
                                                       std::string_view key, const std::string& path) const {
  const auto text = optional_string_view(object, key, path);
  return text ? std::optional<std::string>(*text) : std::nullopt;
}

core::Rfc3339Time JsonReader::timestamp_field(const boost::json::object& object, std::string_view key,
                                              const std::string& path) const {
  const auto* value = find(object, key);
  if (!value) return {};
  const auto time = value->is_string() ? core::parse_iso8601_time(value->get_string()) : std::nullopt;
  return time ? *time : timestamp(*value, child_path(path, key));
}

std::string_view JsonReader::required_string_view(const boost::json::object& object, std::string_view key,
                                                  const std::string& path) const {
  const auto text = optional_string_view(object, key, path);
  if (!text) fail(child_path(path, key), "missing");
  return *text;
}

std::string JsonReader::required_string(const boost::json::object& object, std::string_view key,
                                        const std::string& path) const {
  return std::string(required_string_view(object, key, path));
}

std::string JsonReader::account_id(const boost::json::object& object, std::string_view key,
                                   const std::string& path) const {
  auto id = required_string(object, key, path);
  if (!mw::is_account_id(id))
    fail(child_path(path, key), "expected a 12-digit account ID, got " + quoted(id));
  return id;
}

const boost::json::array* JsonReader::array_field(const boost::json::object& object, std::string_view key,
                                                  const std::string& path, bool required) const {
  const auto* value = find(object, key);
  if (!value) {
    if (required) fail(child_path(path, key), "missing");
    return nullptr;
  }
  return &as_array(*value, child_path(path, key));
}

std::optional<std::string> JsonReader::next_token(const boost::json::object& object,
                                                  std::string_view key) const {
  auto token = optional_string(object, key, "");
  if (token && token->empty()) return std::nullopt;
  return token;
}

core::Rfc3339Time JsonReader::timestamp(const boost::json::value& value, const std::string& path) const {
  if (value.is_null()) return {};
  if (value.is_string()) {
    const auto time = core::parse_iso8601_time(value.as_string());
    if (!time) fail(path, "expected an ISO 8601 date-time, got " + quoted(value.as_string()));
    return *time;
  }
  if (value.is_number()) {
    const auto time = core::time_from_epoch_seconds(value.to_number<double>());
    if (!time) fail(path, "epoch seconds out of range: " + boost::json::serialize(value));
    return *time;
  }
  fail(path, "expected a timestamp (string or number), got " + kind_of(value));
}

std::int64_t JsonReader::integer(const boost::json::value& value, const std::string& path) const {
  if (value.is_int64()) return value.as_int64();
  if (value.is_uint64()) {
    if (value.as_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(path, "integer out of range: " + boost::json::serialize(value));
    }
    return static_cast<std::int64_t>(value.as_uint64());
  }
  if (value.is_double()) {
    const double number = value.as_double();
    constexpr double kExact = 9007199254740992.0;  // 2^53: beyond it doubles skip integers
    if (!std::isfinite(number) || std::trunc(number) != number || std::fabs(number) > kExact) {
      fail(path, "expected an integer, got " + boost::json::serialize(value));
    }
    return static_cast<std::int64_t>(number);
  }
  fail(path, "expected an integer, got " + kind_of(value));
}

double JsonReader::number(const boost::json::value& value, const std::string& path) const {
  if (!value.is_number()) fail(path, "expected a number, got " + kind_of(value));
  const double number = value.to_number<double>();
  if (!std::isfinite(number)) fail(path, "number out of range");
  return number;
}

// Appends a string_map's or structure_map's compact text, keys kept and
// sorted, each value checked (and a structure converted like a member).
void JsonReader::append_map(std::string& out, const boost::json::value& value, const DetailField& field,
                            const std::string& path) const {
  std::vector<std::pair<std::string_view, std::string>> items;
  for (const auto& [key, item] : as_object(value, path)) {
    if (item.is_null()) continue;
    const auto item_path = child_path(path, key);
    std::string text;
    if (field.type == FieldType::string_map)
      core::append_json_string(text, as_string(item, item_path));
    else
      append_detail_json(text, as_object(item, item_path), field.fields, {}, item_path);
    items.emplace_back(key, std::move(text));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    core::append_json_string(out, items[i].first);
    out += ':';
    out += items[i].second;
  }
  out += '}';
}

// Appends the compact text of a known field's value, checked and converted.
// The field's path is built only for an error: this runs for every field of
// every record.
void JsonReader::append_converted(std::string& out, const boost::json::value& value, const DetailField& field,
                                  const std::string& path, std::string_view key) const {
  switch (field.type) {
    case FieldType::string:
      if (!value.is_string()) as_string(value, child_path(path, key));
      core::append_json_string(out, value.get_string());
      return;
    case FieldType::timestamp: {
      const auto time = value.is_string()   ? core::parse_iso8601_time(value.get_string())
                        : value.is_number() ? core::time_from_epoch_seconds(value.to_number<double>())
                                            : std::nullopt;
      core::append_json_string(out, (time ? *time : timestamp(value, child_path(path, key))).chars().view());
      return;
    }
    case FieldType::integer:
      out += std::to_string(value.is_int64() ? value.get_int64() : integer(value, child_path(path, key)));
      return;
    case FieldType::number: {
      const bool plain = value.is_double() && std::isfinite(value.get_double());
      core::append_sorted_compact_json(out,
                                       plain ? value.get_double() : number(value, child_path(path, key)));
      return;
    }
    case FieldType::string_map:
    case FieldType::structure_map:
      append_map(out, value, field, child_path(path, key));
      return;
  }
}

namespace {

// A member of a detail being written: its snake_case key and its value's
// compact text.
struct DetailMember {
  std::string key;
  std::string value;
};

}  // namespace

std::string JsonReader::member_detail(const boost::json::object& object, std::span<const DetailField> fields,
                                      std::span<const std::string_view> skip, const std::string& path,
                                      std::span<const DetailText> extra) const {
  std::string detail;
  append_detail_json(detail, object, fields, skip, path, extra);
  return detail;
}

void JsonReader::append_detail_json(std::string& out, const boost::json::object& object,
                                    std::span<const DetailField> fields,
                                    std::span<const std::string_view> skip, const std::string& path,
                                    std::span<const DetailText> extra) const {
  std::vector<DetailMember> members;
  for (const auto& [key, value] : object) {
    if (value.is_null()) continue;
    const std::string_view name(key);  // Clang 14 lambdas cannot capture structured bindings
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    const auto known = std::find_if(fields.begin(), fields.end(),
                                    [&](const DetailField& field) { return field.name == name; });
    DetailMember member{to_snake_case(name), {}};
    if (known == fields.end())
      core::append_sorted_compact_json(member.value, value);  // copied as it came
    else
      append_converted(member.value, value, *known, path, name);
    members.push_back(std::move(member));
  }
  // After the body's: of two alike keys the later wins.
  for (const DetailText& text : extra) {
    DetailMember member{std::string(text.key), {}};
    core::append_json_string(member.value, text.text);
    members.push_back(std::move(member));
  }
  // Keys in a stable order, whatever the body's; of two keys with one
  // snake_case form ("masterId", "MasterId") the later wins.
  std::stable_sort(members.begin(), members.end(),
                   [](const DetailMember& a, const DetailMember& b) { return a.key < b.key; });
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i + 1 < members.size() && members[i + 1].key == members[i].key) continue;
    if (!first) out += ',';
    first = false;
    core::append_json_string(out, members[i].key);
    out += ':';
    out += members[i].value;
  }
  out += '}';
}

}  // namespace mw::services
