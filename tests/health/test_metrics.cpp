#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "health/metrics.hpp"

using namespace mw::health;

TEST_CASE("sample values are written locale-independently, shortest form first") {
  CHECK(format_sample_value(0) == "0");
  CHECK(format_sample_value(1) == "1");
  CHECK(format_sample_value(-2.5) == "-2.5");
  CHECK(format_sample_value(0.1) == "0.1");
  CHECK(format_sample_value(1234567.0) == "1234567");
  CHECK(format_sample_value(1e21) == "1e+21");
  CHECK(format_sample_value(1700000000.123) == "1700000000.123");
  CHECK(format_sample_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_sample_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_sample_value(std::nan("")) == "NaN");
}

TEST_CASE("label values escape backslash, double quote and newline, HELP escapes backslash and newline") {
  CHECK(escape_label_value(R"(a\b"c)"
                           "\nd") == R"(a\\b\"c\nd)");
  CHECK(escape_label_value("plain é") == "plain é");
  CHECK(escape_help("line\\one\nline \"two\"") == R"(line\\one\nline "two")");
}

TEST_CASE("a small registry renders exactly, families sorted by name, series by label values") {
  Registry registry;
  auto& requests = registry.add_counter("mw_requests_total", "Requests sent.", {"service", "code"});
  auto& up = registry.add_gauge("mw_up", "Whether it is up.");
  requests.increment({"guardduty", "200"}, 3);
  requests.increment({"detective", "500"});
  requests.increment({"detective", "200"}, 0.5);
  up.set(1);
  CHECK(registry.render() ==
        "# HELP mw_requests_total Requests sent.\n"
        "# TYPE mw_requests_total counter\n"
        "mw_requests_total{service=\"detective\",code=\"200\"} 0.5\n"
        "mw_requests_total{service=\"detective\",code=\"500\"} 1\n"
        "mw_requests_total{service=\"guardduty\",code=\"200\"} 3\n"
        "# HELP mw_up Whether it is up.\n"
        "# TYPE mw_up gauge\n"
        "mw_up 1\n");
}

TEST_CASE("escaped label values and HELP text appear escaped in the exposition") {
  Registry registry;
  auto& gauge = registry.add_gauge("mw_odd", "Back\\slash and\nnewline.", {"name"});
  gauge.set({"say \"hi\"\\\n"}, -1);
  CHECK(registry.render() ==
        "# HELP mw_odd Back\\\\slash and\\nnewline.\n"
        "# TYPE mw_odd gauge\n"
        "mw_odd{name=\"say \\\"hi\\\"\\\\\\n\"} -1\n");
}

TEST_CASE("unlabelled families show 0 from the start, labelled ones only once a series exists") {
  Registry registry;
  registry.add_counter("mw_events_total", "Events.");
  registry.add_gauge("mw_members", "Members.", {"status"});
  CHECK(registry.render() ==
        "# HELP mw_events_total Events.\n"
        "# TYPE mw_events_total counter\n"
        "mw_events_total 0\n");
}

TEST_CASE("histograms write cumulative buckets with le, then _sum and _count") {
  Registry registry;
  auto& duration = registry.add_histogram("mw_duration_seconds", "Durations.", {"op"}, {0.25, 1, 2.5});
  duration.observe({"Get"}, 0.125);
  duration.observe({"Get"}, 0.25);  // on a bound: counted in that bucket (le)
  duration.observe({"Get"}, 2);
  duration.observe({"Get"}, 7);
  CHECK(registry.render() ==
        "# HELP mw_duration_seconds Durations.\n"
        "# TYPE mw_duration_seconds histogram\n"
        "mw_duration_seconds_bucket{op=\"Get\",le=\"0.25\"} 2\n"
        "mw_duration_seconds_bucket{op=\"Get\",le=\"1\"} 2\n"
        "mw_duration_seconds_bucket{op=\"Get\",le=\"2.5\"} 3\n"
        "mw_duration_seconds_bucket{op=\"Get\",le=\"+Inf\"} 4\n"
        "mw_duration_seconds_sum{op=\"Get\"} 9.375\n"
        "mw_duration_seconds_count{op=\"Get\"} 4\n");
  auto snapshot = duration.snapshot({"Get"});
  CHECK(snapshot.cumulative_counts == std::vector<std::uint64_t>{2, 2, 3, 4});
  CHECK(snapshot.count == 4);
}

