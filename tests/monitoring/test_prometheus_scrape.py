#!/usr/bin/env python3
"""The shipped alerting rules on the daemon's real output: fake-aws serving
the demo world, memberwatchd polling it, and Debian's Prometheus server
(/usr/bin/prometheus) scraping memberwatchd's /metrics every second with a
copy of monitoring/memberwatch.rules.yml whose `for:` durations are cut to
1s. Everything listens on 127.0.0.1 (ports chosen free), lives in a
temporary directory and is stopped at the end, also on failure.

Checks, through Prometheus's HTTP API:
- the target is up;
- MemberwatchAccountNotCovered is pending or firing for exactly the gaps of
  the snapshot memberwatchd wrote (among them the demo world's
  200000000061 securityhub us-east-1 NOT_MEMBER), never for an inactive or
  covered account;
- MemberwatchSourceFailing for the demo's denied administrator 333333333333;
- MemberwatchDown silent while the target is up, then pending or firing once
  memberwatchd is stopped.

Usage: test_prometheus_scrape.py --source-dir DIR --binary-dir DIR
                                 [--prometheus PATH] [--promtool PATH]

scrape_scenario() is the reusable part: a variant that scrapes over TLS or
with basic auth (health.web_config_file) passes the daemon's configuration
overrides and the scrape job's extra keys (scheme, tls_config, basic_auth).
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "service"))
from harness import (Daemon, FakeAws, Process, TestFailure, Workspace, check, report_failure,  # noqa: E402
                     wait_until)

JOB = "memberwatch"  # the job name the shipped MemberwatchDown expects
KNOWN_GAP = {"account_id": "200000000061", "service": "securityhub", "region": "us-east-1",
             "status": "NOT_MEMBER"}  # the demo world's "new-unenrolled" account
DENIED_SOURCE = {"administrator_id": "333333333333", "service": "securityhub", "region": "us-east-1"}
COVERED_ACCOUNT = "111111111111"  # security-tooling: ADMINISTRATOR in its own sources, covered
WAIT_SECONDS = 60


def free_loopback_port():
    """A port free on 127.0.0.1 now (never 9090: the OS hands out ephemeral ports)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rules_with_short_for(source_rules, destination, duration="1s"):
    """A copy of the rules file with every `for:` set to `duration`; checks
    the copy still holds every alert of the original."""
    with open(source_rules, encoding="utf-8") as f:
        text = f.read()
    shortened, count = re.subn(r"(?m)^(\s+for:) \S+$", rf"\1 {duration}", text)
    check(count >= 1, f"no `for:` found in {source_rules}")
    original = [rule["alert"] for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]
    copied = [rule["alert"] for group in yaml.safe_load(shortened)["groups"] for rule in group["rules"]]
    check(original == copied and "MemberwatchAccountNotCovered" in copied, f"rules copy: {copied}")
    with open(destination, "w", encoding="utf-8") as f:
        f.write(shortened)
    return destination


def prometheus_config(target, rules_path, scrape_extra=None):
    """prometheus.yml scraping `target` as job `memberwatch` every second;
    `scrape_extra` adds keys to the scrape job (scheme, tls_config, basic_auth)."""
    job = {"job_name": JOB, "static_configs": [{"targets": [target]}]}
    job.update(scrape_extra or {})
    return {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [rules_path],
        "scrape_configs": [job],
    }


