#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/detail.hpp"
#include "core/json_text.hpp"

using mw::core::Detail;

namespace {

std::string canonical(std::string_view json) {
  std::string compact;
  mw::core::append_sorted_compact_json(compact, boost::json::parse(json));
  return compact;
}

}  // namespace

TEST_CASE("a detail is its object's canonical text, whatever the key order, and pretty-prints as before") {
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
  const Detail a(object);
  const Detail b(reversed);
  CHECK(a == b);
  CHECK(a.canonical_json().substr(0, 6) == R"({"a":{)");
  CHECK(boost::json::value(a.object()) == boost::json::value(object));
  CHECK(Detail::from_canonical_json(a.canonical_json()) == a);

  for (const int depth : {0, 3}) {
    std::string reindented;
    mw::core::append_pretty_from_compact(reindented, a.canonical_json(), depth);
    std::string pretty;
    mw::core::append_sorted_pretty_json(pretty, object, depth);
    CHECK(reindented == pretty);
  }
  const Detail empty(boost::json::object{});
  CHECK(empty.empty());
  CHECK(empty == Detail());
  CHECK(empty.canonical_json() == "{}");
  CHECK(empty.object().empty());
}

TEST_CASE("a detail whose IDs and figures differ per member is packed, and reads back byte for byte") {
  const std::vector<std::string> texts = {
      // GuardDuty: the member's detector ID is cut out, account IDs stay.
      R"({"administrator_id":"100000000001","detector_id":"a71f12f5d5b8d8f0acf1fc178f705ccd","master_id":"100000000001"})",
      // Detective: volume figures and timestamps.
      R"({"graph_arn":"arn:aws:detective:us-east-1:100000000001:graph:533d3d41e599e8609478c370add57d09",)"
      R"("percent_of_graph_utilization":12.25,"volume_usage_by_datasource_package":{"DETECTIVE_CORE":)"
      R"({"volume_usage_in_bytes":44917225,"volume_usage_update_time":"2022-05-06T07:08:09.123Z"}},)"
      R"("volume_usage_in_bytes":-44917225,"volume_usage_updated_time":"2022-05-06T07:08:09Z"})",
      // An odd length, a value of exactly 127 characters, one of 128 (kept).
      R"({"id":"0123456789abcdef0"})",
      R"({"id":")" + std::string(127, 'f') + R"("})",
      R"({"id":")" + std::string(128, 'f') + R"(","n":1234})",
      // Keys are never cut, even when they look like values.
      R"({"0123456789abcdef0123":"0123456789abcdef0123","1234":[5678,"2022-05-06T07:08:09Z"]})",
  };
  for (const auto& text : texts) {
    CAPTURE(text);
    const Detail detail = Detail::from_canonical_json(text);
    CHECK(detail.packed());
    CHECK(detail.canonical_json() == text);
    CHECK(detail == Detail(boost::json::parse(text).as_object()));
    CHECK(boost::json::value(detail.object()) == boost::json::parse(text));

    // Its pattern re-indented once, then filled: what re-indenting the whole text gives.
    REQUIRE(detail.pattern() != nullptr);
    std::string pretty_pattern;
    mw::core::append_pretty_from_compact(pretty_pattern, detail.pattern()->view(), 3);
    std::string filled;
    detail.append_filled(filled, pretty_pattern);
    std::string pretty;
    mw::core::append_pretty_from_compact(pretty, text, 3);
    CHECK(filled == pretty);
  }
}

TEST_CASE("a detail with nothing worth cutting out stays one shared text") {
  for (const std::string text : {
           R"({"administrator_id":"100000000001","master_id":"100000000001"})",
           R"({"id":"0123456789abcde","n":123,"s":"2022-05-06","x":1.5e300,"y":"0123456789ABCDEF0123"})",
           R"({"quote":"say \"0123456789abcdef0123\"","esc":"\u0001 0123456789abcdef0123"})",
       }) {
    CAPTURE(text);
    const Detail detail = Detail::from_canonical_json(text);
    CHECK_FALSE(detail.packed());
    CHECK(detail.pattern() == nullptr);
    CHECK(detail.canonical_json() == text);
  }
}

