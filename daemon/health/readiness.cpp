#include "health/readiness.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mw::health {

Readiness evaluate_readiness(const ReadinessInputs& inputs) {
  if (!inputs.snapshot_exists) return {false, "no snapshot has been written yet"};
  if (!inputs.state_write_error.empty())
    return {false, "the last cycle's state could not be written: " + inputs.state_write_error};
  if (!inputs.last_cycle_finished_at) return {false, "no cycle has finished yet"};
  const auto limit = 3 * inputs.interval;
  const auto age =
      std::chrono::duration_cast<std::chrono::seconds>(inputs.now - *inputs.last_cycle_finished_at);
  if (age < limit) return {true, ""};
  return {false, "the last cycle finished " + std::to_string(age.count()) +
                     "s ago, not less than 3 x interval (" + std::to_string(limit.count()) + "s)"};
}

std::string readiness_json(const Readiness& readiness) {
  boost::json::object body;
  body["status"] = readiness.ready ? "ready" : "not ready";
  if (!readiness.ready) body["reason"] = readiness.reason;
  return boost::json::serialize(body);
}

}  // namespace mw::health
