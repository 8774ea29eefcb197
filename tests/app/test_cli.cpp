#include <doctest/doctest.h>

#include "app/cli.hpp"

using namespace mw::app;

TEST_CASE("defaults") {
  const auto parsed = parse_cli({});
  REQUIRE(parsed.options);
  CHECK(parsed.options->config_path == "/etc/memberwatch/memberwatch.yaml");
  CHECK_FALSE(parsed.options->once);
  CHECK_FALSE(parsed.options->check_config);
  CHECK_FALSE(parsed.options->log_level);
}

TEST_CASE("every flag, with separate and inline values") {
  const auto parsed = parse_cli(
      {"--config", "a.yaml", "--once", "--check-config", "--log-level=debug", "--version", "--help"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->config_path == "a.yaml");
  CHECK(parsed.options->once);
  CHECK(parsed.options->check_config);
  CHECK(parsed.options->log_level == "debug");
  CHECK(parsed.options->show_version);
  CHECK(parsed.options->show_help);
  CHECK(parse_cli({"--config=b.yaml"}).options->config_path == "b.yaml");
}

TEST_CASE("usage errors") {
  CHECK(parse_cli({"--bogus"}).error == "unknown argument '--bogus'");
  CHECK(parse_cli({"--config"}).error == "--config needs a file name");
  CHECK(parse_cli({"--config="}).error == "--config needs a file name");
  CHECK(parse_cli({"--log-level"}).error == "--log-level needs a level");
  CHECK(parse_cli({"--log-level", "loud"}).error.find("not one of") != std::string::npos);
  CHECK(parse_cli({"--once=yes"}).error == "--once takes no value");
  CHECK(parse_cli({"positional"}).error == "unknown argument 'positional'");
}

TEST_CASE("usage text documents every flag") {
  const auto text = usage_text();
  for (const char* flag : {"--config", "--once", "--check-config", "--log-level", "--version", "--help"}) {
    CHECK_MESSAGE(text.find(flag) != std::string::npos, flag);
  }
}
