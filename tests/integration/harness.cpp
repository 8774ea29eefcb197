#include "harness.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "aws/endpoints.hpp"

namespace mw::integration {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path source_path(std::string_view relative) {
  return std::filesystem::path(MW_SOURCE_DIR) / relative;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::map<std::string, std::string, std::less<>> fake_aws_environment(const std::string& endpoint_url) {
  return {{"AWS_ENDPOINT_URL", endpoint_url},
          {"AWS_ACCESS_KEY_ID", std::string(kAccessKeyId)},
          {"AWS_SECRET_ACCESS_KEY", std::string(kSecretAccessKey)},
          {"AWS_EC2_METADATA_DISABLED", "true"},
          {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"},
          {"AWS_CONFIG_FILE", "/nonexistent"}};
}

aws::EnvLookup fake_aws_env(const std::string& endpoint_url) {
  return aws::env_from_map(fake_aws_environment(endpoint_url));
}

config::Config make_config(std::string_view text, const std::filesystem::path& directory) {
  auto parsed = config::parse_config(text, (directory / "memberwatch.yaml").string());
  if (!parsed.config) {
    std::string message = "test configuration rejected:";
    for (const auto& error : parsed.errors) message += "\n  " + error.to_string();
    throw std::runtime_error(message);
  }
  return std::move(*parsed.config);
}

FakeAws::FakeAws(std::string_view world_yaml) : FakeAws(fake_aws::parse_world(world_yaml)) {}

FakeAws::FakeAws(fake_aws::World world) : server_(std::move(world)) {
  server_.start();
}

void FakeAws::set_world(std::string_view world_yaml) {
  server_.emulator().set_world(fake_aws::parse_world(world_yaml));
}

Daemon::Daemon(config::Config config, const std::string& endpoint_url)
    : runtime_(std::make_unique<app::Runtime>(io_, std::move(config), fake_aws_env(endpoint_url))) {}

// io_.run() returned, so nothing is in flight: the Runtime goes before the
// io_context it was built on.
Daemon::~Daemon() {
  runtime_.reset();
}

app::CycleOutcome Daemon::cycle() {
  std::optional<app::CycleOutcome> outcome;
  std::exception_ptr failure;
  boost::asio::co_spawn(io_, runtime_->run_cycle(), [&](std::exception_ptr error, app::CycleOutcome result) {
    failure = error;
    outcome = std::move(result);
  });
  io_.restart();
  io_.run();
  if (failure) std::rethrow_exception(failure);
  if (!outcome) throw std::runtime_error("the cycle did not finish");
  if (outcome->written) last_written_ = outcome->snapshot;
  return std::move(*outcome);
}

const core::Snapshot& Daemon::snapshot() const {
  if (!last_written_) last_written_ = runtime_->runner().store().load_previous();
  if (!last_written_) throw std::runtime_error("no snapshot yet");
  return *last_written_;
}

std::string snapshot_text(const config::Config& config) {
  return read_file(std::filesystem::path(config.state_dir) / config.snapshot.path);
}

boost::json::object snapshot_json(const config::Config& config) {
  return boost::json::parse(snapshot_text(config)).as_object();
}

const core::SourceSummary* find_source(const core::Snapshot& snapshot, std::string_view administrator_id,
                                       core::Service service, std::string_view region) {
  for (const auto& source : snapshot.sources) {
    if (source.key.administrator_id == administrator_id && source.key.service == service &&
        source.key.region == region)
      return &source;
  }
  return nullptr;
}

const core::Membership* find_membership(const core::Snapshot& snapshot, std::string_view account_id,
                                        core::Service service, std::string_view region,
                                        std::string_view administrator_id) {
  for (const auto& membership : snapshot.memberships) {
    if (membership.account_id == account_id && membership.source->service == service &&
        membership.source->region == region && membership.source->administrator_id == administrator_id)
      return &membership;
  }
  return nullptr;
}

const core::AccountSummary* find_account(const core::Snapshot& snapshot, std::string_view account_id) {
  for (const auto& account : snapshot.accounts) {
    if (account.account_id == account_id) return &account;
  }
  return nullptr;
}

class LogCapture::Sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>("capture", sink_);
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(std::move(logger));
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
}

std::string LogCapture::text() const {
  return sink_->text();
}

std::string member_account(int index) {
  std::string digits = std::to_string(index);
  return "3" + std::string(11 - digits.size(), '0') + digits;
}

fake_aws::World with_fault(fake_aws::World world, fake_aws::Service service, std::string operation,
                           bool malformed) {
  fake_aws::Fault fault;
  fault.service = service;
  fault.operation = std::move(operation);
  (malformed ? fault.malformed_rate : fault.error_rate) = 1;
  world.faults.push_back(fault);
  return world;
}

std::string members_world(int members, std::string_view extra) {
  std::string list;
  for (int i = 1; i <= members; ++i) {
    list += "            - {account_id: \"" + member_account(i) + "\", email: \"m" + std::to_string(i) +
            "@example.com\", status: @STATUS@}\n";
  }
  std::string world = std::string(kHubWorldHead) + replace_all(list, "@STATUS@", "Enabled") +
                      R"(        guardduty:
          detector_id: 11111111111111111111111111111101
          members:
)" + replace_all(list, "@STATUS@", "Enabled") +
                      R"(        detective:
          graph_arn: arn:aws:detective:us-east-1:111111111111:graph:11111111111111111111111111111101
          members:
)" + replace_all(list, "@STATUS@", "ENABLED") +
                      R"(throttling:
  securityhub: {rate: 0}
  guardduty: {rate: 0}
  detective: {rate: 0}
  sts: {rate: 0}
  organizations: {rate: 0}
)";
  world += extra;
  return world;
}

}  // namespace mw::integration
