#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"

namespace mw::services {

// One ListMembers page: the accounts it lists, in its order. Their status
// and fields come from GetMembers, so nothing else of an element is read,
// except for a service without GetMembers (Inspector, Macie), whose
// listing is the answer: its records are in `members`.
struct AccountPage {
  std::vector<std::string> account_ids;
  std::vector<core::Membership> members;  // services without GetMembers only (as in MemberPage)
  std::optional<std::string> next_token;  // nullopt on the last page
  // The elements left out, each with its path: "securityhub ListMembers:
  // Members[3].AccountId: missing" (not an object, no 12-digit account ID).
  std::vector<std::string> problems;
};

// One GetMembers answer. Each record has its account_id, status,
// raw_status, email, timestamps and detail set; its source is left null
// (the merge sets it once per source result). UnprocessedAccounts are
// NOT_MEMBER records with the reason as raw_status.
struct MemberPage {
  std::vector<core::Membership> members;
  // The elements (members or unprocessed accounts) left out, each as
  // "securityhub GetMembers: Members[3].AccountId: missing": a missing or
  // bad account ID, a field of the wrong type. When the element's account
  // ID itself was fine, `members` still holds a record for that account
  // with status UNKNOWN, raw_status "" and no detail (left out, the account
  // would look absent: a false NOT_MEMBER gap).
  std::vector<std::string> problems;
};

}  // namespace mw::services
