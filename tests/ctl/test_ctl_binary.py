#!/usr/bin/env python3
"""memberwatchctl, the binary, on the demo's golden snapshot: every command
and filter compared with an independent computation over the same JSON in
Python (never with the command's own earlier output), --csv parsed back
with the csv module, --json parsed back, and the exit codes and one-line
errors of bad input.

usage: test_ctl_binary.py MEMBERWATCHCTL SOURCE_DIR"""
import copy
import csv
import datetime
import http.server
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

CTL, SOURCE_DIR = sys.argv[1], sys.argv[2]
GOLDEN = os.path.join(SOURCE_DIR, "tests/integration/golden/demo_snapshot.json")
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
failures = []


def rfc3339(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def ctl(*args, env=None):
    run_env = dict(os.environ, **(env or {}))
    run_env.pop("NO_COLOR", None)
    done = subprocess.run([CTL, *args], capture_output=True, text=True, env=run_env, timeout=60)
    return done.returncode, done.stdout, done.stderr


def ctl_json(*args):
    code, out, err = ctl("--json", *args)
    check(code == 0, f"{args}: exit {code}: {err}")
    return json.loads(out) if code == 0 else None


def ctl_csv(*args):
    code, out, err = ctl("--csv", *args)
    check(code == 0, f"{args} --csv: exit {code}: {err}")
    return list(csv.DictReader(io.StringIO(out, newline=""))) if code == 0 else []


def load_golden():
    with open(GOLDEN, encoding="utf-8") as f:
        text = f.read().replace("<cycle time>", rfc3339(NOW - datetime.timedelta(minutes=3)))
    return json.loads(text)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


# --------------------------------------------------------------- expectations, computed here

def expected_gaps(snapshot, service=None, region=None, status=None, account=None, administrator=None):
    polled = None
    if administrator:
        polled = {(s["service"], s["region"]) for s in snapshot["sources"]
                  if s["administrator_id"] == administrator and s["state"] != "region_disabled"}
    rows = []
    for a in snapshot["accounts"]:
        for g in a["gaps"]:
            if service and g["service"] != service or region and g["region"] != region:
                continue
            if status and g["status"] != status or account and a["account_id"] != account:
                continue
            if polled is not None and (g["service"], g["region"]) not in polled:
                continue
            rows.append({"account_id": a["account_id"], "account_name": a["name"], "service": g["service"],
                         "region": g["region"], "status": g["status"]})
    return rows


def test_gaps(snapshot, snap):
    every = expected_gaps(snapshot)
    check(len(every) > 5, "the golden snapshot has gaps to test with")
    check(ctl_json("--snapshot", snap, "gaps") == every, "gaps --json")
    check(ctl_csv("--snapshot", snap, "gaps") == [{k: csv_cell(v) for k, v in r.items()} for r in every], "gaps --csv")
    services = sorted({g["service"] for g in every})
    regions = sorted({g["region"] for g in every})
    statuses = sorted({g["status"] for g in every})
    for service in services:
        check(ctl_json("--snapshot", snap, "gaps", "--service", service) == expected_gaps(snapshot, service=service),
              f"gaps --service {service}")
    for region in regions:
        check(ctl_json("--snapshot", snap, "gaps", "--region", region) == expected_gaps(snapshot, region=region),
              f"gaps --region {region}")
    for status in statuses:
        check(ctl_json("--snapshot", snap, "gaps", "--status", status.lower()) ==
              expected_gaps(snapshot, status=status), f"gaps --status {status}")
    for admin in sorted({s["administrator_id"] for s in snapshot["sources"]}):
        got = ctl_json("--snapshot", snap, "gaps", "--administrator", admin)
        check(got == expected_gaps(snapshot, administrator=admin), f"gaps --administrator {admin}")
    account = every[0]["account_id"]
    check(ctl_json("--snapshot", snap, "gaps", "--account", account) == expected_gaps(snapshot, account=account),
          "gaps --account")
    both = ctl_json("--snapshot", snap, "gaps", "--service", "guardduty", "--region", "us-east-1")
    check(both == expected_gaps(snapshot, service="guardduty", region="us-east-1"), "gaps --service --region")
    code, out, _ = ctl("--snapshot", snap, "gaps")
    check(code == 0 and out.splitlines()[0].split() == ["ACCOUNT", "ID", "ACCOUNT", "NAME", "SERVICE", "REGION",
                                                         "STATUS"], "gaps table header")
    check(len(out.splitlines()) == len(every) + 1 and "\033[" not in out, "gaps table: a line a gap, no colour in a pipe")
    code, out, _ = ctl("--snapshot", snap, "gaps", "--account", "111111111111")
    check(code == 0 and out == "no gaps\n", "gaps with none: 'no gaps'")


def test_account(snapshot, snap):
    by_account = {}
    for m in snapshot["memberships"]:
        by_account.setdefault(m["account_id"], []).append(m)
    with_gaps = next(a for a in snapshot["accounts"] if a["gaps"])
    inactive = next(a for a in snapshot["accounts"] if a["inactive"])
    for a in (with_gaps, inactive, snapshot["accounts"][0]):
        got = ctl_json("--snapshot", snap, "account", a["account_id"])
        check(got == {"account": a, "memberships": by_account.get(a["account_id"], [])},
              f"account {a['account_id']} --json")
        rows = ctl_csv("--snapshot", snap, "account", a["account_id"])
        check([r["status"] for r in rows] == [m["status"] for m in by_account.get(a["account_id"], [])],
              f"account {a['account_id']} --csv")
        code, out, _ = ctl("--snapshot", snap, "account", a["account_id"])
        check(code == 0 and out.startswith("account       " + a["account_id"]), f"account {a['account_id']} table")
    code, out, _ = ctl("--snapshot", snap, "account", with_gaps["account_id"])
    check("\ngaps\n" in out and with_gaps["gaps"][0]["status"] in out, "account table shows the gaps")
    code, _, err = ctl("--snapshot", snap, "account", "999999999999")
    check(code == 1 and err.startswith("memberwatchctl: account 999999999999 is not in the snapshot"),
          f"account absent: exit 1 ({code}, {err})")


def test_export_and_status(snapshot, snap):
    check(ctl_json("--snapshot", snap, "export", "memberships") == snapshot["memberships"], "export memberships --json")
    check(ctl_json("--snapshot", snap, "export", "accounts") == snapshot["accounts"], "export accounts --json")
    check(ctl_json("--snapshot", snap, "export", "sources") == snapshot["sources"], "export sources --json")
    rows = ctl_csv("--snapshot", snap, "export", "memberships")
    check(len(rows) == len(snapshot["memberships"]), "export memberships --csv: a row a membership")
    for row, m in zip(rows, snapshot["memberships"]):
        check(json.loads(row["detail"]) == m["detail"], f"csv detail of {m['account_id']}")
        for key in ("account_id", "service", "region", "administrator_id", "status", "raw_status", "email",
                    "invited_at", "updated_at", "stale"):
            check(row[key] == csv_cell(m[key]), f"csv {key} of {m['account_id']}")
    code, out, _ = ctl("--snapshot", snap, "export", "accounts")  # CSV without a format
    check(code == 0 and out.startswith("account_id,name,organization_status,"), "export defaults to CSV")
    rows = ctl_csv("--snapshot", snap, "export", "accounts")
    check([json.loads(r["gaps"]) for r in rows] == [a["gaps"] for a in snapshot["accounts"]], "export accounts --csv")

    status = ctl_json("--snapshot", snap, "status")
    check(status["administrators"] == snapshot["administrators"], "status administrators")
    check([{k: v for k, v in s.items() if k != "last_success_age_seconds"} for s in status["sources"]] ==
          snapshot["sources"], "status sources")
    check(status["totals"] == snapshot["totals"] and status["cycle"] == snapshot["cycle"], "status totals and cycle")
    accounts = snapshot["accounts"]
    check(status["accounts"] == {"total": len(accounts), "covered": sum(a["covered"] for a in accounts),
                                 "with_gaps": sum(bool(a["gaps"]) for a in accounts),
                                 "with_unknown": sum(bool(a["unknown"]) for a in accounts),
                                 "inactive": sum(a["inactive"] for a in accounts)}, "status account counts")
    check(170 <= status["age_seconds"] <= 300, f"status age {status['age_seconds']}")
    code, out, _ = ctl("--snapshot", snap, "status")
    check(code == 0 and "cycle         partial" in out and "AccessDenied" in out, "status table shows the failure")
    rows = ctl_csv("--snapshot", snap, "status")
    check([(r["administrator_id"], r["service"], r["region"], r["state"]) for r in rows] ==
          [(s["administrator_id"], s["service"], s["region"], s["state"]) for s in snapshot["sources"]], "status --csv")


def test_check(snapshot, tmp):
    def run_check(variant, *extra):
        path = os.path.join(tmp, "check.json")
        write_json(path, variant)
        code, out, _ = ctl("--snapshot", path, "check", *extra)
        check(out.count("\n") == 1, f"check prints one line: {out!r}")
        return code, out

    fine = copy.deepcopy(snapshot)
    for s in fine["sources"]:
        if s["state"] in ("stale", "error"):
            s["state"], s["error"] = "ok", None
    for a in fine["accounts"]:
        a["gaps"] = []
    code, out = run_check(fine)
    check(code == 0 and out.startswith("MEMBERWATCH OK - "), f"check fresh and complete: {code} {out}")
    gaps = copy.deepcopy(fine)
    gaps["accounts"][1]["gaps"] = [{"service": "guardduty", "region": "us-east-1", "status": "NOT_MEMBER"}]
    code, out = run_check(gaps)
    check(code == 1 and out.startswith("MEMBERWATCH WARNING - 1 account(s) with gaps"), f"check gaps: {code} {out}")
    code, out = run_check(snapshot)  # the golden: audit-archive's source is in error
    check(code == 2 and "333333333333/securityhub/us-east-1 (error" in out, f"check failing: {code} {out}")
    old = copy.deepcopy(fine)
    old["generated_at"] = rfc3339(NOW - datetime.timedelta(hours=2))
    code, out = run_check(old)
    check(code == 2 and "snapshot is 2h0m old" in out, f"check old: {code} {out}")
    code, out = run_check(old, "--max-age", "3h")
    check(code == 0, f"check --max-age 3h: {code} {out}")
    code, out, _ = ctl("--snapshot", os.path.join(tmp, "none.json"), "check")
    check(code == 3 and out.startswith("MEMBERWATCH UNKNOWN - ") and "no snapshot" in out, f"check none: {code} {out}")
    code, out, _ = ctl("--json", "--snapshot", os.path.join(tmp, "check.json"), "check", "--max-age", "3h")
    check(code == 0 and json.loads(out)["status"] == "OK", "check --json")


def test_changes(snapshot, tmp):
    state = os.path.join(tmp, "changes-state")
    os.makedirs(state)
    write_json(os.path.join(state, "snapshot.json"), snapshot)
    t1 = NOW - datetime.timedelta(days=3)
    t2 = NOW - datetime.timedelta(minutes=30)
    older, newer = [], []
    for m in snapshot["memberships"][:20]:
        older.append({"at": rfc3339(t1), "kind": "membership", "account_id": m["account_id"], "service": m["service"],
                      "region": m["region"], "administrator_id": m["administrator_id"], "from": None,
                      "to": m["status"]})
    for m in snapshot["memberships"][5:8]:
        newer.append({"at": rfc3339(t2), "kind": "membership", "account_id": m["account_id"], "service": m["service"],
                      "region": m["region"], "administrator_id": m["administrator_id"], "from": m["status"],
                      "to": None})
    newer.append({"at": rfc3339(t2), "kind": "account", "account_id": snapshot["accounts"][3]["account_id"],
                  "from": "ACTIVE", "to": "SUSPENDED"})

    def lines(changes):
        return "".join(json.dumps(c, separators=(",", ":")) + "\n" for c in changes)

    with open(os.path.join(state, "changes.jsonl.1"), "w") as f:
        f.write(lines(older))
    with open(os.path.join(state, "changes.jsonl"), "w") as f:
        f.write(lines(newer) + '{"at":"2026-')  # a torn last line: tolerated
    snap = os.path.join(state, "snapshot.json")

    def row(c):
        return {"at": c["at"], "kind": c["kind"], "account_id": c["account_id"], "service": c.get("service"),
                "region": c.get("region"), "administrator_id": c.get("administrator_id"), "from": c["from"],
                "to": c["to"]}

    everything = [row(c) for c in older + newer]
    check(ctl_json("--snapshot", snap, "changes") == everything, "changes: rotated file first, torn line skipped")
    check(ctl_json("--snapshot", snap, "changes", "--since", "1h") == [row(c) for c in newer], "changes --since 1h")
    check(ctl_json("--snapshot", snap, "changes", "--since", rfc3339(t1 + datetime.timedelta(seconds=1))) ==
          [row(c) for c in newer], "changes --since TIME across the rotation")
    account = older[0]["account_id"]
    check(ctl_json("--snapshot", snap, "changes", "--account", account) ==
          [r for r in everything if r["account_id"] == account], "changes --account")
    check(ctl_json("--snapshot", snap, "changes", "--service", "detective") ==
          [r for r in everything if r["service"] == "detective"], "changes --service")
    rows = ctl_csv("--snapshot", snap, "changes")
    check(rows == [{k: csv_cell(v) for k, v in r.items()} for r in everything], "changes --csv")

    with open(os.path.join(state, "changes.jsonl.1"), "w") as f:
        f.write(lines(older[:2]) + "this is not json\n" + lines(older[2:]))
    code, out, err = ctl("--snapshot", snap, "changes")
    check(code == 65 and err.startswith("memberwatchctl: " + os.path.join(state, "changes.jsonl.1") + ":3: ")
          and err.count("\n") == 1, f"changes garbage line: {code} {err}")


def test_diff(snapshot, tmp):
    old = copy.deepcopy(snapshot)
    new = copy.deepcopy(snapshot)
    ms = new["memberships"]
    changed = ms[3]
    changed["status"] = "DISABLED" if changed["status"] != "DISABLED" else "ENABLED"
    flipped = ms[10]
    flipped["stale"] = not flipped["stale"]
    vanished = ms.pop(20)
    added = dict(copy.deepcopy(ms[0]), account_id="299999999999", status="INVITED")
    ms.append(added)
    key = lambda m: (m["account_id"], m["service"], m["region"], m["administrator_id"])
    ms.sort(key=key)
    old_path, new_path = os.path.join(tmp, "old.json"), os.path.join(tmp, "new.json")
    write_json(old_path, old)
    write_json(new_path, new)

    def row(m, change, before, after):
        return {"account_id": m["account_id"], "service": m["service"], "region": m["region"],
                "administrator_id": m["administrator_id"], "change": change,
                "from": before["status"] if before else None, "to": after["status"] if after else None,
                "stale_before": before["stale"] if before else None, "stale_after": after["stale"] if after else None}

    original = {key(m): m for m in old["memberships"]}
    expected = sorted([row(changed, "status", original[key(changed)], changed),
                       row(flipped, "stale", original[key(flipped)], flipped),
                       row(vanished, "vanished", vanished, None),
                       row(added, "appeared", None, added)],
                      key=lambda r: (r["account_id"], r["service"], r["region"], r["administrator_id"]))
    check(ctl_json("diff", old_path, new_path) == expected, "diff OLD NEW")
    check(ctl_json("diff", old_path, old_path) == [], "diff of a snapshot with itself")


def test_config_and_url(snapshot, tmp):
    state = os.path.join(tmp, "config-state")
    os.makedirs(state)
    write_json(os.path.join(state, "snapshot.json"), snapshot)
    config = os.path.join(tmp, "memberwatch.yaml")
    with open(config, "w") as f:
        f.write('state_dir: config-state\nhealth:\n  listen: ""\nadministrators:\n'
                '  - name: a\n    account_id: "111111111111"\n')
    check(ctl_json("--config", config, "gaps") == expected_gaps(snapshot), "gaps through --config")
    bad_config = os.path.join(tmp, "bad.yaml")
    with open(bad_config, "w") as f:
        f.write("state_dir: x\nintervall: 5m\n")
    code, _, err = ctl("--config", bad_config, "gaps")
    check(code == 78 and err.startswith("memberwatchctl: " + bad_config + ":2:1: intervall"), f"bad config: {code} {err}")

    body = open(os.path.join(state, "snapshot.json"), "rb").read()

    class Handler(http.server.BaseHTTPRequestHandler):
        answer = 200

        def do_GET(self):
            if self.path != "/snapshot":
                self.send_error(404)
                return
            self.send_response(Handler.answer)
            self.send_header("Content-Length", str(len(body) if Handler.answer == 200 else 0))
            self.end_headers()
            if Handler.answer == 200:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        check(ctl_json("--url", url, "gaps") == expected_gaps(snapshot), "gaps through --url")
        check(ctl_json("--url", url, "export", "memberships") == snapshot["memberships"], "export through --url")
        Handler.answer = 503
        code, _, err = ctl("--url", url, "gaps")
        check(code == 66 and "no snapshot yet" in err, f"--url 503: {code} {err}")
        Handler.answer = 500
        code, _, err = ctl("--url", url, "gaps")
        check(code == 69 and "HTTP 500" in err, f"--url 500: {code} {err}")
        code, _, err = ctl("--url", url, "changes")
        check(code == 64, f"changes with --url: {code} {err}")
    finally:
        server.shutdown()
        server.server_close()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    code, _, err = ctl("--url", f"http://127.0.0.1:{closed}", "gaps")
    check(code == 69 and "cannot reach the daemon" in err and err.count("\n") == 1, f"unreachable: {code} {err}")
    code, _, err = ctl("--url", "ftp://127.0.0.1", "gaps")
    check(code == 64, f"--url not http: {code} {err}")


def test_bad_input(snapshot, tmp):
    good = os.path.join(tmp, "good.json")
    write_json(good, snapshot)
    text = open(good).read()
    cases = {
        "truncated.json": (text[: len(text) // 2], "not valid JSON at line"),
        "other-schema.json": (text.replace("memberwatch.snapshot/v1", "memberwatch.snapshot/v9"), "schema"),
        "not-json.json": ("<html>not a snapshot</html>\n", "not valid JSON at line 1"),
        "wrong-type.json": (text.replace('"covered": true', '"covered": "yes"', 1), "accounts[0].covered"),
    }
    for name, (content, expected) in cases.items():
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(content)
        for command in (["gaps"], ["status"], ["account", "111111111111"]):
            code, out, err = ctl("--snapshot", path, *command)
            check(code == 65 and out == "" and err.startswith(f"memberwatchctl: {path}: not a memberwatch snapshot: ")
                  and expected in err and err.count("\n") == 1, f"{name} {command}: {code} {err!r}")
    code, _, err = ctl("--snapshot", os.path.join(tmp, "missing.json"), "gaps")
    check(code == 66 and "no snapshot" in err, f"no snapshot: {code} {err}")
    for args in (["gasp"], ["gaps", "--service", "nope"], [], ["account", "12"], ["--json", "--csv", "status"]):
        code, _, err = ctl("--snapshot", good, *args)
        check(code == 64 and err.startswith("memberwatchctl: "), f"usage {args}: {code} {err}")
    code, out, _ = ctl("--help")
    check(code == 0 and out.startswith("Usage: memberwatchctl"), "--help")


def test_colour(snapshot, snap):
    """Colour on a terminal only, and never with NO_COLOR set."""
    import pty

    def on_terminal(env):
        leader, follower = pty.openpty()
        run_env = dict(os.environ, **env)
        if "NO_COLOR" not in env:
            run_env.pop("NO_COLOR", None)
        done = subprocess.run([CTL, "--snapshot", snap, "gaps"], stdout=follower, stderr=subprocess.PIPE,
                              env=run_env, timeout=60)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        return done.returncode, b"".join(chunks).decode()

    code, out = on_terminal({})
    check(code == 0 and "\033[31mNOT_MEMBER\033[0m" in out, "gaps on a terminal: statuses in colour")
    code, out = on_terminal({"NO_COLOR": "1"})
    check(code == 0 and "\033[" not in out and "NOT_MEMBER" in out, "gaps on a terminal with NO_COLOR: no colour")


def main():
    snapshot = load_golden()
    with tempfile.TemporaryDirectory(prefix="mw-ctl-") as tmp:
        snap = os.path.join(tmp, "snapshot.json")
        write_json(snap, snapshot)
        test_gaps(snapshot, snap)
        test_colour(snapshot, snap)
        test_account(snapshot, snap)
        test_export_and_status(snapshot, snap)
        test_check(snapshot, tmp)
        test_changes(snapshot, tmp)
        test_diff(snapshot, tmp)
        test_config_and_url(snapshot, tmp)
        test_bad_input(snapshot, tmp)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("memberwatchctl: every command checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
