#include "credentials/shared_files.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/strings.hpp"
#include "credentials/credentials_error.hpp"

namespace mw::credentials {
namespace {

constexpr std::string_view kProvider = "shared-files";

[[noreturn]] void malformed(const std::string& file_name, int line, const std::string& message) {
  throw CredentialsError(kProvider, code::kInvalidConfig,
                         file_name + ":" + std::to_string(line) + ": " + message);
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// The value without a trailing comment: '#' or ';' preceded by whitespace.
std::string_view strip_inline_comment(std::string_view text) {
  for (std::size_t i = 1; i < text.size(); ++i) {
    if ((text[i] == '#' || text[i] == ';') && is_blank(text[i - 1])) return trim(text.substr(0, i));
  }
  return trim(text);
}

class IniParser {
 public:
  IniParser(const std::string& file_name) : file_name_(file_name) {}

  void line(std::string_view raw, int number) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const auto text = trim(raw);
    if (text.empty()) {
      continuation_key_.clear();
      return;
    }
    if (text.front() == '#' || text.front() == ';') return;
    if (is_blank(raw.front()) && !continuation_key_.empty()) return continue_value(text);
    if (text.front() == '[') return header(text, number);
    key_value(text, number);
  }

  IniFile finish() { return std::move(file_); }

 private:
  void header(std::string_view text, int number) {
    text = strip_inline_comment(text);
    if (text.size() < 2 || text.back() != ']')
      malformed(file_name_, number, "a section header must end with ']'");
    const auto name = trim(text.substr(1, text.size() - 2));
    if (name.empty()) malformed(file_name_, number, "empty section name");
    continuation_key_.clear();
    for (std::size_t i = 0; i < file_.sections.size(); ++i) {
      if (file_.sections[i].name == name) {
        current_ = static_cast<int>(i);
        return;
      }
    }
    file_.sections.push_back({std::string(name), number, {}});
    current_ = static_cast<int>(file_.sections.size() - 1);
  }

  void key_value(std::string_view text, int number) {
    const auto delimiter = text.find_first_of("=:");
    if (delimiter == std::string_view::npos) {
      malformed(file_name_, number, "expected \"key = value\", a [section] header or a comment");
    }
    const auto key = to_lower(trim(text.substr(0, delimiter)));
    if (key.empty()) malformed(file_name_, number, "a setting without a name");
    if (current_ < 0) malformed(file_name_, number, "setting \"" + key + "\" before any [section] header");
    auto& values = file_.sections[static_cast<std::size_t>(current_)].values;
    values.insert_or_assign(key,
                            aws::SecretString(std::string(strip_inline_comment(text.substr(delimiter + 1)))));
    continuation_key_ = key;
  }

  // An indented line after a setting: part of its value (nested settings
  // such as "s3 =\n  max_concurrent_requests = 10" end up here too).
  void continue_value(std::string_view text) {
    auto& values = file_.sections[static_cast<std::size_t>(current_)].values;
    auto& value = values[continuation_key_];
    std::string joined = value.reveal();
    if (!joined.empty()) joined += "\n";
    joined += strip_inline_comment(text);
    value = aws::SecretString(std::move(joined));
  }

  const std::string& file_name_;
  IniFile file_;
  int current_ = -1;
  std::string continuation_key_;
};

void merge_section(ProfileSet& set, const std::string& name, const IniValues& values) {
  auto& profile = set.profiles[name];
  profile.name = name;
  for (const auto& [key, value] : values) profile.values.insert_or_assign(key, value);
}

// "profile x" -> x, "default" -> default, anything else -> nullopt.
std::optional<std::string> config_profile_name(std::string_view section) {
  if (section == "default") return std::string(section);
  if (section.substr(0, 7) != "profile" || section.size() < 8 || !is_blank(section[7])) return std::nullopt;
  auto name = trim(section.substr(8));
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') && name.back() == name.front()) {
    name = name.substr(1, name.size() - 2);
  }
  if (name.empty()) return std::nullopt;
  return std::string(name);
}

std::string expand_home(const std::string& path, const aws::EnvLookup& env) {
  if (path.rfind("~/", 0) != 0) return path;
  const auto home = env("HOME");
  if (!home || home->empty()) return path;
  return *home + path.substr(1);
}

std::optional<aws::SecretString> read_optional_file(const std::string& path) {
  std::error_code error;
  if (path.empty() || !std::filesystem::exists(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CredentialsError(kProvider, code::kInvalidConfig, path + ": cannot be read");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw CredentialsError(kProvider, code::kInvalidConfig, path + ": read error");
  return aws::SecretString(std::move(buffer).str());
}

}  // namespace

IniFile parse_ini(std::string_view text, const std::string& file_name) {
  IniParser parser(file_name);
  int number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    const auto stop = end == std::string_view::npos ? text.size() : end;
    parser.line(text.substr(start, stop - start), ++number);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parser.finish();
}

std::optional<std::string> Profile::get(std::string_view key) const {
  const auto* value = secret(key);
  if (value == nullptr) return std::nullopt;
  return value->reveal();
}

const aws::SecretString* Profile::secret(std::string_view key) const {
  const auto it = values.find(key);
  if (it == values.end() || it->second.empty()) return nullptr;
  return &it->second;
}

const Profile* ProfileSet::find(std::string_view name) const {
  const auto it = profiles.find(name);
  return it == profiles.end() ? nullptr : &it->second;
}

ProfileSet merge_profiles(const IniFile* credentials_file, const IniFile* config_file) {
  ProfileSet set;
  if (config_file != nullptr) {
    for (const auto& section : config_file->sections) {
      if (auto name = config_profile_name(section.name)) merge_section(set, *name, section.values);
    }
  }
  if (credentials_file != nullptr) {
    for (const auto& section : credentials_file->sections) merge_section(set, section.name, section.values);
  }
  return set;
}

ProfileFilePaths profile_file_paths(const aws::EnvLookup& env) {
  auto variable = [&](std::string_view name) -> std::string {
    auto value = env(name);
    return value ? *value : std::string();
  };
  ProfileFilePaths paths{variable("AWS_SHARED_CREDENTIALS_FILE"), variable("AWS_CONFIG_FILE")};
  const auto home = variable("HOME");
  if (paths.credentials.empty() && !home.empty()) paths.credentials = home + "/.aws/credentials";
  if (paths.config.empty() && !home.empty()) paths.config = home + "/.aws/config";
  paths.credentials = expand_home(paths.credentials, env);
  paths.config = expand_home(paths.config, env);
  return paths;
}

ProfileSet load_profile_files(const ProfileFilePaths& paths) {
  std::optional<IniFile> credentials_file;
  std::optional<IniFile> config_file;
  std::vector<std::string> files;
  if (auto text = read_optional_file(paths.credentials)) {
    credentials_file = parse_ini(text->reveal(), paths.credentials);
    files.push_back(paths.credentials);
  }
  if (auto text = read_optional_file(paths.config)) {
    config_file = parse_ini(text->reveal(), paths.config);
    files.push_back(paths.config);
  }
  auto set =
      merge_profiles(credentials_file ? &*credentials_file : nullptr, config_file ? &*config_file : nullptr);
  set.files = std::move(files);
  return set;
}

}  // namespace mw::credentials
