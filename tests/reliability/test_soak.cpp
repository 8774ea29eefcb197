// The soak: the real memberwatchd in daemon mode against fake-aws with
// mixed faults, a cycle started every second (SIGUSR1; the configuration's
// interval cannot go under 30 s), MW_SOAK_CYCLES cycles (default 2,000).
// After a warm-up of a tenth of the cycles, resident memory may grow by
// less than 5 %, the thread count must not change and open file
// descriptors must stay flat. The figures go to stdout and to
// MW_SOAK_CSV (default: reliability-soak.csv in the build tree).

#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "reliability_support.hpp"
#include "server.hpp"
#include "support/test_files.hpp"

namespace mw::reliability {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int soak_cycles() {
  const char* text = std::getenv("MW_SOAK_CYCLES");
  return text ? std::max(20, std::atoi(text)) : 2000;
}

// Every fault at a few percent: most cycles have a retry or two, some a
// failed source.
constexpr std::string_view kMixedFaults =
    "  - {error_rate: 0.03, reset_rate: 0.03, truncate_rate: 0.03, malformed_rate: 0.03, trickle_rate: 0.03,"
    " trickle_ms: 5, throttle_rate: 0.03, jitter_ms: 20}\n";

struct Sample {
  int cycle = 0;
  double seconds = 0;
  ProcessFigures figures;
};

long max_of(const std::vector<Sample>& samples, std::size_t from, std::size_t to,
            long ProcessFigures::*field) {
  long best = 0;
  for (std::size_t i = from; i < to; ++i) best = std::max(best, samples[i].figures.*field);
  return best;
}

}  // namespace

TEST_CASE("soak: cycles every second with mixed faults, memory and descriptors flat") {
  const int total = soak_cycles();
  test::TempFolder dir("soak");
  fake_aws::Server server(fake_aws::parse_world(small_world(kMixedFaults)));
  server.start();
  const auto state = dir.path() / "state";
  const auto config_path = dir.path() / "memberwatch.yaml";
  write_file(config_path, small_config(state, "health:\n  listen: 127.0.0.1:0\n"));
  DaemonProcess daemon({{"--config", config_path.string()}, fake_aws_environment(server.endpoint_url())});

  std::vector<Sample> samples;
  const auto began = std::chrono::steady_clock::now();
  auto last_start = began;
  for (int cycle = 1; cycle <= total; ++cycle) {
    if (cycle > 1) {
      std::this_thread::sleep_until(last_start + 1s);
      last_start = std::chrono::steady_clock::now();
      daemon.signal(SIGUSR1);
    }
    REQUIRE_MESSAGE(daemon.wait_for_log("cycle finished", static_cast<std::size_t>(cycle), 120s),
                    "cycle " << cycle << " did not finish");
    samples.push_back({cycle, std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(),
                       process_figures(daemon.pid())});
    if (cycle % 100 == 0) server.emulator().clear_request_log();
  }
  const auto log = daemon.log();
  CHECK(count_occurrences(log, "without snapshot") == 0);
  CHECK(daemon.running());
  load_snapshot_file(state / "snapshot.json");

  const char* csv_env = std::getenv("MW_SOAK_CSV");
  const fs::path csv_path = csv_env ? fs::path(csv_env) : fs::path(MW_BINARY_DIR) / "reliability-soak.csv";
  std::ofstream csv(csv_path);
  csv << "cycle,seconds,rss_kib,threads,open_fds\n";
  for (const auto& s : samples)
    csv << s.cycle << "," << s.seconds << "," << s.figures.rss_kib << "," << s.figures.threads << ","
        << s.figures.open_fds << "\n";

  const std::size_t warm = samples.size() / 10;
  const std::size_t half = samples.size() / 2;
  const auto& after_warm_up = samples[warm];
  const auto& last = samples.back();
  const double growth = 100.0 * static_cast<double>(last.figures.rss_kib - after_warm_up.figures.rss_kib) /
                        static_cast<double>(after_warm_up.figures.rss_kib);
  const long peak_rss = max_of(samples, warm, samples.size(), &ProcessFigures::rss_kib);
  MESSAGE("soak cycles=" << total << " seconds=" << last.seconds << " rss_kib_after_warm_up="
                         << after_warm_up.figures.rss_kib << " rss_kib_end=" << last.figures.rss_kib
                         << " rss_kib_peak=" << peak_rss << " growth_percent=" << growth
                         << " threads=" << after_warm_up.figures.threads << "->" << last.figures.threads
                         << " fds_max_first_half=" << max_of(samples, warm, half, &ProcessFigures::open_fds)
                         << " fds_max_second_half="
                         << max_of(samples, half, samples.size(), &ProcessFigures::open_fds)
                         << " fds_end=" << last.figures.open_fds << " csv=" << csv_path.string());
  CHECK(growth < 5.0);
  for (std::size_t i = warm; i < samples.size(); ++i) {
    CAPTURE(samples[i].cycle);
    CHECK(samples[i].figures.threads == after_warm_up.figures.threads);
  }
  // Pooled connections come and go with the faults; the ceiling must not rise.
  CHECK(max_of(samples, half, samples.size(), &ProcessFigures::open_fds) <=
        max_of(samples, warm, half, &ProcessFigures::open_fds) + 2);
}

}  // namespace mw::reliability
