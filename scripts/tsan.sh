#!/usr/bin/env bash
# The ThreadSanitizer run: builds build-tsan/ (MW_TSAN=ON) and runs every
# test through ctest in it. memberwatchd runs a second thread (Asio's
# resolver, for getaddrinfo) and the tests run their loopback servers on
# threads of their own. The executables of that build stop at the first
# report even when started without TSAN_OPTIONS (tests/tsan_default_options.cpp).
# Slow labels stay out as in scripts/test.sh (soak, the full fault matrix,
# the full crash run, fuzz); set MW_TEST_LABEL_EXCLUDE to change that.
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$MW_ROOT"
source scripts/deps.sh

mw_install_missing_packages

exclude=${MW_TEST_LABEL_EXCLUDE:-"soak|faults|crash|fuzz"}
jobs=$(nproc)

echo "== build-tsan/ (ThreadSanitizer)"
mw_build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMW_TSAN=ON
echo "== tests in build-tsan/"
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:history_size=4 \
  ctest --output-on-failure -j "$jobs" -LE "$exclude")
