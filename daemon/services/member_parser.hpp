#pragma once

// The shape shared by the three services' member lists: where each field
// lives in one service's JSON. Internal to the services layer.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "services/json_reader.hpp"
#include "services/member_page.hpp"

namespace mw::services {

struct MemberFields {
  std::string_view account_id;
  std::string_view status;
  std::string_view email;
  std::string_view invited_at;
  std::string_view updated_at;
  std::span<const DetailField> detail;  // checked types of the other known fields
};

struct UnprocessedFields {
  std::string_view account_id;
  std::string_view reason;
};

struct MembersResponseShape {
  core::Service service;
  std::string_view members_list;
  bool members_required = false;
  MemberFields member;
  std::string_view unprocessed_list;  // "" when the operation has none
  bool unprocessed_required = false;
  UnprocessedFields unprocessed;
  std::string_view next_token;  // "" when the operation does not paginate
};

MemberPage parse_members_response(const JsonReader& reader, std::string_view body,
                                  const MembersResponseShape& shape);

}  // namespace mw::services
