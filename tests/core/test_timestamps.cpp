#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/timestamps.hpp"

using namespace mw::core;
using namespace std::chrono;

namespace {

std::optional<std::string> text_of(const std::optional<Rfc3339Time>& time) {
  if (!time) return std::nullopt;
  return time->text();
}

std::optional<std::string> normalize_iso8601(std::string_view text) {
  return text_of(parse_iso8601_time(text));
}

std::optional<std::string> rfc3339_from_epoch_seconds(double seconds) {
  return text_of(time_from_epoch_seconds(seconds));
}

}  // namespace

TEST_CASE("format_rfc3339 writes UTC seconds") {
  const TimePoint time =
      sys_days(year(2026) / 11 / 21) + hours(10) + minutes(15) + seconds(2) + milliseconds(789);
  CHECK(format_rfc3339(time) == "2026-11-21T10:15:02Z");
  CHECK(format_rfc3339(TimePoint{}) == "1970-01-01T00:00:00Z");
  const TimePoint before_epoch = TimePoint{} - milliseconds(1500);
  CHECK(format_rfc3339(before_epoch) == "1969-12-31T23:59:58Z");
}

struct IsoCase {
  std::string input;
  std::optional<std::string> expected;
};

TEST_CASE("AWS date-times become RFC 3339 UTC instants") {
  const std::vector<IsoCase> cases = {
      {"2018-02-09T21:33:05.568Z", "2018-02-09T21:33:05.568Z"},
      {"2021-08-18T16:35:56.284Z", "2021-08-18T16:35:56.284Z"},
      {"2018-02-09T21:33:05Z", "2018-02-09T21:33:05Z"},
      {"2018-02-09t21:33:05z", "2018-02-09T21:33:05Z"},
      {"2018-02-09 21:33:05Z", "2018-02-09T21:33:05Z"},
      {"2018-02-09T21:33:05.5Z", "2018-02-09T21:33:05.500Z"},
      {"2018-02-09T21:33:05.123456Z", "2018-02-09T21:33:05.123Z"},
      {"2018-02-09T23:33:05+02:00", "2018-02-09T21:33:05Z"},
      {"2018-02-09T23:33:05+0200", "2018-02-09T21:33:05Z"},
      {"2018-02-09T00:30:00.250-01:00", "2018-02-09T01:30:00.250Z"},
      {"2020-12-31T23:30:00-01:00", "2021-01-01T00:30:00Z"},
      {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
      {"2023-02-29T00:00:00Z", std::nullopt},
      {"2018-13-09T21:33:05Z", std::nullopt},
      {"2018-02-09T24:00:00Z", std::nullopt},
      {"2018-02-09T21:60:05Z", std::nullopt},
      {"2018-02-09T21:33:05", std::nullopt},
      {"2018-02-09T21:33:05.Z", std::nullopt},
      {"2018-02-09T21:33:05Zjunk", std::nullopt},
      {"2018-02-09", std::nullopt},
      {"0000-01-01T00:00:00Z", std::nullopt},
      {"", std::nullopt},
      {"yesterday", std::nullopt},
      {"2018-02-09T21:33:05+25:00", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(normalize_iso8601(c.input) == c.expected);
  }
}

TEST_CASE("epoch seconds become RFC 3339, with milliseconds only when fractional") {
  CHECK(rfc3339_from_epoch_seconds(0) == "1970-01-01T00:00:00Z");
  CHECK(rfc3339_from_epoch_seconds(1518212000) == "2018-02-09T21:33:20Z");
  CHECK(rfc3339_from_epoch_seconds(1518212000.25) == "2018-02-09T21:33:20.250Z");
  CHECK(rfc3339_from_epoch_seconds(-1.5) == "1969-12-31T23:59:58.500Z");
  CHECK_FALSE(rfc3339_from_epoch_seconds(1e300).has_value());
  CHECK_FALSE(rfc3339_from_epoch_seconds(-1e300).has_value());
  CHECK_FALSE(rfc3339_from_epoch_seconds(std::numeric_limits<double>::infinity()).has_value());
  CHECK_FALSE(rfc3339_from_epoch_seconds(std::nan("")).has_value());
  CHECK(rfc3339_from_epoch_seconds(253402300799) == "9999-12-31T23:59:59Z");
  CHECK_FALSE(rfc3339_from_epoch_seconds(253402300800).has_value());
}

TEST_CASE("Rfc3339Time keeps an instant in 8 bytes and writes it as the service gave it") {
  static_assert(sizeof(Rfc3339Time) == 8);
  CHECK_FALSE(Rfc3339Time().has_value());
  CHECK(Rfc3339Time().text().empty());
  CHECK(Rfc3339Time() != "");  // none equals no text, not even the empty one

  const auto with_millis = parse_iso8601_time("2021-08-18T18:35:56.284+02:00");
  REQUIRE(with_millis);
  CHECK(with_millis->text() == "2021-08-18T16:35:56.284Z");
  CHECK(*with_millis == "2021-08-18T16:35:56.284Z");
  CHECK(with_millis->with_fraction());
  const auto whole = parse_iso8601_time("2021-08-18T16:35:56Z");
  REQUIRE(whole);
  CHECK(whole->text() == "2021-08-18T16:35:56Z");
  CHECK(*whole != *with_millis);
  // ".000" is a fraction the service gave: kept, and not equal to none.
  CHECK(parse_iso8601_time("2021-08-18T16:35:56.000Z")->text() == "2021-08-18T16:35:56.000Z");

  // Before 1970 the millisecond count is negative; the encoding keeps both parts.
  for (const char* text : {"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
                           "9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00.001Z"}) {
    CAPTURE(text);
    const auto time = parse_iso8601_time(text);
    REQUIRE(time);
    CHECK(time->text() == text);
    CHECK(Rfc3339Time::from_millis(time->epoch_millis(), time->with_fraction()) == *time);
  }
  CHECK(time_from_epoch_seconds(1.5)->text() == "1970-01-01T00:00:01.500Z");
  CHECK_FALSE(parse_iso8601_time("not a time"));
  CHECK_FALSE(time_from_epoch_seconds(std::numeric_limits<double>::infinity()));
}