class Prometheus(Process):
    """Debian's prometheus on a free loopback port with its storage in the workspace."""

    def __init__(self, workspace, binary, config, name="prometheus"):
        config_path = workspace.file(name + ".yml")
        with open(config_path, "w", encoding="utf-8") as f:
            yaml.safe_dump(config, f, sort_keys=False)
        for attempt in range(3):  # the port found free may be taken before prometheus binds it
            self.port = free_loopback_port()
            self.url = f"http://127.0.0.1:{self.port}"
            storage = workspace.file(f"{name}-data-{attempt}")
            super().__init__(workspace, f"{name}-{attempt}", [
                binary, "--config.file=" + config_path, "--storage.tsdb.path=" + storage,
                "--web.listen-address=127.0.0.1:" + str(self.port), "--log.level=info"])
            if wait_until(self._ready_or_exited, 30, "prometheus to be ready", interval=0.2) == "ready":
                return
        raise TestFailure(f"prometheus did not start\n{self.log()}")

    def _ready_or_exited(self):
        if not self.alive():
            return "exited"
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                return "ready" if response.status == 200 else None
        except OSError:
            return None

    def api(self, path, **params):
        url = self.url + "/api/v1/" + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.load(response)
        check(body.get("status") == "success", f"{url}: {body}")
        return body["data"]

    def target_health(self, target):
        """health of `target` in job memberwatch ("up", "down", "unknown"), and its last error."""
        for active in self.api("targets", state="active")["activeTargets"]:
            if active["labels"].get("job") == JOB and active["labels"].get("instance") == target:
                return active["health"], active.get("lastError", "")
        return None, ""

    def alerts(self, name):
        """Active (pending or firing) alerts called `name`."""
        return [a for a in self.api("alerts")["alerts"] if a["labels"].get("alertname") == name]


def expected_gaps(snapshot_path):
    """(account_id, service, region, status) of every gap of an active account in the snapshot."""
    with open(snapshot_path, encoding="utf-8") as f:
        snapshot = json.load(f)
    return {(account["account_id"], gap["service"], gap["region"], gap["status"])
            for account in snapshot["accounts"] if not account["inactive"] for gap in account["gaps"]}


def inactive_accounts(snapshot_path):
    with open(snapshot_path, encoding="utf-8") as f:
        return {a["account_id"] for a in json.load(f)["accounts"] if a["inactive"]}


def start_daemon(workspace, fake, health_overrides=None, name="memberwatchd"):
    """memberwatchd against `fake` with the demo configuration, its health
    endpoint on a port of its own choosing; returns it and its address."""
    health = {"listen": "127.0.0.1:0", **(health_overrides or {})}
    config = workspace.demo_config(interval="30s", health=health)
    daemon = Daemon(workspace, workspace.write_config(name + ".yaml", config), fake.url, name=name)
    addresses = wait_until(lambda: check(daemon.alive(), f"{name} exited") or daemon.health_addresses(), 20,
                           "the health endpoint address in memberwatchd's log")
    return daemon, addresses[-1]


