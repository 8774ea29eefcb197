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
import re
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
    """Per account, its coverage gaps then its feature gaps (the required
    GuardDuty protection plans it lacks), told apart by "kind"."""
    polled = None
    if administrator:
        polled = {(s["service"], s["region"]) for s in snapshot["sources"]
                  if s["administrator_id"] == administrator and s["state"] != "region_disabled"}
    rows = []
    for a in snapshot["accounts"]:
        gaps = [("coverage", g, None) for g in a["gaps"]] + [("feature", g, g["feature"]) for g in a["feature_gaps"]]
        for kind, g, feature in gaps:
            if service and g["service"] != service or region and g["region"] != region:
                continue
            if status and g["status"] != status or account and a["account_id"] != account:
                continue
            if polled is not None and (g["service"], g["region"]) not in polled:
                continue
            rows.append({"account_id": a["account_id"], "account_name": a["name"], "kind": kind,
                         "service": g["service"], "region": g["region"], "feature": feature, "status": g["status"]})
    return rows


GAP_TABLE_COLUMNS = ["account_id", "account_name", "kind", "service", "region", "feature", "status"]
# CSV: the columns gaps had before feature rows, then the new ones.
GAP_CSV_COLUMNS = ["account_id", "account_name", "service", "region", "status", "kind", "feature"]


def table_rows(out):
    """A table of memberwatchctl's as dicts: the header's words (a column
    name's "_" is a space there) give the columns, cells are split on the
    runs of two or more spaces the alignment leaves; "-" is an empty cell."""
    lines = out.splitlines()
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", lines[0])]
    names = [lines[0][b:e].strip().lower().replace(" ", "_") for b, e in zip(starts, starts[1:] + [None])]
    rows = []
    for line in lines[1:]:
        cells = [line[b:e].strip() if b < len(line) else "" for b, e in zip(starts, starts[1:] + [None])]
        rows.append(dict(zip(names, ("" if c == "-" else c for c in cells))))
    return names, rows


