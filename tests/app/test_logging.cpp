#include <doctest/doctest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "app/logging.hpp"

using namespace mw::app;

namespace {

std::string log_line(bool journal, spdlog::level::level_enum level, const std::string& text) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_formatter(make_log_formatter(journal));
  spdlog::logger logger("test", sink);
  logger.set_level(spdlog::level::trace);
  logger.log(level, text);
  return out.str();
}

}  // namespace

TEST_CASE("journal lines carry the syslog priority and no timestamp") {
  CHECK(log_line(true, spdlog::level::err, "cycle failed code=x") == "<3>cycle failed code=x\n");
  CHECK(log_line(true, spdlog::level::warn, "w") == "<4>w\n");
  CHECK(log_line(true, spdlog::level::info, "i") == "<6>i\n");
  CHECK(log_line(true, spdlog::level::debug, "d") == "<7>d\n");
  CHECK(log_line(true, spdlog::level::critical, "c") == "<2>c\n");
}

TEST_CASE("plain lines are timestamped in UTC with the level") {
  const auto line = log_line(false, spdlog::level::info, "started version=1");
  // 2026-11-21T10:15:02.123Z info started version=1
  REQUIRE(line.size() > 25);
  CHECK(line[4] == '-');
  CHECK(line[10] == 'T');
  CHECK(line[23] == 'Z');
  CHECK(line.substr(24) == " info started version=1\n");
}

TEST_CASE("control characters in a message are escaped, every one of them, in both formats") {
  std::string text = "reload rejected error=";
  for (int byte = 0; byte <= 0x1f; ++byte) text += static_cast<char>(byte);
  text += '\x7f';
  text += "\xe2\x9c\x93 end";  // UTF-8 stays as it is
  for (const bool journal : {true, false}) {
    CAPTURE(journal);
    const auto line = log_line(journal, spdlog::level::err, text);
    REQUIRE_FALSE(line.empty());
    CHECK(line.back() == '\n');
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
      const auto byte = static_cast<unsigned char>(line[i]);
      CHECK_MESSAGE((byte >= 0x20 && byte != 0x7f), "raw control byte ", int(byte), " at ", i);
    }
    CHECK(line.find("error=\\x00\\x01\\x02") != std::string::npos);
    CHECK(line.find("\\x1b") != std::string::npos);
    CHECK(line.find("\\x0a") != std::string::npos);
    CHECK(line.find("\\x1f\\x7f\xe2\x9c\x93 end\n") != std::string::npos);
  }
}

TEST_CASE("log levels parse") {
  CHECK(parse_log_level("trace") == spdlog::level::trace);
  CHECK(parse_log_level("error") == spdlog::level::err);
  CHECK(parse_log_level("off") == spdlog::level::off);
  CHECK_FALSE(parse_log_level("verbose"));
}
