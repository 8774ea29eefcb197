#!/usr/bin/env bash
# The ThreadSanitizer part of scripts/test.sh alone: builds build-tsan/
# (MW_TSAN=ON) and runs the tests in it. memberwatchd runs a second thread
# (Asio's resolver, for getaddrinfo) and the tests run their loopback
# servers on threads of their own. The executables of that build stop at
# the first report even when started without TSAN_OPTIONS
# (tests/tsan_default_options.cpp). MW_TEST_LABEL_EXCLUDE as in test.sh.
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$MW_ROOT"
source scripts/deps.sh

mw_install_missing_packages "${MW_DEMO_PACKAGES[@]}" "${MW_TEST_PACKAGES[@]}"
mw_build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMW_TSAN=ON
mw_test build-tsan "${MW_TSAN_ENV[@]}"
