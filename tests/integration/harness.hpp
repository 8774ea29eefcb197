#pragma once

// What every end-to-end test needs: fake-aws in-process, a configuration
// with a temporary state directory, a Runtime running whole cycles as the
// daemon does, and the log of the run.

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/runtime.hpp"
#include "config/config.hpp"
#include "core/model.hpp"
#include "server.hpp"
#include "support/test_files.hpp"
#include "support/test_tls.hpp"

namespace mw::integration {

// The base credentials of the demo world, used by every test world.
inline constexpr std::string_view kAccessKeyId = "AKIAMWDEMO0000000001";
inline constexpr std::string_view kSecretAccessKey = "memberwatch-demo-secret-access-key-00001";

// Throws when the file cannot be read (test::read_file gives "").
std::string read_file(const std::filesystem::path& path);
using test::write_file;
std::filesystem::path source_path(std::string_view relative);  // in the repository

std::string replace_all(std::string text, std::string_view from, std::string_view to);

// The environment memberwatchd would see: fake-aws's endpoint, the demo
// credentials and nothing from this machine (no IMDS, no shared files); as
// variables (for a child process) and as a lookup (for an in-process one).
std::map<std::string, std::string, std::less<>> fake_aws_environment(const std::string& endpoint_url);
aws::EnvLookup fake_aws_env(const std::string& endpoint_url);

// Every request of `service`.`operation` fails: `error_rate` gives the
// service's 5xx (retried until max_attempts), `malformed_rate` a 200 whose
// body does not parse.
fake_aws::World with_fault(fake_aws::World world, fake_aws::Service service, std::string operation,
                           bool malformed = false);

// Parses configuration text as if read from `directory`/memberwatch.yaml
// (relative state_dir resolves there). Throws std::runtime_error listing
// the errors.
config::Config make_config(std::string_view text, const std::filesystem::path& directory);

// fake-aws on a loopback port for the test's lifetime.
class FakeAws {
 public:
  explicit FakeAws(std::string_view world_yaml);
  explicit FakeAws(fake_aws::World world);
  fake_aws::Server& server() { return server_; }
  std::string endpoint_url() const { return server_.endpoint_url(); }
  std::vector<fake_aws::RequestLogEntry> requests() const { return server_.request_log(); }
  void set_world(std::string_view world_yaml);

 private:
  fake_aws::Server server_;
};

// One memberwatchd over one configuration: cycles run to completion on the
// calling thread, like `memberwatchd --once`.
class Daemon {
 public:
  Daemon(config::Config config, const std::string& endpoint_url);
  ~Daemon();

  app::CycleOutcome cycle();
  const core::Snapshot& snapshot() const;  // the last one written
  app::Runtime& runtime() { return *runtime_; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<app::Runtime> runtime_;
  // The last snapshot written: a cycle's, or the one on disk at the start.
  mutable std::optional<core::Snapshot> last_written_;
};

// The snapshot file as written, and parsed as JSON.
std::string snapshot_text(const config::Config& config);
boost::json::object snapshot_json(const config::Config& config);

// Lookups in a snapshot; nullptr when absent.
const core::SourceSummary* find_source(const core::Snapshot& snapshot, std::string_view administrator_id,
                                       core::Service service, std::string_view region);
const core::Membership* find_membership(const core::Snapshot& snapshot, std::string_view account_id,
                                        core::Service service, std::string_view region,
                                        std::string_view administrator_id);
const core::AccountSummary* find_account(const core::Snapshot& snapshot, std::string_view account_id);

// Every log line while it lives (the default logger is swapped for one that
// records, at debug level).
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const;

 private:
  class Sink;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

// The head of a world of one administrator (111111111111, AssumeRole into
// memberwatch-read with the demo credentials), up to its us-east-1
// Security Hub members list: append "            - {account_id: ...}" items.
inline constexpr std::string_view kHubWorldHead = R"(credentials:
  - {access_key_id: AKIAMWDEMO0000000001, secret_access_key: memberwatch-demo-secret-access-key-00001,
     account_id: "999999999999"}
roles:
  - arn: arn:aws:iam::111111111111:role/memberwatch-read
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          members:
)";

// A world of one administrator (111111111111, AssumeRole into
// memberwatch-read) with `members` accounts 3000000000NN, ENABLED in every
// service of us-east-1, fake-aws's throttling off; `extra` is more
// top-level YAML (faults:, organization:, ...).
std::string members_world(int members, std::string_view extra = "");
std::string member_account(int index);  // "300000000001" for 1

}  // namespace mw::integration
