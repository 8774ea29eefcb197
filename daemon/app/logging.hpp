#pragma once

#include <memory>
#include <optional>
#include <string>

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

namespace mw::app {

// journald adds its own timestamps and reads "<N>" syslog priorities, so
// under systemd (JOURNAL_STREAM set) lines are "<6>message"; elsewhere they
// are timestamped. Control characters in messages are written as \xNN.
std::unique_ptr<spdlog::formatter> make_log_formatter(bool journal);

int syslog_priority(spdlog::level::level_enum level);

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name);

// Installs the default logger on stderr.
void setup_logging(bool journal, spdlog::level::level_enum level);

}  // namespace mw::app
