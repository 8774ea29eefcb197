#!/usr/bin/env bash
# The main job on a laptop: builds memberwatch, starts fake-aws (the bundled
# local AWS emulator) with the demo world on a free loopback port, runs
# `memberwatchd --once` against it, and prints where the snapshot is and a
# summary of it. Nothing leaves this machine.
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$MW_ROOT"
source scripts/deps.sh

mw_install_missing_packages "${MW_DEMO_PACKAGES[@]}"
echo "building memberwatchd and fake-aws in build/ (the first build takes a few minutes)"
# Without the tests: their packages are the test command's.
mw_configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j "$(nproc)" --target memberwatchd fake-aws >/dev/null

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

# The demo configuration, with its state in build/demo/state and no health endpoint.
sed -e "s#^state_dir: .*#state_dir: $demo_dir/state#" -e 's#^  listen: .*#  listen: ""#' \
  config/demo/memberwatch.yaml >"$demo_dir/memberwatch.yaml"
chmod 0644 "$demo_dir/memberwatch.yaml"

echo "fake-aws on 127.0.0.1:$port; running memberwatchd --once"
set +e
env -i PATH="$PATH" HOME="$demo_dir" \
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
  AWS_ACCESS_KEY_ID=AKIAMWDEMO0000000001 \
  AWS_SECRET_ACCESS_KEY=memberwatch-demo-secret-access-key-00001 \
  AWS_EC2_METADATA_DISABLED=true \
  build/bin/memberwatchd --once --config "$demo_dir/memberwatch.yaml" 2>"$demo_dir/memberwatchd.log"
status=$?
set -e
echo "memberwatchd exited $status (0: every source answered, 2: some failed, 1: no snapshot); log: $demo_dir/memberwatchd.log"
echo
snapshot="$demo_dir/state/snapshot.json"
if [ ! -f "$snapshot" ]; then
  cat "$demo_dir/memberwatchd.log" >&2
  exit 1
fi
python3 scripts/snapshot_summary.py "$snapshot"
echo
echo "snapshot: $snapshot"
echo "changes log: $demo_dir/state/changes.jsonl"
# The demo world denies one administrator's role on purpose, so a partial
# cycle (exit 2) is what the demo should do.
[ "$status" -eq 2 ]
