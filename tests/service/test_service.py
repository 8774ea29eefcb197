#!/usr/bin/env python3
"""memberwatchd as a service, with the real binary against fake-aws: systemd
notifications, the health endpoint, metrics, signals and reload.

Usage: test_service.py SOURCE_DIR BINARY_DIR SCENARIO
"""

import collections
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, FakeAws, NotifySocket, Workspace, check, http_request,  # noqa: E402
                     labels, parse_metrics, refuses_connections, report_failure, wait_until)

AUDIT_ARCHIVE = "333333333333"  # the demo administrator whose role AssumeRole denies


def health_address(daemon, index=-1):
    addresses = wait_until(daemon.health_addresses, 10, "the health endpoint address in the log")
    return addresses[index]


def get(address, path, headers=None):
    return http_request(address, "GET", path, headers)


def scrape(address):
    status, headers, body = get(address, "/metrics")
    check(status == 200, f"/metrics answered {status}")
    check(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
          f"/metrics Content-Type {headers.get('Content-Type')}")
    return body.decode()


def promtool_check(text):
    result = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                            timeout=30)
    check(result.returncode == 0, f"promtool check metrics failed:\n{result.stdout}{result.stderr}")


def read_snapshot(workspace):
    with open(workspace.file("state/snapshot.json"), "rb") as f:
        return f.read()


def describe(samples):
    return sorted(",".join(f"{k}={v}" for k, v in sorted(key)) + f" {value:g}" for key, value in samples.items())


RETRY_REASON_OF_FAULT = {"error": "transient", "throttle": "throttling"}


def check_requests_match_fake_aws(metrics, fake):
    """requests_total{service,operation,code} counts what fake-aws received:
    code is OK for an answer in 2xx, else the error code it sent; every
    injected server error and throttle is retried once (retries_total)."""
    expected = collections.Counter()
    retries = collections.Counter()
    for entry in fake.requests():
        code = "OK" if 200 <= entry["status"] < 300 else entry["error_code"]
        expected[labels(service=entry["service"], operation=entry["operation"], code=code)] += 1
        if entry["fault"]:
            retries[labels(service=entry["service"], reason=RETRY_REASON_OF_FAULT[entry["fault"]])] += 1
    check(expected, "fake-aws logged no requests")
    published = {key: value for key, value in metrics.get("memberwatch_requests_total", {}).items() if value}
    check(published == dict(expected),
          f"requests_total differs from fake-aws's log:\n metrics  {describe(published)}\n"
          f" fake-aws {describe(expected)}")
    retried = {key: value for key, value in metrics.get("memberwatch_retries_total", {}).items() if value}
    check(retried == dict(retries),
          f"retries_total {describe(retried)} != faults fake-aws injected {describe(retries)}")
    return expected


def check_snapshot_metrics(metrics, snapshot):
    members = collections.Counter()
    for membership in snapshot["memberships"]:
        members[labels(service=membership["service"], region=membership["region"],
                       status=membership["status"])] += 1
    check(metrics["memberwatch_members"] == dict(members),
          f"members gauge {metrics['memberwatch_members']} != snapshot {dict(members)}")

    # region_disabled sources are not polled: neither up nor down.
    up = {labels(administrator_id=s["administrator_id"], service=s["service"], region=s["region"]):
          1.0 if s["state"] == "ok" else 0.0 for s in snapshot["sources"] if s["state"] != "region_disabled"}
    check(metrics["memberwatch_source_up"] == up, f"source_up {metrics['memberwatch_source_up']} != {up}")

    accounts = snapshot["accounts"]
    expected_accounts = {
        labels(coverage="covered"): float(sum(a["covered"] for a in accounts)),
        labels(coverage="gaps"): float(sum(bool(a["gaps"]) for a in accounts)),
        labels(coverage="unknown"): float(sum(bool(a["unknown"]) for a in accounts)),
        labels(coverage="inactive"): float(sum(a["inactive"] for a in accounts)),
    }
    check(snapshot["totals"]["inactive"] == sum(a["inactive"] for a in accounts), "totals.inactive")
    organization = snapshot["organization"]
    check(organization is not None and organization["state"] == "ok", f"organization {organization}")
    check(metrics["memberwatch_organization_up"] == {labels(): 1.0},
          f"organization_up {metrics.get('memberwatch_organization_up')}")
    check(metrics["memberwatch_accounts"] == expected_accounts,
          f"accounts gauge {metrics['memberwatch_accounts']} != {expected_accounts}")


def cycles(metrics):
    return {dict(key)["result"]: value for key, value in metrics["memberwatch_cycles_total"].items()}


