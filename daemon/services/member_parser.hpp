#pragma once

// The shapes shared by the services' member lists: where each field lives
// in one service's JSON. Internal to the services layer.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "services/json_reader.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services {

// How the model types a member's invited and updated times.
enum class TimeFormat {
  timestamp,  // a Timestamp: ISO 8601 or epoch seconds; other text is a wrong value
  text,       // a String holding a date: text that is not ISO 8601 leaves the time
              // empty and is kept in the detail as NAME_raw ("invited_at_raw")
};

// Only account_id is required: an absent or null status is UNKNOWN with
// raw_status "", any other absent field is left empty.
struct MemberFields {
  std::string_view account_id;
  std::string_view status;
  std::string_view email;
  std::string_view invited_at;
  std::string_view updated_at;
  std::span<const DetailField> detail;  // checked types of the other known fields
  TimeFormat times = TimeFormat::timestamp;
};

struct UnprocessedFields {
  std::string_view account_id;
  std::string_view reason;
};

// A GetMembers answer.
struct MembersResponseShape {
  std::span<const StatusSpelling> statuses;
  std::string_view members_list;
  bool members_required = false;
  MemberFields member;
  std::string_view unprocessed_list;  // "" when the operation has none
  bool unprocessed_required = false;
  UnprocessedFields unprocessed;
};

// A ListMembers page: only the account IDs are read.
struct ListedAccountsShape {
  std::string_view members_list;
  std::string_view account_id;
  std::string_view next_token;
};

// A body that is not an object, a required list missing, a list or the
// next token of the wrong type throw ParseError. A bad element (no 12-digit
// account ID, a field of the wrong type) costs that element only: it is
// named in page.problems and, when its account ID was fine, stands in
// page.members as that account's UNKNOWN record (see MemberPage).
MemberPage parse_members_response(const JsonReader& reader, std::string_view body,
                                  const MembersResponseShape& shape);

// A ListMembers page that is the answer (a service without GetMembers):
// its elements read as parse_members_response reads GetMembers' (records
// in page.members, UNKNOWN records for bad elements with a usable account
// ID), every record's account in page.account_ids, and the next token
// under `next_token`.
AccountPage parse_member_list(const JsonReader& reader, std::string_view body,
                              const MembersResponseShape& shape, std::string_view next_token);

// A body that is not an object, a list or next token of the wrong type
// throw ParseError; an element that is not an object with a 12-digit
// account ID is named in page.problems and left out.
AccountPage parse_listed_accounts(const JsonReader& reader, std::string_view body,
                                  const ListedAccountsShape& shape);

}  // namespace mw::services
