// The snapshot loader and the changes-log line parser: never throw, and
// what they accept is written back to text that parses to the same text.

#include "fuzz_support.hpp"
#include "store/snapshot_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mw::store;
  auto text = mw::fuzz::as_text(data, size);
  auto snapshot = parse_snapshot(text);
  mw::fuzz::require(snapshot.value.has_value() == snapshot.error.empty(),
                    "snapshot value and error disagree");
  if (snapshot) {
    auto written = serialize(*snapshot.value);
    auto reread = parse_snapshot(written);
    mw::fuzz::require(reread.value.has_value(), "a loaded snapshot, written back, does not load");
    mw::fuzz::require(serialize(*reread.value) == written, "a snapshot changes when written twice");
  }
  auto change = parse_change_line(text);
  mw::fuzz::require(change.value.has_value() == change.error.empty(), "change value and error disagree");
  if (change) {
    auto line = serialize_change(*change.value);
    auto reread = parse_change_line(line);
    mw::fuzz::require(reread.value.has_value(), "a loaded change, written back, does not load");
    mw::fuzz::require(serialize_change(*reread.value) == line, "a change changes when written twice");
  }
  return 0;
}