def scenario_ready_and_metrics(workspace):
    """READY, /readyz 503 -> 200, /healthz, /metrics (promtool and values),
    /snapshot with its ETag, SIGUSR1, the watchdog, SIGTERM; notifications in order."""
    # AssumeRole is slow, so the first cycle lasts long enough to see /readyz say 503.
    fake = FakeAws(workspace, faults=["sts.AssumeRole:latency_ms=1500",
                                      "guardduty.ListMembers:error_rate=1,count=3",
                                      "securityhub.GetMembers:throttle_rate=1,count=2"])
    notify = NotifySocket(workspace)
    config = workspace.write_config("memberwatch.yaml", workspace.demo_config())
    daemon = Daemon(workspace, config, fake.url, notify, extra_env={"WATCHDOG_USEC": "1000000"})

    notify.expect("READY")
    address = health_address(daemon)
    check(address.startswith("127.0.0.1:") and not address.endswith(":0"), f"health address {address}")
    status, _, body = get(address, "/healthz")
    check(status == 200, f"/healthz answered {status}")
    status, headers, body = get(address, "/readyz")
    check(status == 503, f"/readyz before the first cycle answered {status}: {body!r}")
    check("reason" in json.loads(body), f"/readyz 503 body has no reason: {body!r}")

    first = notify.expect("STATUS", timeout=40)
    check(first["STATUS"].startswith("last cycle: accounts="), f"STATUS {first}")
    status, _, body = get(address, "/readyz")
    check(status == 200, f"/readyz after the first cycle answered {status}: {body!r}")

    text = scrape(address)
    promtool_check(text)
    metrics = parse_metrics(text)
    snapshot_bytes = read_snapshot(workspace)
    snapshot = json.loads(snapshot_bytes)
    check(cycles(metrics) == {"complete": 0.0, "partial": 1.0, "failed": 0.0},
          f"cycles_total after one partial cycle: {cycles(metrics)}")
    requests = check_requests_match_fake_aws(metrics, fake)
    check(any(dict(k)["code"] == "AccessDenied" for k in requests), "the denied AssumeRole is not counted")
    check(metrics["memberwatch_retries_total"].get(labels(service="guardduty", reason="transient")) == 3,
          f"3 guardduty server errors, retries_total {describe(metrics['memberwatch_retries_total'])}")
    check(metrics["memberwatch_retries_total"].get(labels(service="securityhub", reason="throttling")) == 2,
          f"2 securityhub throttles, retries_total {describe(metrics['memberwatch_retries_total'])}")
    check_snapshot_metrics(metrics, snapshot)
    check(0.0 in metrics["memberwatch_source_up"].values() and 1.0 in metrics["memberwatch_source_up"].values(),
          "the demo world has answering and failing sources")
    check(metrics["memberwatch_snapshot_bytes"][frozenset()] == len(snapshot_bytes), "snapshot_bytes")
    check(list(metrics["memberwatch_build_info"].values()) == [1.0], "build_info")

    status, headers, body = get(address, "/snapshot")
    check(status == 200 and body == snapshot_bytes, f"/snapshot answered {status}, not the snapshot file")
    etag = headers.get("ETag")
    check(etag, "/snapshot has no ETag")
    status, _, body = get(address, "/snapshot", {"If-None-Match": etag})
    check(status == 304 and body == b"", f"/snapshot with If-None-Match: its ETag answered {status}")
    status, _, _ = get(address, "/nothing-here")
    check(status == 404, f"an unknown path answered {status}")

    daemon.signal(signal.SIGUSR1)
    notify.expect("STATUS", timeout=40)
    metrics = parse_metrics(scrape(address))
    check(cycles(metrics)["partial"] == 2.0, f"SIGUSR1 did not run a cycle: {cycles(metrics)}")
    check_requests_match_fake_aws(metrics, fake)
    snapshot_bytes = read_snapshot(workspace)
    check_snapshot_metrics(metrics, json.loads(snapshot_bytes))
    status, headers, body = get(address, "/snapshot", {"If-None-Match": etag})
    check(status == 200 and body == snapshot_bytes and headers.get("ETag") != etag,
          "/snapshot after a new cycle: a stale ETag must get the new file")

    daemon.signal(signal.SIGTERM)
    notify.expect("STOPPING")
    check(daemon.wait(5) == 0, f"SIGTERM: exit code {daemon.popen.returncode}")
    notify.drain()
    check(sum("WATCHDOG" in m for m in notify.messages) >= 2,
          f"WATCHDOG=1 not sent every half period: {notify.messages}")
    order = [next(iter(m)) for m in notify.messages if "WATCHDOG" not in m]
    check(order == ["READY", "STATUS", "STATUS", "STOPPING"], f"notification order {order}")


