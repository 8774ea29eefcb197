#include "services/member_parser.hpp"

#include "services/member_page.hpp"

namespace mw::services {
namespace {

core::Membership parse_member(const JsonReader& reader, const boost::json::object& object,
                              const MembersResponseShape& shape, const std::string& path) {
  const MemberFields& fields = shape.member;
  core::Membership record;
  record.service = shape.service;
  record.account_id = reader.account_id(object, fields.account_id, path);
  const std::string_view raw_status = reader.required_string_view(object, fields.status, path);
  record.set_raw_status(raw_status);
  record.status = core::normalize_status(shape.service, raw_status);
  if (const auto email = reader.optional_string_view(object, fields.email, path)) record.email = *email;
  record.invited_at = reader.timestamp_field(object, fields.invited_at, path);
  record.updated_at = reader.timestamp_field(object, fields.updated_at, path);
  const std::string_view own[] = {fields.account_id, fields.status, fields.email, fields.invited_at,
                                  fields.updated_at};
  record.detail = reader.member_detail(object, fields.detail, own, path);
  return record;
}

core::Membership parse_unprocessed(const JsonReader& reader, const boost::json::object& object,
                                   const MembersResponseShape& shape, const std::string& path) {
  core::Membership record;
  record.service = shape.service;
  record.account_id = reader.account_id(object, shape.unprocessed.account_id, path);
  record.status = core::MemberStatus::NOT_MEMBER;
  record.set_raw_status(reader.optional_string_view(object, shape.unprocessed.reason, path).value_or(""));
  const std::string_view own[] = {shape.unprocessed.account_id, shape.unprocessed.reason};
  record.detail = reader.member_detail(object, {}, own, path);
  return record;
}

}  // namespace

namespace {

// Calls parse(object, path) for each element of the list `name`, with the
// element's path ("Members[3]") built in one reused buffer.
template <typename Parse>
void for_each_listed(const JsonReader& reader, const boost::json::object& response, std::string_view name,
                     bool required, const Parse& parse) {
  const auto* list = reader.array_field(response, name, "", required);
  if (!list) return;
  std::string path(name);
  const std::size_t base = path.size();
  for (std::size_t i = 0; i < list->size(); ++i) {
    path.resize(base);
    path += '[';
    path += std::to_string(i);
    path += ']';
    parse(reader.as_object((*list)[i], path), path);
  }
}

}  // namespace

MemberPage parse_members_response(const JsonReader& reader, std::string_view body,
                                  const MembersResponseShape& shape) {
  const auto response = reader.parse_object(body);
  MemberPage page;
  for_each_listed(reader, response, shape.members_list, shape.members_required,
                  [&](const boost::json::object& object, const std::string& path) {
                    page.members.push_back(parse_member(reader, object, shape, path));
                  });
  if (!shape.unprocessed_list.empty()) {
    for_each_listed(reader, response, shape.unprocessed_list, shape.unprocessed_required,
                    [&](const boost::json::object& object, const std::string& path) {
                      page.members.push_back(parse_unprocessed(reader, object, shape, path));
                    });
  }
  if (!shape.next_token.empty()) page.next_token = reader.next_token(response, shape.next_token);
  return page;
}

}  // namespace mw::services
