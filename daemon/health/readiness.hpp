#pragma once

// The /readyz rule as a pure function over values.

#include <chrono>
#include <optional>
#include <string>

namespace mw::health {

struct Readiness {
  bool ready = false;
  std::string reason;  // why not ready; "" when ready
};

struct ReadinessInputs {
  bool snapshot_exists = false;
  // When the last cycle finished, complete or partial: a permanently denied
  // region must not keep the daemon unready forever.
  std::optional<std::chrono::system_clock::time_point> last_cycle_finished_at;
  std::chrono::seconds interval{0};
  std::chrono::system_clock::time_point now;
  // Why the last cycle's state (changes log, snapshot) could not be
  // written; "" when it was. Unready while it lasts: what is served is old.
  std::string state_write_error;
};

// Ready once a snapshot exists, the last cycle's state was written, and the
// last finished cycle is younger than 3 x interval. A finish time in the future (the clock was set back)
// counts as fresh.
Readiness evaluate_readiness(const ReadinessInputs& inputs);

// The /readyz body: {"status":"ready"} or {"status":"not ready","reason":"..."}.
std::string readiness_json(const Readiness& readiness);

}  // namespace mw::health