def scenario_reload(workspace):
    """SIGHUP: a broken config keeps the old one; a valid one moving
    health.listen rebinds and its administrators apply from the next cycle;
    a non-loopback address logs a warning."""
    fake = FakeAws(workspace)
    notify = NotifySocket(workspace)
    config_path = workspace.file("memberwatch.yaml")
    workspace.write_config("memberwatch.yaml", workspace.demo_config())
    daemon = Daemon(workspace, config_path, fake.url, notify)
    notify.expect("READY")
    notify.expect("STATUS", timeout=40)
    address = health_address(daemon)

    def reload_and_expect_ready():
        before_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        daemon.signal(signal.SIGHUP)
        reloading = notify.expect("RELOADING")
        after_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        check(reloading["RELOADING"] == "1", f"RELOADING {reloading}")
        check(before_usec <= int(reloading.get("MONOTONIC_USEC", "0")) <= after_usec,
              f"MONOTONIC_USEC outside the reload: {reloading}")
        notify.expect("READY")

    # Broken: an unknown key (and a new address that must not be used).
    broken = workspace.demo_config(health={"listen": "127.0.0.3:0"})
    broken["intervall"] = "5m"
    workspace.write_config("memberwatch.yaml", broken)
    reload_and_expect_ready()
    check(daemon.alive(), "the daemon died on a broken configuration")
    log = wait_until(lambda: "reload rejected" in daemon.log() and daemon.log(), 5, "the rejection in the log")
    check(re.search(re.escape(config_path) + r":\d+:\d+: intervall", log), f"no FILE:LINE:COLUMN error:\n{log}")
    check(daemon.health_addresses() == [address], f"a rejected configuration moved the endpoint:\n{log}")
    check(get(address, "/healthz")[0] == 200, "the old health endpoint stopped answering")
    daemon.signal(signal.SIGUSR1)
    notify.expect("STATUS", timeout=40)
    sources = json.loads(read_snapshot(workspace))["sources"]
    check(any(s["administrator_id"] == AUDIT_ARCHIVE for s in sources), "the old administrators were dropped")

    # Valid: a new address, without the administrator AssumeRole denies.
    valid = workspace.demo_config(health={"listen": "127.0.0.2:0"})
    valid["administrators"] = [a for a in valid["administrators"] if a["account_id"] != AUDIT_ARCHIVE]
    workspace.write_config("memberwatch.yaml", valid)
    reload_and_expect_ready()
    moved = wait_until(lambda: len(daemon.health_addresses()) == 2 and daemon.health_addresses()[1], 5,
                       "the health endpoint to move")
    check(moved.startswith("127.0.0.2:"), f"health endpoint moved to {moved}")
    check(get(moved, "/healthz")[0] == 200, "the moved health endpoint does not answer")
    check(refuses_connections(address), "the old health address still accepts connections")
    daemon.signal(signal.SIGUSR1)
    status = notify.expect("STATUS", timeout=40)
    check("sources_failed=0" in status["STATUS"], f"the new administrators did not apply: {status}")
    snapshot = json.loads(read_snapshot(workspace))
    check(all(s["administrator_id"] != AUDIT_ARCHIVE for s in snapshot["sources"]),
          "the removed administrator is still polled")
    metrics = parse_metrics(scrape(moved))
    check(cycles(metrics) == {"complete": 1.0, "partial": 2.0, "failed": 0.0}, f"cycles {cycles(metrics)}")
    check_snapshot_metrics(metrics, snapshot)
    check_requests_match_fake_aws(metrics, fake)

    # Non-loopback: warned about even when the address cannot be bound here (TEST-NET-1).
    workspace.write_config("memberwatch.yaml", workspace.demo_config(health={"listen": "192.0.2.1:9746"}))
    reload_and_expect_ready()
    log = wait_until(lambda: "health endpoint not moved" in daemon.log() and daemon.log(), 5,
                     "the failed move in the log")
    check(re.search(r"warning health endpoint.*non-loopback address.*192\.0\.2\.1:9746", log),
          f"no warning about the non-loopback address:\n{log}")
    check(get(moved, "/healthz")[0] == 200, "an address that cannot be bound must leave the old one serving")

    daemon.signal(signal.SIGTERM)
    notify.expect("STOPPING")
    check(daemon.wait(5) == 0, f"SIGTERM: exit code {daemon.popen.returncode}")
    order = [next(iter(m)) for m in notify.messages]
    check(order == ["READY", "STATUS"] + ["RELOADING", "READY", "STATUS"] * 2 + ["RELOADING", "READY", "STOPPING"],
          f"notification order {order}")


def file_digests(folder):
    return {name: hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest()
            for name in sorted(os.listdir(folder))}


