#!/usr/bin/python3
"""The coverage page (GET /) at 10,000 accounts, in headless Chromium.

The command (after a build with the tests, scripts/test.sh or
`cmake --build build`, and the browser packages of scripts/deps.sh):

  bench/run_coverage_page_benchmark.py --build build --accounts 10000 --runs 5

It generates a world with fake-aws (one administrator, 3 regions, the three
services, 90/90/80 % of the accounts members), starts memberwatchd as a
service against it (health endpoint on 127.0.0.1:0, one cycle), then loads
the page --runs times in Debian's chromium (headless, python3-selenium,
the HTTP cache off so every load fetches the snapshot) and reads, per load:

  - first render: the page's "memberwatch-rendered" performance mark, in
    milliseconds from the start of the navigation (fetch of the page, fetch
    and JSON.parse of /snapshot, the view built, the first 200 rows drawn);
  - the lower bound, measured in the same page right after: fetch and
    JSON.parse of /snapshot alone (what any page that shows the snapshot
    has to do);
  - a filter: from setting the fragment to service, region and "any gap"
    to the end of the redraw.

It prints the medians, the worst first render and first render / lower bound.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/service"))
from harness import Daemon, FakeAws, Workspace, start_chromium, wait_until  # noqa: E402

sys.path.insert(0, HERE)
from run_benchmark import ACCESS_KEY, REGIONS, ROLE_NAME, SECRET_KEY, SERVICES  # noqa: E402

ADMINISTRATOR = "100000000001"

LOWER_BOUND_SCRIPT = """
const done = arguments[arguments.length - 1];
const start = performance.now();
fetch("snapshot", {cache: "no-store"}).then(r => r.json()).then(() => done(performance.now() - start));
"""

FILTER_SCRIPT = """
const done = arguments[arguments.length - 1];
const start = performance.now();
window.addEventListener("hashchange", () => done(performance.now() - start), {once: true});
location.hash = "#service=guardduty&region=us-east-1&status=gap";
"""


def generate_world(workspace, fake_aws, accounts, seed):
    spec = (f"administrators=1,regions=3,accounts={accounts},securityhub=0.9,guardduty=0.9,detective=0.8,"
            f"seed={seed}")
    path = workspace.file("world.yaml")
    subprocess.run([fake_aws, "--generate", spec, "--write-world", path], check=True)
    return path


def daemon_config(workspace):
    return workspace.write_config("memberwatch.yaml", {
        "interval": "24h", "jitter": "0s", "cycle_timeout": "30m", "state_dir": workspace.file("state"),
        "health": {"listen": "127.0.0.1:0"},
        "aws": {"regions": REGIONS[:3], "services": SERVICES, "sts_region": "us-east-1"},
        "administrators": [{"name": "admin", "account_id": ADMINISTRATOR,
                            "role_arn": f"arn:aws:iam::{ADMINISTRATOR}:role/{ROLE_NAME}"}],
    })


def measure(driver, url):
    driver.get(url)
    wait_until(lambda: driver.execute_script("return document.body.dataset.rendered || ''"), 120, "the render")
    first_render = driver.execute_script(
        "return performance.getEntriesByName('memberwatch-rendered')[0].startTime")
    lower_bound = driver.execute_async_script(LOWER_BOUND_SCRIPT)
    filtered = driver.execute_async_script(FILTER_SCRIPT)
    rows = driver.execute_script("return document.querySelectorAll('#matrix tbody tr').length")
    return {"first_render_ms": first_render, "fetch_parse_ms": lower_bound, "filter_ms": filtered,
            "filtered_rows_on_page": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="also write the figures here")
    options = parser.parse_args()

    workspace = Workspace(ROOT, os.path.abspath(options.build))
    driver = None
    try:
        world = generate_world(workspace, os.path.join(workspace.binary_dir, "bin/fake-aws"), options.accounts,
                               options.seed)
        fake = FakeAws(workspace, world=world)
        daemon = Daemon(workspace, daemon_config(workspace), fake.url,
                        extra_env={"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY})
        wait_until(lambda: "cycle finished" in daemon.log(), 600, "the first cycle", interval=0.5)
        address = daemon.health_addresses()[-1]
        cycle = re.search(r"cycle finished accounts=\d+ covered=\d+ gaps=\d+", daemon.log())
        snapshot_path = workspace.file("state/snapshot.json")
        snapshot_bytes = os.path.getsize(snapshot_path)
        with open(snapshot_path, encoding="utf-8") as f:
            snapshot = json.load(f)
        driver = start_chromium(workspace)
        driver.set_script_timeout(120)
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        runs = [measure(driver, f"http://{address}/") for _ in range(options.runs)]
        version = driver.capabilities.get("browserVersion", "?")
    finally:
        if driver is not None:
            driver.quit()
        workspace.cleanup()

    first = [r["first_render_ms"] for r in runs]
    lower = [r["fetch_parse_ms"] for r in runs]
    result = {
        "accounts": len(snapshot["accounts"]), "memberships": len(snapshot["memberships"]),
        "snapshot_bytes": snapshot_bytes, "chromium": version, "runs": runs,
        "first_render_ms_median": statistics.median(first), "first_render_ms_max": max(first),
        "fetch_parse_ms_median": statistics.median(lower),
        "filter_ms_median": statistics.median(r["filter_ms"] for r in runs),
    }
    result["ratio_to_fetch_parse"] = result["first_render_ms_median"] / result["fetch_parse_ms_median"]
    print(f"world: {result['accounts']} accounts, {result['memberships']} memberships, snapshot "
          f"{snapshot_bytes / 1048576:.1f} MiB "
          f"(cycle: {cycle.group(0) if cycle else '?'}), Chromium {version}, {options.runs} loads")
    print(f"first render      median {result['first_render_ms_median']:8.0f} ms   max {max(first):8.0f} ms")
    print(f"fetch + JSON.parse median {result['fetch_parse_ms_median']:7.0f} ms   (lower bound)")
    print(f"first render / lower bound: {result['ratio_to_fetch_parse']:.2f}")
    print(f"filter (guardduty us-east-1, any gap) median {result['filter_ms_median']:.0f} ms")
    if options.json:
        with open(options.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
