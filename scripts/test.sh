#!/usr/bin/env bash
# The test command: installs what is missing, checks formatting, builds
# build/ and an ASan+UBSan build-asan/, runs every test through ctest, then
# builds the libFuzzer targets (build-fuzz/, Clang) and runs each for
# MW_FUZZ_SECONDS (15 here; the `fuzz` label's own default is 60).
# Slow labels stay out of the first two runs (soak, the full fault matrix,
# the full crash run, fuzz); set MW_TEST_LABEL_EXCLUDE to change that.
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$MW_ROOT"
source scripts/deps.sh

# Each step with the time it starts, so a slow CI run shows where it went.
step() { echo "== $(date -u +%H:%M:%S) $*"; }

mw_install_missing_packages

step "clang-format check"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || find daemon tests bench -name '*.[ch]pp')
clang-format --dry-run -Werror "${sources[@]}"

exclude=${MW_TEST_LABEL_EXCLUDE:-"soak|faults|crash|fuzz"}
jobs=$(nproc)

step "build/ (RelWithDebInfo)"
mw_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
step "tests in build/"
(cd build && ctest --output-on-failure -j "$jobs" -LE "$exclude")

step "build-asan/ (ASan + UBSan)"
mw_build build-asan -DCMAKE_BUILD_TYPE=Debug -DMW_SANITIZE=ON
step "tests in build-asan/"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j "$jobs" -LE "$exclude")

step "build-fuzz/ (libFuzzer, Clang, ASan+UBSan)"
MW_FUZZ_SECONDS=${MW_FUZZ_SECONDS:-15} bash scripts/fuzz.sh
step "done"
