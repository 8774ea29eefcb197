#pragma once

// Timestamps as the snapshot writes them: RFC 3339 in UTC, "Z" suffix,
// milliseconds only when the source gave a fraction of a second.

#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace mw::core {

// An ISO 8601 / RFC 3339 date-time as AWS returns it ("2021-08-18T16:35:56.284Z",
// "2018-02-09T21:33:05Z", "2021-08-18T18:35:56+02:00", lowercase t/z, a space
// instead of T) as an instant in UTC. A fraction is kept to millisecond
// precision (padded or truncated to three digits); no fraction stays without
// one. nullopt when the text is not such a date-time or names an impossible
// date.
std::optional<Rfc3339Time> parse_iso8601_time(std::string_view text);

// Seconds since the Unix epoch (AWS's epoch-seconds timestamps, possibly
// fractional); with milliseconds when the value has a fraction. nullopt for
// non-finite values or years outside 0001..9999.
std::optional<Rfc3339Time> time_from_epoch_seconds(double seconds);

}  // namespace mw::core