TEST_CASE("an unlabelled histogram writes only le on its buckets") {
  Registry registry;
  auto& histogram = registry.add_histogram("mw_size_bytes", "Sizes.", {}, {10});
  histogram.observe(3);
  CHECK(registry.render() ==
        "# HELP mw_size_bytes Sizes.\n"
        "# TYPE mw_size_bytes histogram\n"
        "mw_size_bytes_bucket{le=\"10\"} 1\n"
        "mw_size_bytes_bucket{le=\"+Inf\"} 1\n"
        "mw_size_bytes_sum 3\n"
        "mw_size_bytes_count 1\n");
}

TEST_CASE("clear drops every series of a family, replace swaps the whole set") {
  Registry registry;
  auto& members = registry.add_gauge("mw_members", "Members.", {"status"});
  auto& plain = registry.add_gauge("mw_plain", "Plain.");
  members.set({"ENABLED"}, 4);
  members.set({"INVITED"}, 1);
  plain.set(9);
  members.clear();
  plain.clear();
  CHECK(members.value({"ENABLED"}) == 0);
  CHECK(registry.render() == "# HELP mw_plain Plain.\n# TYPE mw_plain gauge\nmw_plain 0\n");
  members.replace({{{"REMOVED"}, 2}, {{"ENABLED"}, 7}});
  CHECK(registry.render() ==
        "# HELP mw_members Members.\n# TYPE mw_members gauge\n"
        "mw_members{status=\"ENABLED\"} 7\nmw_members{status=\"REMOVED\"} 2\n"
        "# HELP mw_plain Plain.\n# TYPE mw_plain gauge\nmw_plain 0\n");
}

TEST_CASE("gauges add, counters accumulate, values read back") {
  Registry registry;
  auto& gauge = registry.add_gauge("mw_g", "G.", {"k"});
  gauge.add({"a"}, 2);
  gauge.add({"a"}, -0.5);
  CHECK(gauge.value({"a"}) == 1.5);
  auto& counter = registry.add_counter("mw_c_total", "C.");
  counter.increment();
  counter.increment({}, 2);
  CHECK(counter.value() == 3);
}

TEST_CASE("invalid names, label sets, amounts and bounds are rejected") {
  Registry registry;
  CHECK_THROWS_AS(registry.add_gauge("1bad", "x"), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_gauge("bad-name", "x"), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_gauge("mw_x", "x", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_gauge("mw_x", "x", {"a:b"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_gauge("mw_x", "x", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_histogram("mw_h", "x", {"le"}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_histogram("mw_h", "x", {}, {}), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_histogram("mw_h", "x", {}, {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_histogram("mw_h", "x", {}, {1, INFINITY}), std::invalid_argument);

  auto& gauge = registry.add_gauge("mw_x", "x", {"a"});
  CHECK_THROWS_AS(registry.add_counter("mw_x", "again"), std::invalid_argument);
  CHECK_THROWS_AS(gauge.set({}, 1), std::invalid_argument);
  CHECK_THROWS_AS(gauge.set({"1", "2"}, 1), std::invalid_argument);

  auto& counter = registry.add_counter("mw_c_total", "c");
  CHECK_THROWS_AS(counter.increment({}, -1), std::invalid_argument);
  CHECK_THROWS_AS(counter.increment({}, std::nan("")), std::invalid_argument);

  // A histogram's sample names must not collide with another family's.
  registry.add_gauge("mw_lat_count", "x");
  CHECK_THROWS_AS(registry.add_histogram("mw_lat", "x", {}, {1}), std::invalid_argument);
  auto& histogram = registry.add_histogram("mw_other", "x", {}, {1});
  CHECK_THROWS_AS(histogram.observe(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(registry.add_gauge("mw_other_sum", "x"), std::invalid_argument);
}
