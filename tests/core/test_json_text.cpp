#include "core/json_text.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <string>

namespace {

using mw::core::quote_json_string;

std::string read_back(const std::string& quoted) {
  return std::string(boost::json::parse(quoted).as_string());
}

}  // namespace

// Strings are scanned eight bytes at a time: a character that needs escaping
// must be found wherever it falls in a word, and in the tail after the words.
TEST_CASE("a character that needs escaping is escaped at every position of every length") {
  const std::string specials[] = {"\"",   "\\",       "\n",           std::string(1, '\0'), "\x01",
                                  "\x1f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
  for (std::size_t length = 1; length <= 25; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (const auto& special : specials) {
        std::string text(length, 'a');
        text.replace(at, 1, special);
        CAPTURE(length);
        CAPTURE(at);
        CAPTURE(special);
        const std::string quoted = quote_json_string(text);
        CHECK(read_back(quoted) == text);
        for (const char c : quoted) CHECK(static_cast<unsigned char>(c) >= 0x20);
        if (special == "\"") CHECK(quoted.find("\\\"") != std::string::npos);
      }
    }
  }
}

TEST_CASE("plain printable ASCII is copied as it is, DEL and the space included") {
  std::string text;
  for (int c = 0x20; c < 0x80; ++c) {
    if (c != '"' && c != '\\') text += static_cast<char>(c);
  }
  CHECK(quote_json_string(text) == "\"" + text + "\"");
  CHECK(quote_json_string("") == "\"\"");
}

TEST_CASE("an invalid UTF-8 byte becomes U+FFFD wherever it falls") {
  for (std::size_t length = 1; length <= 20; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string text(length, 'b');
      text[at] = '\xff';
      std::string expected = text;
      expected.replace(at, 1, "\xEF\xBF\xBD");
      CAPTURE(length);
      CAPTURE(at);
      CHECK(read_back(quote_json_string(text)) == expected);
    }
  }
}

TEST_CASE("control characters have their short escapes or \\u00XX") {
  CHECK(quote_json_string("a\tb\rc\bd\fe") == "\"a\\tb\\rc\\bd\\fe\"");
  CHECK(quote_json_string("0123456789\x02") == "\"0123456789\\u0002\"");
}

TEST_CASE(
    "the canonical compact text is the same whatever the key order, and re-indents to the pretty form") {
  const auto object = boost::json::parse(R"({
    "z": "last", "a": {"y": [1, 2.5, {"k": "v"}, []], "b": {}}, "quote": "say \"{,}:[]\" \\",
    "n": -7, "big": 18446744073709551615, "t": true, "u": "ünï"
  })")
                          .as_object();
  boost::json::object reversed;
  for (auto it = object.end(); it != object.begin();) {
    --it;
    reversed[it->key()] = it->value();
  }
  std::string a;
  mw::core::append_sorted_compact_json(a, object);
  std::string b;
  mw::core::append_sorted_compact_json(b, reversed);
  CHECK(a == b);
  CHECK(a.substr(0, 6) == R"({"a":{)");
  CHECK(boost::json::parse(a) == boost::json::value(object));
  for (const int depth : {0, 3}) {
    std::string reindented;
    mw::core::append_pretty_from_compact(reindented, a, depth);
    std::string pretty;
    mw::core::append_sorted_pretty_json(pretty, object, depth);
    CHECK(reindented == pretty);
  }
}
