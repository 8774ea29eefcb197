#include "core/timestamps.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace mw::core {
namespace {

using Millis = std::chrono::milliseconds;
using std::chrono::sys_days;

// Years 0001..9999: what four digits of RFC 3339 can say.
constexpr std::int64_t kMinMillis = -62135596800000;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kMaxMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z

// Writes `value` as exactly `width` digits (the caller keeps it in range).
char* put_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// By hand rather than snprintf: every membership carries two or three
// timestamps, and snprintf was a tenth of the parser's time.
Rfc3339Time::Chars chars_of_millis(std::int64_t epoch_millis, bool with_fraction) {
  const auto time = std::chrono::sys_time<Millis>(Millis(epoch_millis));
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss clock(time - day);
  Rfc3339Time::Chars chars;
  char* const text = chars.text;
  char* end = put_digits(text, static_cast<unsigned>(int(date.year())), 4);
  *end++ = '-';
  end = put_digits(end, unsigned(date.month()), 2);
  *end++ = '-';
  end = put_digits(end, unsigned(date.day()), 2);
  *end++ = 'T';
  end = put_digits(end, static_cast<unsigned>(clock.hours().count()), 2);
  *end++ = ':';
  end = put_digits(end, static_cast<unsigned>(clock.minutes().count()), 2);
  *end++ = ':';
  end = put_digits(end, static_cast<unsigned>(clock.seconds().count()), 2);
  if (with_fraction) {
    *end++ = '.';
    end = put_digits(end, static_cast<unsigned>(clock.subseconds().count()), 3);
  }
  *end++ = 'Z';
  chars.size = static_cast<std::uint8_t>(end - text);
  return chars;
}

std::string format_millis(std::int64_t epoch_millis, bool with_fraction) {
  return std::string(chars_of_millis(epoch_millis, with_fraction).view());
}

// Reads exactly `width` digits at `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char wanted) {
  if (pos >= text.size() || text[pos] != wanted) return false;
  ++pos;
  return true;
}

struct ParsedTime {
  std::int64_t epoch_millis = 0;
  bool has_fraction = false;
};

std::optional<int> read_offset_minutes(std::string_view text, std::size_t& pos) {
  if (pos >= text.size()) return std::nullopt;
  const char sign = text[pos];
  if (sign == 'Z' || sign == 'z') {
    ++pos;
    return 0;
  }
  if (sign != '+' && sign != '-') return std::nullopt;
  ++pos;
  const auto hours = read_digits(text, pos, 2);
  if (!hours) return std::nullopt;
  if (pos < text.size() && text[pos] == ':') ++pos;
  const auto minutes = read_digits(text, pos, 2);
  if (!minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  const int total = *hours * 60 + *minutes;
  return sign == '-' ? -total : total;
}

std::optional<ParsedTime> parse_date_time(std::string_view text) {
  std::size_t pos = 0;
  const auto year = read_digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  const auto month = read_digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  const auto day = read_digits(text, pos, 2);
  if (!day || pos >= text.size()) return std::nullopt;
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
  ++pos;
  const auto hour = read_digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':')) return std::nullopt;
  const auto minute = read_digits(text, pos, 2);
  if (!minute || !expect(text, pos, ':')) return std::nullopt;
  const auto second = read_digits(text, pos, 2);
  if (!second) return std::nullopt;

  ParsedTime parsed;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t pad = digits; pad < 3; ++pad) millis *= 10;
    parsed.has_fraction = true;
  }
  const auto offset = read_offset_minutes(text, pos);
  if (!offset || pos != text.size()) return std::nullopt;

  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(unsigned(*month)),
                                         std::chrono::day(unsigned(*day))};
  if (*year < 1 || !date.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  const auto local = sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute - *offset) +
                     std::chrono::seconds(*second) + Millis(millis);
  parsed.epoch_millis = std::chrono::duration_cast<Millis>(local.time_since_epoch()).count();
  if (parsed.epoch_millis < kMinMillis || parsed.epoch_millis > kMaxMillis) return std::nullopt;
  return parsed;
}

}  // namespace

std::string format_rfc3339(TimePoint time) {
  const auto whole_seconds = std::chrono::floor<std::chrono::seconds>(time);
  return format_millis(std::chrono::duration_cast<Millis>(whole_seconds.time_since_epoch()).count(), false);
}

std::optional<Rfc3339Time> parse_iso8601_time(std::string_view text) {
  const auto parsed = parse_date_time(text);
  if (!parsed) return std::nullopt;
  return Rfc3339Time::from_millis(parsed->epoch_millis, parsed->has_fraction);
}

std::optional<Rfc3339Time> time_from_epoch_seconds(double seconds) {
  if (!std::isfinite(seconds)) return std::nullopt;
  const double millis = std::round(seconds * 1000.0);
  if (millis < double(kMinMillis) || millis > double(kMaxMillis)) return std::nullopt;
  const auto epoch_millis = static_cast<std::int64_t>(millis);
  return Rfc3339Time::from_millis(epoch_millis, epoch_millis % 1000 != 0);
}

std::string Rfc3339Time::text() const {
  return std::string(chars().view());
}

Rfc3339Time::Chars Rfc3339Time::chars() const {
  return has_value() ? chars_of_millis(epoch_millis(), with_fraction()) : Chars();
}

}  // namespace mw::core
