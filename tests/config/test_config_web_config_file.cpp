// health.web_config_file: a path, resolved against the configuration's
// folder, named for the trust checks; "" (the default) is off.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/config.hpp"

using namespace mw::config;

namespace {

const std::string kAdministrators = "administrators:\n  - name: a\n    account_id: \"111111111111\"\n";

}  // namespace

TEST_CASE("health.web_config_file is resolved against the configuration's folder and named") {
  auto result =
      parse_config("health:\n  web_config_file: web.yml\n" + kAdministrators, "/etc/mw/memberwatch.yaml");
  REQUIRE(result.config);
  CHECK(result.config->health.web_config_file == "/etc/mw/web.yml");
  const auto named =
      std::find_if(result.named_paths.begin(), result.named_paths.end(),
                   [](const NamedPath& path) { return path.key_path == "health.web_config_file"; });
  REQUIRE(named != result.named_paths.end());
  CHECK(named->path == "/etc/mw/web.yml");
  CHECK(named->line == 2);
  CHECK(named->column == 20);
  CHECK_FALSE(named->directory);

  result = parse_config("health:\n  web_config_file: /srv/web.yml\n" + kAdministrators,
                        "/etc/mw/memberwatch.yaml");
  REQUIRE(result.config);
  CHECK(result.config->health.web_config_file == "/srv/web.yml");

  result = parse_config("health:\n  web_config_file: \"\"\n" + kAdministrators, "/etc/mw/memberwatch.yaml");
  REQUIRE(result.config);
  CHECK(result.config->health.web_config_file.empty());
  CHECK(parse_config(kAdministrators, "m.yaml").config->health.web_config_file.empty());
}

TEST_CASE("health.web_config_file must be a string") {
  const auto result = parse_config("health:\n  web_config_file: [a]\n" + kAdministrators, "m.yaml");
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].to_string() == "m.yaml:2:20: health.web_config_file: expected a string");
  const auto typo = parse_config("health:\n  web_config_fil: a\n" + kAdministrators, "m.yaml");
  REQUIRE(typo.errors.size() == 1);
  CHECK(typo.errors[0].to_string() ==
        "m.yaml:2:3: health.web_config_fil: unknown key (did you mean 'web_config_file'?)");
}
