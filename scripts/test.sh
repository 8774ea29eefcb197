#!/usr/bin/env bash
# The test command: installs what is missing, checks formatting, then builds
# and runs every test through ctest three times: in build/ (RelWithDebInfo,
# as users and scripts/demo.sh build it, with -g1), in build-tsan/ (-O1 -g1 with
# ThreadSanitizer: memberwatchd runs Asio's resolver thread beside its event
# loop, the tests run loopback servers on threads) and in build-asan/
# (Debug, ASan+UBSan, Clang); last it builds the libFuzzer targets (build-fuzz/,
# Clang) and runs each for MW_FUZZ_SECONDS (10 here; the `fuzz` label's own
# default is 60). Slow labels stay out (soak, the full fault matrix, the
# full crash run, fuzz); set MW_TEST_LABEL_EXCLUDE to change that.
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$MW_ROOT"
source scripts/deps.sh

# Each step with the time it starts, so a slow CI run shows where it went.
step() { echo "== $(date -u +%H:%M:%S) $*"; }

mw_install_missing_packages "${MW_DEMO_PACKAGES[@]}" "${MW_TEST_PACKAGES[@]}"

step "clang-format check"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || find daemon tests bench -name '*.[ch]pp')
clang-format --dry-run -Werror "${sources[@]}"

# -g1 (line tables) rather than -g: the same optimized code as users build,
# with backtraces, in about 30 % less time (health_server.cpp: 81 s against 57 s).
step "build/ (RelWithDebInfo, -O2 -g1)"
mw_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" -DBUILD_TESTING=ON
step "tests in build/"
mw_test build

# -O1 -g1 rather than -O2 -g: ThreadSanitizer's reports need line tables
# only, and the build takes about 40 % less time (measured on
# daemon/health/health_server.cpp: 81 s against 43 s).
step "build-tsan/ (-O1 -g1, ThreadSanitizer)"
mw_build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DMW_TSAN=ON
step "tests in build-tsan/"
mw_test build-tsan "${MW_TSAN_ENV[@]}"

# Clang rather than GCC: GCC at -O0 with both sanitizers took 15 of CI's 45
# minutes; Clang builds the same tree in about a third of that (measured
# 2026-12-06: the whole tree in about 5 minutes on 2 cores), and a second
# compiler finds what the first lets pass (two unused constants, found so).
step "build-asan/ (Debug, ASan + UBSan, Clang)"
CC=clang CXX=clang++ mw_build build-asan -DCMAKE_BUILD_TYPE=Debug -DMW_SANITIZE=ON
step "tests in build-asan/"
mw_test build-asan "${MW_ASAN_ENV[@]}"

step "build-fuzz/ (libFuzzer, Clang, ASan+UBSan)"
MW_FUZZ_SECONDS=${MW_FUZZ_SECONDS:-10} bash scripts/fuzz.sh
step "skipped tests"
mw_report_skipped build build-tsan build-asan
step "done"
