#!/usr/bin/env python3
"""Prints a readable summary of a memberwatch snapshot: accounts, coverage,
gaps by service and region, and the sources that failed with their errors."""
import collections
import json
import sys


def main(path):
    with open(path, encoding="utf-8") as f:
        snapshot = json.load(f)
    if snapshot.get("schema") != "memberwatch.snapshot/v1":
        sys.exit(f"{path}: not a memberwatch snapshot")
    cycle, totals = snapshot["cycle"], snapshot["totals"]
    accounts = snapshot["accounts"]
    print(f"snapshot: {path}")
    print(f"generated at {snapshot['generated_at']}, cycle of {cycle['duration_seconds']:.2f} s, "
          f"{cycle['requests']} requests, {cycle['retries']} retries, "
          f"{'complete' if cycle['complete'] else 'partial'}")
    with_gaps = sum(1 for a in accounts if a["gaps"])
    with_unknown = sum(1 for a in accounts if a["unknown"])
    print(f"accounts: {totals['accounts']}  covered: {totals['covered']}  "
          f"with gaps: {with_gaps}  with unknown coverage: {with_unknown}  "
          f"inactive: {totals.get('inactive', 0)}")
    organization = snapshot.get("organization")
    if organization:
        error = organization["error"] or {}
        print(f"organization: {organization['state']}, {organization['accounts']} accounts"
              + (f" ({error.get('code')}: {error.get('message')})" if error else ""))
    for admin in snapshot.get("administrators", []):
        error = admin["error"] or {}
        print(f"administrator {admin['name']} ({admin['account_id']}): regions {', '.join(admin['regions']) or '-'}"
              f" ({admin['regions_from']})" + (f", error {error.get('code')}" if error else ""))

    inactive = [a for a in accounts if a.get("inactive")]
    if inactive:
        print("\ninactive accounts (closed, closing or not yet active: never gaps):")
        for a in inactive:
            print(f"  {a['account_id']} {a['name'] or ''} {a['organization_status']}")

    print("\nmembers by service and status:")
    for service, statuses in sorted(totals["by_service_status"].items()):
        counts = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
        print(f"  {service:12} {counts}")

    gaps = collections.Counter()
    for account in accounts:
        for gap in account["gaps"]:
            gaps[(gap["service"], gap["region"], gap["status"])] += 1
    print("\ngaps by service and region:" if gaps else "\nno gaps")
    for (service, region, status), n in sorted(gaps.items()):
        print(f"  {service:12} {region:15} {status:26} {n} account(s)")

    findings = collections.Counter(f for a in accounts for f in a["findings"])
    for finding, n in sorted(findings.items()):
        print(f"finding {finding}: {n} account(s)")

    disabled = [s for s in snapshot["sources"] if s["state"] == "region_disabled"]
    if disabled:
        print("\nregion_disabled sources (the region is not enabled in the administrator's account: not polled):")
        for s in disabled:
            print(f"  {s['administrator_name']} ({s['administrator_id']}) {s['service']} {s['region']}")

    failed = [s for s in snapshot["sources"] if s["state"] in ("stale", "error")]
    print("\nfailing sources:" if failed else "\nevery source answered")
    for s in failed:
        error = s["error"] or {}
        print(f"  {s['administrator_name']} ({s['administrator_id']}) {s['service']} {s['region']}: "
              f"{s['state']}, {error.get('code')}: {error.get('message')}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: snapshot_summary.py SNAPSHOT.json")
    main(sys.argv[1])
