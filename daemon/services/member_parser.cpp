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
  const std::string raw_status = reader.required_string(object, fields.status, path);
  record.set_raw_status(raw_status);
  record.status = core::normalize_status(shape.service, raw_status);
  if (auto email = reader.optional_string(object, fields.email, path)) record.email = *email;
  if (const auto* invited = reader.find(object, fields.invited_at)) {
    record.invited_at = reader.timestamp(*invited, child_path(path, fields.invited_at));
  }
  if (const auto* updated = reader.find(object, fields.updated_at)) {
    record.updated_at = reader.timestamp(*updated, child_path(path, fields.updated_at));
  }
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
  record.set_raw_status(reader.optional_string(object, shape.unprocessed.reason, path).value_or(""));
  const std::string_view own[] = {shape.unprocessed.account_id, shape.unprocessed.reason};
  record.detail = reader.member_detail(object, {}, own, path);
  return record;
}

}  // namespace

MemberPage parse_members_response(const JsonReader& reader, std::string_view body,
                                  const MembersResponseShape& shape) {
  const auto response = reader.parse_object(body);
  MemberPage page;
  const std::string members_path(shape.members_list);
  if (const auto* members = reader.array_field(response, shape.members_list, "", shape.members_required)) {
    for (std::size_t i = 0; i < members->size(); ++i) {
      const auto path = index_path(members_path, i);
      page.members.push_back(parse_member(reader, reader.as_object((*members)[i], path), shape, path));
    }
  }
  if (!shape.unprocessed_list.empty()) {
    const std::string unprocessed_path(shape.unprocessed_list);
    if (const auto* unprocessed =
            reader.array_field(response, shape.unprocessed_list, "", shape.unprocessed_required)) {
      for (std::size_t i = 0; i < unprocessed->size(); ++i) {
        const auto path = index_path(unprocessed_path, i);
        page.members.push_back(
            parse_unprocessed(reader, reader.as_object((*unprocessed)[i], path), shape, path));
      }
    }
  }
  if (!shape.next_token.empty()) page.next_token = reader.next_token(response, shape.next_token);
  return page;
}

}  // namespace mw::services
