#!/usr/bin/env bash
# Installs the Debian 12 packages memberwatch needs to build, test and run
# its demo; only those still missing, so a second run is quick and quiet.
# Sourced by scripts/test.sh and scripts/demo.sh.

MW_PACKAGES=(
  g++ cmake ninja-build pkg-config git ca-certificates python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev openssl libspdlog-dev libyaml-cpp-dev doctest-dev
  clang-format python3-botocore python3-boto3 python3-yaml dpkg-dev groff-base
  prometheus systemd clang libclang-rt-14-dev libbenchmark-dev
)

mw_install_missing_packages() {
  local missing=()
  local package
  for package in "${MW_PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "error: missing packages (${missing[*]}) and not root; install them or run as root" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "installing: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Configures a build directory once: mw_configure DIR [cmake options...]
mw_configure() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$MW_ROOT" -B "$dir" -G Ninja "$@"
  fi
}

# Configures (once) and builds every target of a build directory with every core.
mw_build() {
  mw_configure "$@"
  cmake --build "$1" -j "$(nproc)"
}

# Runs a build directory's tests through ctest, every core, leaving out the
# slow labels (soak, the full fault matrix, the full crash run, fuzz) unless
# MW_TEST_LABEL_EXCLUDE says otherwise: mw_test DIR [VAR=value...]
mw_test() {
  local dir=$1
  shift
  (cd "$dir" && env "$@" ctest --output-on-failure -j "$(nproc)" -LE "${MW_TEST_LABEL_EXCLUDE:-soak|faults|crash|fuzz}")
}

# The sanitizers' options for the test runs: stop at the first report.
MW_ASAN_ENV=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
MW_TSAN_ENV=(TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:history_size=4)
