#pragma once

#include "app/cli.hpp"

namespace mw::app {

// Everything after argument parsing: configuration, logging, then the mode
// the options ask for. Returns the process exit code.
int run(const CliOptions& options);

}  // namespace mw::app
