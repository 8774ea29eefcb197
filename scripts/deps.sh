#!/usr/bin/env bash
# The Debian 12 packages memberwatch needs, in two sets, and the helpers
# that install only those still missing, so a second run is quick and quiet.
# Sourced by scripts/demo.sh (the demo's set) and scripts/test.sh (both).

# What building and running memberwatchd and fake-aws needs: the demo
# installs these and nothing else (no test tool, no server, no service).
MW_DEMO_PACKAGES=(
  g++ cmake ninja-build pkg-config git python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libspdlog-dev libyaml-cpp-dev libcrypt-dev
)

# What the tests run besides: doctest; boto3 and botocore (fake-aws's
# fidelity and SigV4 tests); python3-yaml (the golden review); openssl and
# ca-certificates (test certificates); clang-format; dpkg-dev and file
# (cpack's DEB generator and dpkg-shlibdeps); groff-base and man-db (the man
# page test); systemd (systemd-analyze); prometheus (promtool check
# metrics; Debian enables its service when it installs it); clang and
# libclang-rt-14-dev (the fuzzers); libbenchmark-dev (the microbenchmark);
# curl (a client of the TLS and basic auth health endpoint test); chromium,
# chromium-driver and python3-selenium (the coverage page in a real browser).
MW_TEST_PACKAGES=(
  doctest-dev python3-botocore python3-boto3 python3-yaml openssl ca-certificates clang-format
  dpkg-dev file groff-base man-db systemd prometheus clang libclang-rt-14-dev libbenchmark-dev jq curl
  chromium chromium-driver python3-selenium
)

# mw_install_missing_packages PACKAGE...: installs those not installed yet.
mw_install_missing_packages() {
  local missing=()
  local package
  for package in "$@"; do
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

# Configures a build directory: mw_configure DIR [cmake options...]. The
# first time with Ninja; later only the options are applied again (the
# demo and the tests share build/, the demo without the tests).
mw_configure() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$MW_ROOT" -B "$dir" -G Ninja "$@"
  elif [ $# -gt 0 ]; then
    cmake -S "$MW_ROOT" -B "$dir" "$@" >/dev/null
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
# The output also goes to DIR/ctest.log, which mw_report_skipped reads.
mw_test() {
  local dir=$1
  shift
  (cd "$dir" && env "$@" ctest --output-on-failure -j "$(nproc)" -LE "${MW_TEST_LABEL_EXCLUDE:-soak|faults|crash|fuzz}" 2>&1 |
    tee ctest.log; exit "${PIPESTATUS[0]}")
}

# Lists every test a run skipped (ctest "Not Run" or "Skipped", and the
# reason the test printed), so that no skip is silent: mw_report_skipped DIR...
# Exits 1 when there was any.
mw_report_skipped() {
  local skipped
  skipped=$(grep -hE "\*\*\*(Skipped|Not Run)|^SKIP" "${@/%//ctest.log}" 2>/dev/null || true)
  if [ -z "$skipped" ]; then
    echo "skipped tests: none"
    return 0
  fi
  echo "skipped tests (each needs what the line says):"
  echo "$skipped"
  return 1
}

# The sanitizers' options for the test runs: stop at the first report.
MW_ASAN_ENV=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
MW_TSAN_ENV=(TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:history_size=4)