TEST_CASE("packed details are equal exactly when their texts are, and copies share the block") {
  const auto guardduty = [](const std::string& detector) {
    return Detail::from_canonical_json(R"({"detector_id":")" + detector + R"(","master_id":"100000000001"})");
  };
  const Detail a = guardduty("a71f12f5d5b8d8f0acf1fc178f705ccd");
  const Detail same = guardduty("a71f12f5d5b8d8f0acf1fc178f705ccd");
  const Detail other = guardduty("a71f12f5d5b8d8f0acf1fc178f705cce");
  const Detail longer = guardduty("a71f12f5d5b8d8f0acf1fc178f705ccd0");
  CHECK(a == same);
  CHECK_FALSE(a == other);
  CHECK_FALSE(a == longer);
  CHECK_FALSE(a == Detail());
  CHECK_FALSE(a == Detail::from_canonical_json(R"({"master_id":"100000000001"})"));

  Detail copy = a;
  CHECK(copy == a);
  Detail moved = std::move(copy);
  CHECK(moved.canonical_json() == a.canonical_json());
  CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from detail is {}
  moved = other;
  CHECK(moved == other);
  moved = Detail();
  CHECK(moved.canonical_json() == "{}");
}

TEST_CASE("random details of IDs, figures and timestamps read back as written") {
  std::mt19937 random(20261121);
  const auto pick = [&](std::string_view letters, std::size_t length) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i) text += letters[random() % letters.size()];
    return text;
  };
  for (int round = 0; round < 2000; ++round) {
    boost::json::object object;
    const std::size_t fields = 1 + random() % 6;
    for (std::size_t f = 0; f < fields; ++f) {
      const std::string key = pick("abcdef0123_", 1 + random() % 20);
      switch (random() % 5) {
        case 0:
          object[key] = pick("0123456789abcdef", random() % 140);
          break;
        case 1:
          object[key] = pick("0123456789+-.:TZ", random() % 140);
          break;
        case 2:
          object[key] = static_cast<std::int64_t>(random()) - (1LL << 31);
          break;
        case 3:
          object[key] = static_cast<double>(random()) / 7.0;
          break;
        default:
          object[key] = pick("\x01\"\\ab09:Tz", random() % 30);
          break;
      }
    }
    const std::string text = canonical(boost::json::serialize(object));
    CAPTURE(text);
    const Detail detail = Detail::from_canonical_json(text);
    CHECK(detail.canonical_json() == text);
    CHECK(Detail(detail.object()) == detail);
  }
}

TEST_CASE("copies of one packed detail may be made and dropped on many threads") {
  const Detail original =
      Detail::from_canonical_json(R"({"detector_id":"a71f12f5d5b8d8f0acf1fc178f705ccd"})");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&original] {
      for (int i = 0; i < 20000; ++i) {
        const Detail copy = original;
        if (!copy.packed()) throw std::logic_error("copy lost its packing");
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(original.canonical_json() == R"({"detector_id":"a71f12f5d5b8d8f0acf1fc178f705ccd"})");
}

TEST_CASE("the canonical text is read in place, or unpacked into scratch when packed") {
  std::string scratch = "left over";
  const Detail plain = Detail::from_canonical_json(R"({"master_id":"100000000001"})");
  CHECK(plain.canonical_json(scratch) == R"({"master_id":"100000000001"})");
  CHECK(scratch == "left over");
  CHECK(Detail().canonical_json(scratch) == "{}");
  const Detail packed = Detail::from_canonical_json(R"({"detector_id":"a71f12f5d5b8d8f0acf1fc178f705ccd"})");
  const std::string_view text = packed.canonical_json(scratch);
  CHECK(text == R"({"detector_id":"a71f12f5d5b8d8f0acf1fc178f705ccd"})");
  CHECK(text.data() == scratch.data());
}
