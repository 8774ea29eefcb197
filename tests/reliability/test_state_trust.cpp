// The real memberwatchd, which may run as root, trusts its state directory,
// its configuration and the files it names only when nobody but root and
// its own user can change or replace them (as sshd's StrictModes), and
// never follows a link planted where a state file should be.

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/file_trust.hpp"
#include "reliability_support.hpp"
#include "security_support.hpp"
#include "server.hpp"
#include "support/test_files.hpp"

namespace mw::reliability {
namespace {

namespace fs = std::filesystem;
constexpr uid_t kNobody = 65534;

const std::vector<std::string> kEnvironment{"HOME=/nonexistent", "PATH=/usr/bin:/bin",
                                            "AWS_EC2_METADATA_DISABLED=true"};

std::string config_for(const fs::path& state_dir, const std::string& extra = "") {
  return "interval: 5m\nstate_dir: " + state_dir.string() + "\nhealth:\n  listen: \"\"\n" + extra +
         "administrators:\n  - name: tooling\n    account_id: \"111111111111\"\n";
}

security::ProcessResult check_config(const fs::path& config) {
  return security::run_memberwatchd({"--config", config.string(), "--check-config"}, kEnvironment);
}

void make_dir(const fs::path& path, mode_t mode) {
  fs::create_directories(path);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("state_dir: refused when others can write it or a parent, accepted as systemd makes it") {
  test::TempFolder dir("trust");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  const fs::path config = dir.path() / "memberwatch.yaml";
  struct Case {
    std::string name;
    fs::path state_dir;
    std::string expected;  // "" when accepted
  };
  make_dir(dir.path() / "world", 0777);
  make_dir(dir.path() / "sticky-world", 01777);
  make_dir(dir.path() / "open-parent" / "state", 0750);
  REQUIRE(::chmod((dir.path() / "open-parent").c_str(), 0777) == 0);
  make_dir(dir.path() / "tmp-like" / "state", 0750);
  REQUIRE(::chmod((dir.path() / "tmp-like").c_str(), 01777) == 0);
  make_dir(dir.path() / "group-writable", 0770);
  make_dir(dir.path() / "systemd", 0750);
  const std::vector<Case> cases = {
      {"mode 0777", dir.path() / "world", "writable by others (mode 0777)"},
      {"mode 1777", dir.path() / "sticky-world", "writable by others (mode 1777)"},
      {"group-writable", dir.path() / "group-writable", "writable by others (mode 0770)"},
      {"a parent 0777 without the sticky bit", dir.path() / "open-parent" / "state",
       "is writable by others without the sticky bit"},
      {"a sticky parent, as /tmp", dir.path() / "tmp-like" / "state", ""},
      {"StateDirectory= (0750, the daemon's user)", dir.path() / "systemd", ""},
      {"not there yet, under a trusted parent", dir.path() / "systemd" / "new", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    security::write_file(config, config_for(c.state_dir));
    REQUIRE(::chmod(config.c_str(), 0640) == 0);
    const auto result = check_config(config);
    INFO(result.output);
    if (c.expected.empty()) {
      CHECK(result.exit_code == 0);
      continue;
    }
    CHECK(result.exit_code == 78);
    // At the place that names it: the second line, after "state_dir: ".
    CHECK(result.output.find(config.string() + ":2:12: state_dir: refused") != std::string::npos);
    CHECK(result.output.find(c.expected) != std::string::npos);
    // In every mode, not only --check-config: nothing is written there.
    CHECK(security::run_memberwatchd({"--config", config.string(), "--once"}, kEnvironment).exit_code == 78);
    CHECK_FALSE(fs::exists(c.state_dir / "snapshot.json"));
  }
}

TEST_CASE("files owned by another user are refused: state_dir, configuration, accounts file") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: giving a file to another user (chown) needs root");
    return;
  }
  test::TempFolder dir("trust-owner");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  const fs::path config = dir.path() / "memberwatch.yaml";
  const fs::path theirs = dir.path() / "theirs";
  make_dir(theirs, 0750);
  REQUIRE(::chown(theirs.c_str(), kNobody, kNobody) == 0);
  security::write_file(config, config_for(theirs));
  REQUIRE(::chmod(config.c_str(), 0644) == 0);
  auto result = check_config(config);
  CHECK(result.exit_code == 78);
  CHECK(result.output.find("is owned by uid 65534") != std::string::npos);

  // The configuration itself, owned by nobody with mode 0644 (accepted before).
  security::write_file(config, config_for(dir.path() / "state"));
  REQUIRE(::chown(config.c_str(), kNobody, kNobody) == 0);
  result = check_config(config);
  INFO(result.output);
  CHECK(result.exit_code == 78);
  CHECK(result.output.find(config.string() + ": refused: ") != std::string::npos);
  REQUIRE(::chown(config.c_str(), 0, 0) == 0);

  // The accounts file it names: another user's, or writable by the group.
  const fs::path accounts = dir.path() / "accounts.txt";
  security::write_file(accounts, "222222222222\n");
  security::write_file(config,
                       config_for(dir.path() / "state", "accounts:\n  file: " + accounts.string() + "\n"));
  REQUIRE(::chmod(accounts.c_str(), 0664) == 0);
  result = check_config(config);
  CHECK(result.exit_code == 78);
  CHECK(result.output.find("accounts.file: refused") != std::string::npos);
  REQUIRE(::chmod(accounts.c_str(), 0644) == 0);
  CHECK(check_config(config).exit_code == 0);
  REQUIRE(::chown(accounts.c_str(), kNobody, kNobody) == 0);
  CHECK(check_config(config).exit_code == 78);

  // The CA bundle: whoever can change it can read the AWS traffic.
  const fs::path bundle = dir.path() / "ca.pem";
  security::write_file(bundle, "not checked before the trust\n");
  REQUIRE(::chown(bundle.c_str(), kNobody, kNobody) == 0);
  security::write_file(config, config_for(dir.path() / "state", "aws:\n  ca_bundle: ca.pem\n"));
  result = check_config(config);
  INFO(result.output);
  CHECK(result.exit_code == 78);
  CHECK(result.output.find(":6:14: aws.ca_bundle: refused: " + bundle.string() + " is owned by uid 65534") !=
        std::string::npos);
}

// A reload is checked as a start is: moving state_dir where others can
// write is refused, the running configuration and its state stay.
TEST_CASE("a reload that moves state_dir to an untrusted folder is refused, the daemon keeps its state") {
  test::TempFolder dir("trust-reload");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  fake_aws::Server server{fake_aws::parse_world(small_world())};
  server.start();
  const fs::path state = dir.path() / "state";
  const fs::path open_state = dir.path() / "open";
  make_dir(open_state, 0777);
  const fs::path config = dir.path() / "memberwatch.yaml";
  const std::string no_endpoint = "health:\n  listen: \"\"\n";
  write_file(config, small_config(state, no_endpoint));
  REQUIRE(::chmod(config.c_str(), 0640) == 0);
  DaemonProcess daemon(
      DaemonProcess::Options{{"--config", config.string()}, fake_aws_environment(server.endpoint_url())});
  REQUIRE_MESSAGE(daemon.wait_for_log("cycle finished", 1, std::chrono::seconds(60)), daemon.log());

  write_file(config, small_config(open_state, no_endpoint));
  daemon.signal(SIGHUP);
  REQUIRE_MESSAGE(daemon.wait_for_log("reload rejected", 1, std::chrono::seconds(30)), daemon.log());
  CHECK(daemon.log().find("state_dir: refused: " + open_state.string() + " is writable by others") !=
        std::string::npos);
  daemon.signal(SIGUSR1);
  REQUIRE_MESSAGE(daemon.wait_for_log("cycle finished", 2, std::chrono::seconds(60)), daemon.log());
  CHECK(daemon.running());
  CHECK(fs::is_empty(open_state));
  load_snapshot_file(state / "snapshot.json");
}

TEST_CASE("file_trust: the rules, path by path") {
  test::TempFolder dir("trust-unit");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  const uid_t me = ::geteuid();
  const fs::path file = dir.path() / "f";
  security::write_file(file, "x");
  for (const mode_t mode : {0600, 0640, 0644, 0400}) {
    REQUIRE(::chmod(file.c_str(), mode) == 0);
    CHECK(untrusted_file_reason(file, me).empty());
  }
  for (const mode_t mode : {0620, 0602, 0666}) {
    REQUIRE(::chmod(file.c_str(), mode) == 0);
    CHECK(untrusted_file_reason(file, me).find("writable by other users") != std::string::npos);
  }
  CHECK(untrusted_file_reason(dir.path() / "missing", me).empty());
  // A link to a trusted directory is judged where it leads, too.
  make_dir(dir.path() / "open", 0777);
  make_dir(dir.path() / "open" / "state", 0750);
  fs::create_directory_symlink(dir.path() / "open" / "state", dir.path() / "link");
  CHECK_FALSE(untrusted_directory_reason(dir.path() / "link", me).empty());
  make_dir(dir.path() / "good", 0750);
  fs::create_directory_symlink(dir.path() / "good", dir.path() / "good-link");
  CHECK(untrusted_directory_reason(dir.path() / "good-link", me).empty());
}

TEST_CASE("a link planted where a state file should be is never followed, its victim stays untouched") {
  test::TempFolder dir("trust-link");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  fake_aws::Server server{fake_aws::parse_world(small_world())};
  server.start();
  const fs::path state = dir.path() / "state";
  make_dir(state, 0750);
  const fs::path victim = dir.path() / "victim";
  security::write_file(victim, "root's own file\n");
  REQUIRE(::chmod(victim.c_str(), 0600) == 0);
  fs::create_symlink(victim, state / "changes.jsonl");
  const fs::path config = dir.path() / "memberwatch.yaml";
  write_file(config, small_config(state));
  REQUIRE(::chmod(config.c_str(), 0640) == 0);
  std::vector<std::string> env;
  for (const auto& [name, value] : fake_aws_environment(server.endpoint_url()))
    env.push_back(name + "=" + value);

  auto result = security::run_memberwatchd({"--config", config.string(), "--once"}, env, 60);
  INFO(result.output);
  CHECK(result.exit_code == 1);  // no state written: the changes log is a link
  CHECK(result.output.find("refusing to follow the symbolic link at " + (state / "changes.jsonl").string()) !=
        std::string::npos);
  CHECK(read_file(victim) == "root's own file\n");
  struct stat status {};
  REQUIRE(::stat(victim.c_str(), &status) == 0);
  CHECK((status.st_mode & 07777) == 0600);
  CHECK(fs::is_symlink(state / "changes.jsonl"));
  CHECK_FALSE(fs::exists(state / "snapshot.json"));

  // A link where the snapshot is: not read through, replaced by the new
  // snapshot (rename replaces the link itself), the victim untouched.
  fs::remove(state / "changes.jsonl");
  fs::create_symlink(victim, state / "snapshot.json");
  result = security::run_memberwatchd({"--config", config.string(), "--once"}, env, 60);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("refusing to follow the symbolic link") != std::string::npos);
  CHECK(read_file(victim) == "root's own file\n");
  CHECK_FALSE(fs::is_symlink(state / "snapshot.json"));
  load_snapshot_file(state / "snapshot.json");
}

}  // namespace mw::reliability
