#pragma once

// Reading AWS response bodies with a path for every error. Internal to the
// services layer.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "services/parse_error.hpp"

namespace mw::services {

// "VolumeUsageByDatasourcePackage" -> "volume_usage_by_datasource_package",
// "detectorId" -> "detector_id", "ARNValue" -> "arn_value".
std::string to_snake_case(std::string_view name);

// How a known field is checked and converted when copied into `detail`.
enum class FieldType {
  string,
  timestamp,  // ISO 8601 string or epoch seconds -> RFC 3339 UTC
  integer,
  number,
  string_map,     // {"KEY": "string"}, keys kept
  structure_map,  // {"KEY": {structure}}, keys kept, see DetailField::fields
};

struct DetailField {
  std::string_view name;
  FieldType type;
  std::span<const DetailField> fields = {};  // the structure of a structure_map's values
};

// A string added to a detail under `key` (already snake_case), such as a
// time whose text did not parse.
struct DetailText {
  std::string_view key;
  std::string_view text;
};

class JsonReader;

// A response body's tree. Stands wherever the body's top-level object is wanted.
class ParsedObject {
 public:
  // Malformed JSON, other JSON values and nesting deeper than 64 levels fail
  // through reader.fail.
  ParsedObject(const JsonReader& reader, std::string_view body);

  const boost::json::object& object() const { return value_.get_object(); }
  operator const boost::json::object&() const { return object(); }  // NOLINT(google-explicit-constructor)

 private:
  boost::json::value value_;
};

class JsonReader {
 public:
  explicit JsonReader(std::string operation) : operation_(std::move(operation)) {}

  const std::string& operation() const { return operation_; }

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const;

  // The body as a JSON object (malformed JSON, other JSON values and
  // nesting deeper than 64 levels fail).
  ParsedObject parse_object(std::string_view body) const;

  const boost::json::object& as_object(const boost::json::value& value, const std::string& path) const;
  const boost::json::array& as_array(const boost::json::value& value, const std::string& path) const;
  const std::string_view as_string(const boost::json::value& value, const std::string& path) const;

  // A field's value, nullptr when it is absent or null.
  const boost::json::value* find(const boost::json::object& object, std::string_view key) const;

  std::optional<std::string> optional_string(const boost::json::object& object, std::string_view key,
                                             const std::string& path) const;
  // The same, viewing the body's tree.
  std::optional<std::string_view> optional_string_view(const boost::json::object& object,
                                                       std::string_view key, const std::string& path) const;
  // A field read by timestamp(); absent or null: none.
  core::Rfc3339Time timestamp_field(const boost::json::object& object, std::string_view key,
                                    const std::string& path) const;
  std::string required_string(const boost::json::object& object, std::string_view key,
                              const std::string& path) const;
  std::string_view required_string_view(const boost::json::object& object, std::string_view key,
                                        const std::string& path) const;
  // A required 12-digit account ID.
  std::string account_id(const boost::json::object& object, std::string_view key,
                         const std::string& path) const;
  // An absent, null or empty array is empty unless `required`.
  const boost::json::array* array_field(const boost::json::object& object, std::string_view key,
                                        const std::string& path, bool required) const;
  // A pagination token: absent, null and "" all mean the last page.
  std::optional<std::string> next_token(const boost::json::object& object, std::string_view key) const;
  // null: none.
  core::Rfc3339Time timestamp(const boost::json::value& value, const std::string& path) const;
  std::int64_t integer(const boost::json::value& value, const std::string& path) const;
  double number(const boost::json::value& value, const std::string& path) const;

  // `object` with snake_case keys: the known `fields` checked and converted,
  // every other non-null field copied as it came, `skip`ped keys left out,
  // the `extra` texts added (they win over a body key of the same form), as
  // a membership's detail: canonical JSON text.
  std::string member_detail(const boost::json::object& object, std::span<const DetailField> fields,
                            std::span<const std::string_view> skip, const std::string& path,
                            std::span<const DetailText> extra = {}) const;

 private:
  void append_converted(std::string& out, const boost::json::value& value, const DetailField& field,
                        const std::string& path, std::string_view key) const;
  void append_map(std::string& out, const boost::json::value& value, const DetailField& field,
                  const std::string& path) const;
  // Appends member_detail's canonical text ("{}" when nothing is kept): for
  // member_detail, and for a detail nested in a structure map.
  void append_detail_json(std::string& out, const boost::json::object& object,
                          std::span<const DetailField> fields, std::span<const std::string_view> skip,
                          const std::string& path, std::span<const DetailText> extra = {}) const;

  std::string operation_;
};

std::string child_path(const std::string& path, std::string_view key);
std::string index_path(const std::string& path, std::size_t index);

// Calls read(element, path) for each element of the top-level list `key`
// (absent or null: none, unless `required`). A bad element costs that
// element only: its ParseError goes to `problems`, the rest are read.
template <typename Read>
void read_each_element(const JsonReader& reader, const boost::json::object& response, std::string_view key,
                       bool required, std::vector<std::string>& problems, const Read& read) {
  const auto* list = reader.array_field(response, key, "", required);
  if (!list) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    try {
      read((*list)[i], index_path(std::string(key), i));
    } catch (const ParseError& error) {
      problems.emplace_back(error.what());
    }
  }
}

}  // namespace mw::services
