#!/bin/bash
# Checks systemd/memberwatch.service: the directives the contract requires,
# `systemd-analyze verify` clean, and `systemd-analyze security --offline`
# exposure at or below 1.5 without cutting the daemon off the network.
#   check_systemd_unit.sh UNIT_FILE [BINARY]
# BINARY (the built memberwatchd) stands in for /usr/bin/memberwatchd when
# verifying, as the unit's real path exists only once installed; /bin/true
# when it has not been built.
set -euo pipefail

unit=${1:?usage: check_systemd_unit.sh UNIT_FILE [BINARY]}
binary=${2:-}
max_exposure=1.5
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

if ! command -v systemd-analyze >/dev/null; then
  echo "FAIL: systemd-analyze not found: install the Debian package 'systemd'" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Directives required by the contract and issue 7, each as a whole line.
required=(
  'Type=notify'
  'ExecStart=/usr/bin/memberwatchd --config /etc/memberwatch/memberwatch.yaml'
  'ExecReload=/bin/kill -HUP $MAINPID'
  'WatchdogSec=30s'
  'Restart=on-failure'
  'RestartPreventExitStatus=78'
  'StateDirectory=memberwatch'
  'StateDirectoryMode=0750'
  'ConfigurationDirectory=memberwatch'
  'DynamicUser=yes'
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'
)
for line in "${required[@]}"; do
  grep -qxF -- "$line" "$unit" || fail "missing directive: $line"
done
# The daemon must reach AWS: no private network, no IP allow list.
for directive in PrivateNetwork IPAddressDeny IPAddressAllow; do
  if grep -q "^${directive}=" "$unit"; then fail "$directive= would cut memberwatchd off AWS"; fi
done

# verify: on a copy whose ExecStart names an existing binary. --man=no: the
# man page exists only once the package is installed.
stand_in=/bin/true
if [[ -n "$binary" && -x "$binary" ]]; then stand_in=$binary; fi
sed "s|^ExecStart=/usr/bin/memberwatchd |ExecStart=${stand_in} |" "$unit" >"$work/memberwatch.service"
grep -q "^ExecStart=${stand_in} " "$work/memberwatch.service" || fail "could not point ExecStart at $stand_in"
if ! output=$(systemd-analyze verify --man=no "$work/memberwatch.service" 2>&1); then
  fail "systemd-analyze verify failed: $output"
elif [[ -n "$output" ]]; then
  fail "systemd-analyze verify is not clean: $output"
fi

# The verify step must be able to fail: a broken copy is rejected.
mkdir "$work/broken"
sed 's/^Type=notify$/Type=no-such-type/' "$work/memberwatch.service" >"$work/broken/memberwatch.service"
if broken=$(systemd-analyze verify --man=no "$work/broken/memberwatch.service" 2>&1) && [[ -z "$broken" ]]; then
  fail "systemd-analyze verify did not notice an invalid Type="
fi

# security: the overall exposure, as printed.
report=$(systemd-analyze security --offline=true "$unit" 2>&1) || fail "systemd-analyze security failed: $report"
exposure=$(sed -n 's/.*Overall exposure level for memberwatch\.service: \([0-9.]*\).*/\1/p' <<<"$report")
if [[ -z "$exposure" ]]; then
  fail "no overall exposure level in: $report"
elif ! awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }'; then
  fail "exposure $exposure is above $max_exposure:"$'\n'"$(grep '✗' <<<"$report")"
else
  echo "exposure $exposure (at most $max_exposure)"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed for $unit" >&2
  exit 1
fi
echo "ok: $unit"