def test_gaps(snapshot, snap):
    every = expected_gaps(snapshot)
    check(len(every) > 5, "the golden snapshot has gaps to test with")
    features = [r for r in every if r["kind"] == "feature"]
    check({r["status"] for r in features} == {"DISABLED", "ABSENT"} and
          {r["service"] for r in features} == {"guardduty"}, f"the golden snapshot has feature gaps: {features}")
    check(ctl_json("--snapshot", snap, "gaps") == every, "gaps --json")
    code, out, err = ctl("--csv", "--snapshot", snap, "gaps")
    check(code == 0 and out.splitlines()[0] == ",".join(GAP_CSV_COLUMNS), f"gaps --csv header: {out[:200]!r} {err}")
    check(ctl_csv("--snapshot", snap, "gaps") == [{k: csv_cell(r[k]) for k in GAP_CSV_COLUMNS} for r in every],
          "gaps --csv")
    code, out, _ = ctl("--snapshot", snap, "gaps")
    names, rows = table_rows(out) if code == 0 else ([], [])
    check(names == GAP_TABLE_COLUMNS, f"gaps table columns: {names}")
    check(rows == [{k: csv_cell(r[k]) for k in GAP_TABLE_COLUMNS} for r in every], "gaps table rows")
    services = sorted({g["service"] for g in every})
    regions = sorted({g["region"] for g in every})
    statuses = sorted({g["status"] for g in every} - {"ABSENT"})  # ABSENT is a plan's, not a --status value
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
    for r in features:  # each feature row's own account, region and administrators
        check(ctl_json("--snapshot", snap, "gaps", "--account", r["account_id"]) ==
              expected_gaps(snapshot, account=r["account_id"]), f"gaps --account {r['account_id']} (feature)")
        if r["status"] != "ABSENT":
            got = ctl_json("--snapshot", snap, "gaps", "--service", "guardduty", "--region", r["region"],
                           "--status", r["status"])
            check(r in got and got == expected_gaps(snapshot, service="guardduty", region=r["region"],
                                                    status=r["status"]), f"gaps --status {r['status']}: feature rows")
    disabled = ctl_json("--snapshot", snap, "gaps", "--status", "DISABLED")
    check(any(r["kind"] == "feature" for r in disabled) and any(r["kind"] == "coverage" for r in disabled),
          "gaps --status DISABLED: both kinds")
    check(not any(r["kind"] == "feature" for r in ctl_json("--snapshot", snap, "gaps", "--status", "not_member")),
          "gaps --status NOT_MEMBER: no feature row")
    check(not any(r["kind"] == "feature" for r in ctl_json("--snapshot", snap, "gaps", "--service", "detective")),
          "gaps --service detective: no feature row")
    check(ctl_csv("--snapshot", snap, "gaps", "--service", "guardduty", "--region", "us-east-1") ==
          [{k: csv_cell(r[k]) for k in GAP_CSV_COLUMNS}
           for r in expected_gaps(snapshot, service="guardduty", region="us-east-1")], "gaps --csv filtered")
    code, out, _ = ctl("--snapshot", snap, "gaps")
    check(code == 0 and out.splitlines()[0].split() == ["ACCOUNT", "ID", "ACCOUNT", "NAME", "KIND", "SERVICE",
                                                         "REGION", "FEATURE", "STATUS"], "gaps table header")
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
    check("\nfeature gaps" not in out, "account table: no feature gaps section without feature gaps")
    with_features = [a for a in snapshot["accounts"] if a["feature_gaps"]]
    check(len(with_features) >= 2, "the golden snapshot has accounts with feature gaps")
    for a in with_features:
        check(ctl_json("--snapshot", snap, "account", a["account_id"])["account"] == a,
              f"account {a['account_id']} --json: its feature gaps")
        code, out, _ = ctl("--snapshot", snap, "account", a["account_id"])
        heading = "\nfeature gaps (required GuardDuty protection plans not enabled)\n"
        check(code == 0 and heading in out, f"account {a['account_id']} table: a feature gaps section")
        section = out.split(heading, 1)[1].split("\n\n", 1)[0] if heading in out else ""
        names, rows = table_rows(section) if section else ([], [])
        check(names == ["service", "region", "feature", "status"] and
              rows == [{k: g[k] for k in names} for g in a["feature_gaps"]],
              f"account {a['account_id']} table: its feature gaps {rows}")
        check(("\ngaps\n" in out) == bool(a["gaps"]), f"account {a['account_id']} table: gaps only when it has some")
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
    check([json.loads(r["feature_gaps"]) for r in rows] == [a["feature_gaps"] for a in snapshot["accounts"]],
          "export accounts --csv: feature_gaps")
    rows = ctl_csv("--snapshot", snap, "export", "sources")
    check([{k: json.loads(r[k]) if r[k] else None for k in ("organization", "findings", "call_errors")} for r in rows]
          == [{k: src[k] for k in ("organization", "findings", "call_errors")} for src in snapshot["sources"]],
          "export sources --csv: organization, findings, call_errors")

    def auto_enable(source):
        return source["organization"]["auto_enable"] if source["organization"] else None

    status = ctl_json("--snapshot", snap, "status")
    check(status["administrators"] == snapshot["administrators"], "status administrators")
    check([{k: v for k, v in s.items() if k != "last_success_age_seconds"} for s in status["sources"]] ==
          [dict(s, auto_enable=auto_enable(s)) for s in snapshot["sources"]], "status sources, auto_enable")
    modes = {auto_enable(s) for s in snapshot["sources"]}
    check({"NONE", "NEW", "PARTIAL", "CENTRAL", None} <= modes, f"the golden snapshot's auto-enable modes: {modes}")
    check(status["organization"] == snapshot["organization"], "status organization")
    check(status["totals"] == snapshot["totals"] and status["cycle"] == snapshot["cycle"], "status totals and cycle")
    accounts = snapshot["accounts"]
    check(status["accounts"] == {"total": len(accounts), "covered": sum(a["covered"] for a in accounts),
                                 "with_gaps": sum(bool(a["gaps"]) for a in accounts),
                                 "with_unknown": sum(bool(a["unknown"]) for a in accounts),
                                 "inactive": sum(a["inactive"] for a in accounts)}, "status account counts")
    check(170 <= status["age_seconds"] <= 300, f"status age {status['age_seconds']}")
    code, out, _ = ctl("--snapshot", snap, "status")
    check(code == 0 and "cycle         partial" in out and "AccessDenied" in out, "status table shows the failure")
    blocks = out.split("\n\n")
    check(len(blocks) == 4, f"status table: header lines, administrators, sources, failed calls: {len(blocks)} blocks")
    names, rows = table_rows(blocks[1]) if len(blocks) > 1 else ([], [])
    check(names == ["account_id", "name", "origin", "delegated_for", "regions", "regions_from", "error"],
          f"status administrators columns: {names}")

    def delegated(admin):
        if admin["delegated_for"] is None:
            return ""
        return ",".join(admin["delegated_for"]) or "none"

    check([(r["account_id"], r["origin"], r["delegated_for"]) for r in rows] ==
          [(a["account_id"], a["origin"], delegated(a)) for a in snapshot["administrators"]],
          "status table: administrators' origin and delegated_for")
    names, rows = table_rows(blocks[2]) if len(blocks) > 2 else ([], [])
    check(names == ["administrator_id", "administrator_name", "service", "region", "state", "auto_enable", "findings",
                    "members", "not_members", "last_success", "error"], f"status sources columns: {names}")
    check([(r["administrator_id"], r["service"], r["region"], r["state"], r["auto_enable"], r["findings"],
            r["members"]) for r in rows] ==
          [(s["administrator_id"], s["service"], s["region"], s["state"], auto_enable(s) or "",
            ",".join(s["findings"]), str(s["members"])) for s in snapshot["sources"]],
          "status table: every source's auto_enable and findings")
    calls = [(s["administrator_id"], s["service"], s["region"], c["operation"], c["account_id"] or "",
              f"{c['code']}: {c['message']}") for s in snapshot["sources"] for c in s["call_errors"]]
    check(len(calls) >= 1, "the golden snapshot has a failed call")
    heading = "calls that failed in sources that answered\n"
    last = blocks[3] if len(blocks) > 3 else ""
    names, rows = table_rows(last[len(heading):]) if last.startswith(heading) else ([], [])
    check([(r["administrator_id"], r["service"], r["region"], r["operation"], r["account_id"], r["error"])
           for r in rows] == calls, f"status table: the failed calls {rows}")
    # A discovered administrator, one whose delegation is unknown, and a
    # failed ListDelegatedAdministrators, which the golden snapshot has not.
    variant = copy.deepcopy(snapshot)
    variant["administrators"][2].update(origin="organization", delegated_for=["securityhub"])
    variant["administrators"][3]["delegated_for"] = None
    variant["organization"]["delegated_administrators_error"] = {
        "code": "AccessDeniedException", "message": "not allowed", "http_status": 400}
    variant_path = os.path.join(os.path.dirname(snap), "status-variant.json")
    write_json(variant_path, variant)
    code, out, _ = ctl("--snapshot", variant_path, "status")
    names, rows = table_rows(out.split("\n\n")[1]) if code == 0 else ([], [])
    check([(r["origin"], r["delegated_for"]) for r in rows[2:]] == [("organization", "securityhub"), ("configured", "")],
          f"status table: a discovered administrator, an unknown delegation: {rows[2:]}")
    check(f"organization  ok, {variant['organization']['accounts']} accounts, delegated administrators not listed "
          "(the last good list used): AccessDeniedException: not allowed\n" in out,
          "status table: the delegated administrators' error")
    check(ctl_json("--snapshot", variant_path, "status")["organization"] == variant["organization"],
          "status --json: the delegated administrators' error")
    code, out, _ = ctl("--csv", "--snapshot", snap, "status")
    check(code == 0 and out.splitlines()[0] == "administrator_id,administrator_name,service,region,state,members,"
          "not_members,last_success,error,auto_enable,findings", f"status --csv header: {out.splitlines()[:1]}")
    rows = ctl_csv("--snapshot", snap, "status")
    check([(r["administrator_id"], r["service"], r["region"], r["state"], r["auto_enable"], r["findings"])
           for r in rows] ==
          [(s["administrator_id"], s["service"], s["region"], s["state"], auto_enable(s) or "", ",".join(s["findings"]))
           for s in snapshot["sources"]], "status --csv")


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
    # Feature gaps (and the findings they make) are not coverage gaps: still OK.
    check(any(a["feature_gaps"] for a in fine["accounts"]), "the check test keeps feature gaps")
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
        process = subprocess.Popen([CTL, "--snapshot", snap, "gaps"], stdout=follower, stderr=subprocess.DEVNULL,
                                   env=run_env)
        os.close(follower)
        # Read while it writes: a terminal holds only a few KiB, and a
        # table longer than that would block the command until read.
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
        return process.wait(timeout=60), b"".join(chunks).decode()

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
