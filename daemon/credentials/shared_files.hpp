#pragma once

// The AWS shared credentials and config files (~/.aws/credentials,
// ~/.aws/config) as the AWS CLI reads them: INI sections, "key = value"
// (or "key: value") lines, keys case-insensitive, '#' and ';' comments (whole
// line, or after whitespace), indented continuation lines, "[profile x]"
// sections in the config file and "[x]" in the credentials file. Values are
// kept in SecretStrings: the files hold secret keys.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/aws_credentials.hpp"
#include "aws/endpoints.hpp"

namespace mw::credentials {

using IniValues = std::map<std::string, aws::SecretString, std::less<>>;  // lowercase key -> value

struct IniSection {
  std::string name;  // as written between the brackets, trimmed
  int line = 0;      // of its first header
  IniValues values;
};

struct IniFile {
  std::vector<IniSection> sections;  // in order of first appearance; repeated sections merged
};

// Parses INI text. Throws CredentialsError naming `file_name` and the
// 1-based line of the first malformed line (never its content, which may be
// a secret).
IniFile parse_ini(std::string_view text, const std::string& file_name);

// One profile, the merge of its config-file and credentials-file sections
// (the credentials file wins on a key both have).
struct Profile {
  std::string name;
  IniValues values;

  std::optional<std::string> get(std::string_view key) const;   // the value when set and not empty
  const aws::SecretString* secret(std::string_view key) const;  // same, without copying the value
  bool has(std::string_view key) const { return secret(key) != nullptr; }
};

struct ProfileSet {
  std::map<std::string, Profile, std::less<>> profiles;
  std::vector<std::string> files;  // the files that exist and were read, for messages

  const Profile* find(std::string_view name) const;
};

// Pure merge of parsed files: "[x]" of the credentials file is profile x;
// "[profile x]" and "[default]" of the config file are profiles x and
// default; other config sections (sso-session, services, plain "[x]") are
// not profiles.
ProfileSet merge_profiles(const IniFile* credentials_file, const IniFile* config_file);

// Where the files are: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else
// $HOME/.aws/credentials and $HOME/.aws/config ("" when neither is set). A
// leading "~/" is expanded with HOME.
struct ProfileFilePaths {
  std::string credentials;
  std::string config;
};
ProfileFilePaths profile_file_paths(const aws::EnvLookup& env);

// Reads and parses both files. A missing file counts as empty; an unreadable
// or malformed one throws CredentialsError.
ProfileSet load_profile_files(const ProfileFilePaths& paths);

}  // namespace mw::credentials