def scenario_stop_during_slow_cycle(workspace):
    """SIGTERM while every AWS answer takes 8 s: exit 0 within 5 s, the
    previous snapshot and changes log untouched, no temporary file left."""
    fast = FakeAws(workspace, "fake-aws-fast")
    config = workspace.write_config("memberwatch.yaml", workspace.demo_config())
    once = Daemon(workspace, config, fast.url, args=["--once"], name="memberwatchd-once")
    check(once.wait(60) == 2, f"--once against the demo world (one denied role) exit {once.popen.returncode}")
    state = workspace.file("state")
    before = file_digests(state)
    check("snapshot.json" in before and "changes.jsonl" in before, f"state after --once: {sorted(before)}")

    slow = FakeAws(workspace, "fake-aws-slow", faults=["*:latency_ms=8000"])
    notify = NotifySocket(workspace)
    daemon = Daemon(workspace, config, slow.url, notify)
    notify.expect("READY")
    # fake-aws logs a request when it arrives, then holds the answer for 8 s.
    wait_until(slow.requests, 10, "the cycle to reach fake-aws")
    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    notify.expect("STOPPING")
    code = daemon.wait(5)
    elapsed = time.monotonic() - started
    check(code == 0, f"SIGTERM during a cycle: exit code {code}\n{daemon.log()}")
    check(elapsed < 5, f"SIGTERM took {elapsed:.1f} s")
    check(file_digests(state) == before, f"the state changed: {before} -> {file_digests(state)}")
    check(not [m for m in notify.messages if "STATUS" in m], "a cancelled cycle reported a STATUS")


def ctl(workspace, *args):
    done = subprocess.run([os.path.join(workspace.binary_dir, "bin/memberwatchctl"), *args], capture_output=True,
                          text=True, timeout=30)
    return done.returncode, done.stdout, done.stderr


def scenario_ctl_refresh(workspace):
    """memberwatchctl refresh against the running daemon: refused (exit 1,
    409) while the first cycle runs; accepted once it finished (scheduled
    for 30 s after that cycle's start) and the cycle it asked for reaches
    fake-aws; refused (exit 1, 403) with health.lifecycle off."""
    fake = FakeAws(workspace, faults=["*:latency_ms=300"])
    config = workspace.write_config(
        "memberwatch.yaml", workspace.demo_config(health={"listen": "127.0.0.1:0", "lifecycle": True}))
    daemon = Daemon(workspace, config, fake.url)
    url = "http://" + health_address(daemon)
    finished = lambda: daemon.log().count("cycle finished")  # noqa: E731
    wait_until(fake.requests, 10, "the first cycle to reach fake-aws")
    code, out, err = ctl(workspace, "--url", url, "refresh")
    check(code == 1 and err.startswith("memberwatchctl: refresh refused: a cycle is running"),
          f"refresh during the first cycle: exit {code}, {out!r} {err!r}")
    wait_until(finished, 60, "the first cycle to finish")
    before = len(fake.requests())
    code, out, err = ctl(workspace, "--url", url, "refresh")
    check(code == 0 and out.startswith("refresh accepted: "), f"refresh after the cycle: exit {code}, {out!r} {err!r}")
    wait_until(lambda: finished() >= 2, 60, "the cycle memberwatchctl asked for")
    check(len(fake.requests()) > before, "the refreshed cycle made no request")
    check("cycle requested source=http" in daemon.log() or "cycle scheduled source=http" in daemon.log(),
          "the daemon did not log the request")

    off_config = workspace.write_config("off.yaml", workspace.demo_config(state_dir=workspace.file("state-off")))
    off = Daemon(workspace, off_config, fake.url, name="memberwatchd-off")
    code, out, err = ctl(workspace, "--url", "http://" + health_address(off), "refresh")
    check(code == 1 and "lifecycle endpoints are off" in err, f"refresh with lifecycle off: exit {code}, {err!r}")


SCENARIOS = {
    "ready_and_metrics": scenario_ready_and_metrics,
    "reload": scenario_reload,
    "stop_during_slow_cycle": scenario_stop_during_slow_cycle,
    "ctl_refresh": scenario_ctl_refresh,
}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in SCENARIOS:
        print(__doc__ + "Scenarios: " + ", ".join(SCENARIOS), file=sys.stderr)
        return 64
    source_dir, binary_dir, name = sys.argv[1:]
    workspace = Workspace(source_dir, binary_dir)
    try:
        SCENARIOS[name](workspace)
    except Exception as failure:  # a failed check, or a crash of the test itself: show the logs
        report_failure(workspace, name, failure, lines=60)
        return 1
    finally:
        workspace.cleanup()
    print(f"ok {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