def scrape_scenario(workspace, prometheus_binary, rules_file, health_overrides=None, scrape_extra=None):
    """The whole check, for a daemon whose health endpoint takes
    `health_overrides` (e.g. web_config_file) and a scrape job with
    `scrape_extra` (e.g. scheme: https, tls_config, basic_auth)."""
    fake = FakeAws(workspace)
    daemon, target = start_daemon(workspace, fake, health_overrides)
    check(target.startswith("127.0.0.1:"), f"health endpoint on {target}, not loopback")
    rules = rules_with_short_for(rules_file, workspace.file("memberwatch.rules.yml"))
    prometheus = Prometheus(workspace, prometheus_binary, prometheus_config(target, rules, scrape_extra))

    def target_up():
        check(daemon.alive(), "memberwatchd exited")
        return prometheus.target_health(target)[0] == "up" or None

    try:
        wait_until(target_up, WAIT_SECONDS, f"Prometheus to report target {target} up", interval=0.5)
    except TestFailure as failure:
        health, error = prometheus.target_health(target)
        raise TestFailure(f"{failure}: its health is {health}, last scrape error {error!r}") from None

    # The snapshot exists once the first cycle is written; the gap series with it.
    snapshot_path = workspace.file("state/snapshot.json")
    wait_until(lambda: os.path.exists(snapshot_path), WAIT_SECONDS, "the first snapshot", interval=0.2)
    gaps = expected_gaps(snapshot_path)
    check(tuple(KNOWN_GAP.values()) in gaps, f"the demo world's known gap {KNOWN_GAP} is not in the snapshot")
    inactive = inactive_accounts(snapshot_path)
    check(inactive, "the demo world has inactive accounts")

    def gap_alerts():
        return {(a["labels"]["account_id"], a["labels"]["service"], a["labels"]["region"], a["labels"]["status"]):
                a for a in prometheus.alerts("MemberwatchAccountNotCovered")}

    def every_gap_alerts():
        check(daemon.alive(), "memberwatchd exited")
        current = gap_alerts()
        return current if set(current) == gaps else None

    try:
        alerts = wait_until(every_gap_alerts, WAIT_SECONDS, "MemberwatchAccountNotCovered for every gap",
                            interval=0.5)
    except TestFailure:
        current = set(gap_alerts())
        raise TestFailure(f"MemberwatchAccountNotCovered alerts differ from the snapshot's gaps: "
                          f"missing {sorted(gaps - current)[:10]}, extra {sorted(current - gaps)[:10]}") from None
    known = alerts[tuple(KNOWN_GAP.values())]
    check(known["state"] in ("pending", "firing"), f"known gap alert state {known['state']}")
    check(known["labels"].get("severity") == "warning" and known["labels"].get("job") == JOB
          and known["labels"].get("instance") == target, f"known gap alert labels {known['labels']}")
    check(known["annotations"].get("summary") ==
          "Account 200000000061 is not covered by securityhub in us-east-1",
          f"known gap alert summary {known['annotations']}")
    for account_id, _, _, _ in alerts:
        check(account_id not in inactive, f"an inactive account alerts: {account_id}")
        check(account_id != COVERED_ACCOUNT, f"the covered account {COVERED_ACCOUNT} alerts")

    def denied_source_alerts():
        return [a for a in prometheus.alerts("MemberwatchSourceFailing")
                if all(a["labels"].get(k) == v for k, v in DENIED_SOURCE.items())]

    failing = wait_until(denied_source_alerts, WAIT_SECONDS, f"MemberwatchSourceFailing for {DENIED_SOURCE}",
                         interval=0.5)
    check(len(failing) == 1 and failing[0]["labels"].get("severity") == "warning", f"source alert {failing}")
    wait_until(lambda: not prometheus.alerts("MemberwatchDown") or None, WAIT_SECONDS,
               "MemberwatchDown silent while the target is up", interval=0.5)

    # memberwatchd stops: Prometheus sees the target down and MemberwatchDown fires.
    daemon.signal(signal.SIGTERM)
    check(daemon.wait(30) == 0, "memberwatchd did not exit 0 on SIGTERM")
    down = wait_until(lambda: [a for a in prometheus.alerts("MemberwatchDown")
                               if a["labels"].get("instance") == target], WAIT_SECONDS,
                      "MemberwatchDown once memberwatchd stopped", interval=0.5)
    check(down[0]["labels"].get("severity") == "critical", f"MemberwatchDown labels {down[0]['labels']}")
    print(f"ok: target {target} up, {len(alerts)} MemberwatchAccountNotCovered alerts matching the snapshot's "
          f"gaps (known gap {known['state']}), MemberwatchSourceFailing for the denied source, "
          f"MemberwatchDown {down[0]['state']} after SIGTERM")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--binary-dir", required=True, help="the build folder (bin/memberwatchd, bin/fake-aws)")
    parser.add_argument("--prometheus", default="/usr/bin/prometheus")
    parser.add_argument("--promtool", default="/usr/bin/promtool")
    options = parser.parse_args()
    for tool in (options.prometheus, options.promtool):
        if not os.access(tool, os.X_OK):
            print(f"FAIL {tool} not found: install the Debian package prometheus (scripts/deps.sh)", file=sys.stderr)
            return 1
    rules_file = os.path.join(options.source_dir, "monitoring/memberwatch.rules.yml")
    checked = subprocess.run([options.promtool, "check", "rules", rules_file], capture_output=True, text=True,
                             timeout=30)
    if checked.returncode != 0:
        print(f"FAIL promtool check rules {rules_file}:\n{checked.stdout}{checked.stderr}", file=sys.stderr)
        return 1

    workspace = Workspace(options.source_dir, options.binary_dir)
    started = time.monotonic()
    try:
        scrape_scenario(workspace, options.prometheus, rules_file)
    except Exception as failure:  # a failed check, or a crash of the test itself: show the logs
        report_failure(workspace, "prometheus scrape", failure)
        return 1
    finally:
        workspace.cleanup()
    print(f"ok prometheus scrape ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
