#!/usr/bin/env bash
# The fuzz step of the test command: builds the libFuzzer targets in
# build-fuzz/ (Clang, ASan+UBSan, coverage) and runs each for
# MW_FUZZ_SECONDS (default 60) through `ctest -L fuzz`, failing on any
# crash. Needs Debian's clang and libclang-rt-14-dev (scripts/test.sh
# installs them); installs nothing itself. Safe to run again.
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

mw_fuzz() {
  local dir=${MW_FUZZ_BUILD_DIR:-"$MW_ROOT/build-fuzz"}
  local seconds=${MW_FUZZ_SECONDS:-60}
  if [ ! -f "$dir/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S "$MW_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMW_FUZZ=ON -DBUILD_TESTING=OFF -DMW_FUZZ_SECONDS="$seconds"
  else
    cmake "$dir" -DMW_FUZZ_SECONDS="$seconds" >/dev/null
  fi
  cmake --build "$dir" --target mw_fuzz_targets -j2
  (cd "$dir" && ctest -L fuzz --output-on-failure -j2)
}

mw_fuzz
