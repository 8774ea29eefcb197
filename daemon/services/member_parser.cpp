#include "services/member_parser.hpp"

#include "common/strings.hpp"
#include "core/timestamps.hpp"
#include "services/member_page.hpp"
#include "services/parse_error.hpp"

namespace mw::services {
namespace {

// A member's invited or updated time. For TimeFormat::text, text that is
// not ISO 8601 leaves the time empty and goes to `raw` ("" is no time).
core::Rfc3339Time member_time(const JsonReader& reader, const boost::json::object& object,
                              std::string_view key, TimeFormat format, const std::string& path,
                              std::optional<std::string_view>& raw) {
  if (format == TimeFormat::timestamp) return reader.timestamp_field(object, key, path);
  const auto* value = reader.find(object, key);
  if (!value) return {};
  if (!value->is_string()) return reader.timestamp(*value, child_path(path, key));  // epoch seconds
  const std::string_view text = value->get_string();
  if (text.empty()) return {};
  if (const auto time = core::parse_iso8601_time(text)) return *time;
  raw = text;
  return {};
}

core::Membership parse_member(const JsonReader& reader, const boost::json::object& object,
                              const MembersResponseShape& shape, const std::string& path) {
  const MemberFields& fields = shape.member;
  core::Membership record;
  record.account_id = reader.account_id(object, fields.account_id, path);
  // Absent or null: UNKNOWN, raw_status "".
  const std::string_view raw_status = reader.optional_string_view(object, fields.status, path).value_or("");
  record.raw_status = raw_status;
  record.status = normalize_status(shape.statuses, raw_status);
  record.email = reader.optional_string(object, fields.email, path);
  std::optional<std::string_view> invited_raw;
  std::optional<std::string_view> updated_raw;
  record.invited_at = member_time(reader, object, fields.invited_at, fields.times, path, invited_raw);
  record.updated_at = member_time(reader, object, fields.updated_at, fields.times, path, updated_raw);
  const std::string_view own[] = {fields.account_id, fields.status, fields.email, fields.invited_at,
                                  fields.updated_at};
  if (!invited_raw && !updated_raw) {
    record.detail = reader.member_detail(object, fields.detail, own, path);
    return record;
  }
  // Rare: a time's text kept raw under NAME_raw.
  const std::string invited_key = to_snake_case(fields.invited_at) + "_raw";
  const std::string updated_key = to_snake_case(fields.updated_at) + "_raw";
  std::vector<DetailText> raw_times;
  if (invited_raw) raw_times.push_back({invited_key, *invited_raw});
  if (updated_raw) raw_times.push_back({updated_key, *updated_raw});
  record.detail = reader.member_detail(object, fields.detail, own, path, raw_times);
  return record;
}

core::Membership parse_unprocessed(const JsonReader& reader, const boost::json::object& object,
                                   const MembersResponseShape& shape, const std::string& path) {
  core::Membership record;
  record.account_id = reader.account_id(object, shape.unprocessed.account_id, path);
  record.status = core::MemberStatus::NOT_MEMBER;
  record.raw_status = reader.optional_string_view(object, shape.unprocessed.reason, path).value_or("");
  const std::string_view own[] = {shape.unprocessed.account_id, shape.unprocessed.reason};
  record.detail = reader.member_detail(object, {}, own, path);
  return record;
}

// The element's account ID when it is a 12-digit string, whatever else is wrong.
std::optional<std::string_view> usable_account_id(const boost::json::value& element, std::string_view key) {
  const auto* object = element.if_object();
  const auto* id = object ? object->if_contains(key) : nullptr;
  if (!id || !id->is_string() || !mw::is_account_id(id->get_string())) return std::nullopt;
  return std::string_view(id->get_string());
}

// What stands for an element left out whose account ID was fine: the
// account is there, what it is is not known.
core::Membership unknown_record(std::string_view account_id) {
  core::Membership record;
  record.account_id = account_id;
  record.status = core::MemberStatus::UNKNOWN;
  return record;
}

// Calls parse(object, path) for each element of the list `name`, with the
// element's path ("Members[3]") built in one reused buffer, and adds its
// record to the page. A bad element costs that element only (see
// parse_members_response).
template <typename Parse>
void for_each_listed(const JsonReader& reader, const boost::json::object& response, std::string_view name,
                     bool required, std::string_view account_key, MemberPage& page, const Parse& parse) {
  const auto* list = reader.array_field(response, name, "", required);
  if (!list) return;
  std::string path(name);
  const std::size_t base = path.size();
  for (std::size_t i = 0; i < list->size(); ++i) {
    path.resize(base);
    path += '[';
    path += std::to_string(i);
    path += ']';
    const boost::json::value& element = (*list)[i];
    try {
      page.members.push_back(parse(reader.as_object(element, path), path));
    } catch (const ParseError& error) {
      page.problems.emplace_back(error.what());
      if (const auto id = usable_account_id(element, account_key))
        page.members.push_back(unknown_record(*id));
    }
  }
}

// The members and unprocessed accounts of a response already parsed.
void read_members(const JsonReader& reader, const boost::json::object& response,
                  const MembersResponseShape& shape, MemberPage& page) {
  for_each_listed(reader, response, shape.members_list, shape.members_required, shape.member.account_id, page,
                  [&](const boost::json::object& object, const std::string& path) {
                    return parse_member(reader, object, shape, path);
                  });
  if (!shape.unprocessed_list.empty()) {
    for_each_listed(reader, response, shape.unprocessed_list, shape.unprocessed_required,
                    shape.unprocessed.account_id, page,
                    [&](const boost::json::object& object, const std::string& path) {
                      return parse_unprocessed(reader, object, shape, path);
                    });
  }
}

}  // namespace

MemberPage parse_members_response(const JsonReader& reader, std::string_view body,
                                  const MembersResponseShape& shape) {
  const auto response = reader.parse_object(body);
  MemberPage page;
  read_members(reader, response, shape, page);
  return page;
}

AccountPage parse_member_list(const JsonReader& reader, std::string_view body,
                              const MembersResponseShape& shape, std::string_view next_token) {
  const auto response = reader.parse_object(body);
  MemberPage members;
  read_members(reader, response, shape, members);
  AccountPage page;
  for (const auto& record : members.members) page.account_ids.push_back(record.account_id);
  page.members = std::move(members.members);
  page.problems = std::move(members.problems);
  page.next_token = reader.next_token(response, next_token);
  return page;
}

AccountPage parse_listed_accounts(const JsonReader& reader, std::string_view body,
                                  const ListedAccountsShape& shape) {
  const auto response = reader.parse_object(body);
  AccountPage page;
  if (const auto* list = reader.array_field(response, shape.members_list, "", false)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = index_path(std::string(shape.members_list), i);
      try {
        const auto& element = reader.as_object((*list)[i], path);
        page.account_ids.emplace_back(reader.account_id(element, shape.account_id, path));
      } catch (const ParseError& error) {
        page.problems.emplace_back(error.what());
      }
    }
  }
  page.next_token = reader.next_token(response, shape.next_token);
  return page;
}

}  // namespace mw::services
