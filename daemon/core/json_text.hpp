#pragma once

// JSON text that diffs cleanly: object keys sorted bytewise (which is code
// point order for UTF-8), two-space indentation, numbers written the same way
// in every locale.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace mw::core {

// `value` pretty-printed with sorted keys and a trailing newline.
std::string to_sorted_pretty_json(const boost::json::value& value);

// Appends what to_sorted_pretty_json writes, without the trailing newline,
// for a value nested `depth` levels deep (its lines indented to match).
void append_sorted_pretty_json(std::string& out, const boost::json::value& value, int depth);

// Appends `value` on one line (no spaces) with every object's keys sorted:
// the canonical text that append_pretty_from_compact turns into what
// append_sorted_pretty_json writes.
void append_sorted_compact_json(std::string& out, const boost::json::value& value);
std::string to_sorted_compact_json(const boost::json::value& value);

// Appends the pretty form, nested `depth` levels deep, of `compact`: text
// written by append_sorted_compact_json (re-indented, not parsed again).
void append_pretty_from_compact(std::string& out, std::string_view compact, int depth);

// Appends quote_json_string(text).
void append_json_string(std::string& out, std::string_view text);

// `value` on one line (no spaces), keys in the object's own order.
std::string to_compact_json(const boost::json::value& value);

// A JSON string literal, quotes included. Invalid UTF-8 sequences become
// U+FFFD so the output is always valid UTF-8 (and readable by jq, python).
std::string quote_json_string(std::string_view text);

// A double with the fewest digits that read back to the same value (fixed
// notation unless tiny or huge), always
// with a fraction or exponent so it reads back as a double; non-finite
// values (which JSON cannot express) as null.
std::string format_json_double(double value);

}  // namespace mw::core
