#!/usr/bin/env bash
# The main job on a laptop: builds memberwatch, starts fake-aws (the bundled
# local AWS emulator) with the demo world on a free loopback port, runs
# `memberwatchd --once` against it, and prints a summary of the snapshot
# with memberwatchctl (status, then gaps). Nothing leaves this machine. The
# state goes where config/demo/memberwatch.yaml says (config/demo/state/),
# so `build/bin/memberwatchctl --config config/demo/memberwatch.yaml gaps`
# asks it questions afterwards.
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$MW_ROOT"
source scripts/deps.sh

mw_install_missing_packages "${MW_DEMO_PACKAGES[@]}"
echo "building memberwatchd, memberwatchctl and fake-aws in build/ (the first build takes a few minutes)"
# Without the tests: their packages are the test command's.
mw_configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j "$(nproc)" --target memberwatchd memberwatchctl fake-aws >/dev/null

demo_dir="$MW_ROOT/build/demo"
rm -rf "$demo_dir"
mkdir -p "$demo_dir"

build/bin/fake-aws --world config/demo/world.yaml --port 0 --port-file "$demo_dir/port" \
  --request-log "$demo_dir/requests.jsonl" >"$demo_dir/fake-aws.log" 2>&1 &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -s "$demo_dir/port" ] && break
  kill -0 "$fake_pid" 2>/dev/null || { cat "$demo_dir/fake-aws.log" >&2; exit 1; }
  sleep 0.1
done
port=$(cat "$demo_dir/port")

# The demo configuration as it is: its state in config/demo/state (state_dir is
# relative to the file); --once serves no health endpoint.
config=config/demo/memberwatch.yaml
state_dir=config/demo/state
rm -rf "$state_dir"  # each demo starts from nothing: every membership is new

echo "fake-aws on 127.0.0.1:$port; running memberwatchd --once"
set +e
env -i PATH="$PATH" HOME="$demo_dir" \
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
  AWS_ACCESS_KEY_ID=AKIAMWDEMO0000000001 \
  AWS_SECRET_ACCESS_KEY=memberwatch-demo-secret-access-key-00001 \
  AWS_EC2_METADATA_DISABLED=true \
  build/bin/memberwatchd --once --config "$config" 2>"$demo_dir/memberwatchd.log"
status=$?
set -e
echo "memberwatchd exited $status (0: every source answered, 2: some failed, 1: no snapshot); log: $demo_dir/memberwatchd.log"
echo
snapshot="$state_dir/snapshot.json"
if [ ! -f "$snapshot" ]; then
  cat "$demo_dir/memberwatchd.log" >&2
  exit 1
fi
build/bin/memberwatchctl --config "$config" status
echo
echo "gaps (build/bin/memberwatchctl --config $config gaps):"
build/bin/memberwatchctl --config "$config" gaps
echo
echo "snapshot: $snapshot"
echo "changes log: $state_dir/changes.jsonl"
echo "more: build/bin/memberwatchctl --config $config --help"
[ "$status" -eq 2 ]
