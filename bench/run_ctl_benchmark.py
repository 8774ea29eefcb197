#!/usr/bin/python3
"""memberwatchctl against jq (issue 21): the same questions of the same
snapshot, side by side in one run.

It makes the world's snapshot with memberwatchd --once against fake-aws (as
run_benchmark.py does; or takes --snapshot FILE), then asks three questions
of it, each with memberwatchctl and with jq (Debian's jq 1.6, the one-liner
a user writes by hand), REPEAT times each, alternating, through
mw-bench-measure (wall, CPU, peak RSS of the child):
  - gaps:    memberwatchctl --json gaps --service guardduty --region us-east-1
  - account: memberwatchctl --json account ID (an account with a gap)
  - check:   memberwatchctl check (the counts it reports, from jq as well)
Both answers are compared (parsed, not as text), so the figures are of the
same work. The medians are reported with the targets: memberwatchctl at
most 1/10 of jq's wall time and of its peak RSS, and at most 32 MiB.

usage: run_ctl_benchmark.py [--build DIR] [--world large] [--snapshot FILE] [--json FILE] [--check]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import run_benchmark as rb

JQ = "/usr/bin/jq"
PEAK_RSS_TARGET = 32 * 1024 * 1024
RATIO_TARGET = 0.1

# Coverage gaps, then each account's feature gaps (issue 18), as `gaps --json` lists them.
JQ_GAPS = ('[.accounts[] | . as $a | (.gaps[] | {kind: "coverage", feature: null} + .),'
           ' (.feature_gaps[] | {kind: "feature"} + .) | select(.service == "guardduty" and .region == "us-east-1")'
           ' | {account_id: $a.account_id, account_name: $a.name, kind, service, region, feature, status}]')
JQ_ACCOUNT = ('{account: (first(.accounts[] | select(.account_id == $id)) // null),'
              ' memberships: [.memberships[] | select(.account_id == $id)]}')
JQ_CHECK = ('{accounts: (.accounts | length), covered: ([.accounts[] | select(.covered)] | length),'
            ' gaps: ([.accounts[] | select(.gaps | length > 0)] | length),'
            ' unknown: ([.accounts[] | select(.unknown | length > 0)] | length),'
            ' inactive: ([.accounts[] | select(.inactive)] | length),'
            ' failing_sources: ([.sources[] | select(.state == "stale" or .state == "error")] | length)}')


def measured(args, command, workdir, name):
    """The child's measurement and its stdout."""
    out, err = os.path.join(workdir, name + ".out"), os.path.join(workdir, name + ".err")
    result = rb.run_measured(args, command, dict(os.environ, NO_COLOR="1"), out, err)
    with open(out) as f:
        result["stdout"] = f.read()
    return result


def check_counts(line):
    """The perfdata of memberwatchctl check's line as numbers."""
    perfdata = line.split(" | ", 1)[1].split()
    counts = {}
    for item in perfdata:
        key, _, value = item.partition("=")
        if key != "age":
            counts[key] = int(value)
    return counts


def make_snapshot(args, workdir):
    print("making the %s world's snapshot with memberwatchd --once ..." % args.world, file=sys.stderr, flush=True)
    result = rb.run_memberwatchd(args, workdir)
    path = os.path.join(workdir, "memberwatchd-state", "snapshot.json")
    if not os.path.exists(path):
        raise RuntimeError("memberwatchd wrote no snapshot (see %s)" % os.path.join(workdir, "memberwatchd.log"))
    result.pop("records", None)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--build", default=os.path.join(rb.ROOT, "build"), help="build directory (bin/ in it)")
    parser.add_argument("--bin-dir", help="take the binaries from here (default: BUILD/bin)")
    parser.add_argument("--world", choices=sorted(rb.WORLDS), default="large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--snapshot", help="ask this snapshot instead of making the world's")
    parser.add_argument("--latency-ms", type=float, default=30, help="fake-aws's latency while making it")
    parser.add_argument("--jitter-ms", type=float, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (the median is reported)")
    parser.add_argument("--workdir", help="keep the snapshot, outputs and logs here")
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless memberwatchctl's answers equal jq's (ctest runs this on small)")
    args = parser.parse_args()
    args.spec = rb.generate_spec(args.world, args.seed)
    args.keep_state, args.concurrency, args.max_attempts = False, 32, 5
    rb.resolve_tools(parser, args, args.bin_dir)
    ctl = os.path.join(args.bin_dir or os.path.join(args.build, "bin"), "memberwatchctl")
    if not os.path.exists(JQ) or not os.path.exists(ctl):
        parser.error("needs %s and %s" % (JQ, ctl))

    workdir = args.workdir or tempfile.mkdtemp(prefix="mw-ctl-bench-")
    os.makedirs(workdir, exist_ok=True)
    snapshot = args.snapshot or make_snapshot(args, workdir)
    size = os.path.getsize(snapshot)

    first_gap = measured(args, [ctl, "--json", "--snapshot", snapshot, "gaps"], workdir, "pick")
    gaps = json.loads(first_gap["stdout"])
    account_id = gaps[0]["account_id"] if gaps else "000000000000"
    queries = [
        ("gaps", [ctl, "--json", "--snapshot", snapshot, "gaps", "--service", "guardduty", "--region", "us-east-1"],
         [JQ, JQ_GAPS, snapshot], lambda ctl_out, jq_out: json.loads(ctl_out) == json.loads(jq_out)),
        ("account", [ctl, "--json", "--snapshot", snapshot, "account", account_id],
         [JQ, "--arg", "id", account_id, JQ_ACCOUNT, snapshot],
         lambda ctl_out, jq_out: json.loads(ctl_out) == json.loads(jq_out)),
        ("check", [ctl, "--snapshot", snapshot, "check", "--max-age", "876000h"], [JQ, JQ_CHECK, snapshot],
         lambda ctl_out, jq_out: check_counts(ctl_out) == json.loads(jq_out)),
    ]
    results, problems = [], []
    for name, ctl_command, jq_command, same in queries:
        print("%s: memberwatchctl and jq, %d runs each ..." % (name, args.repeat), file=sys.stderr, flush=True)
        runs = {"memberwatchctl": [], "jq": []}
        for i in range(args.repeat):
            runs["memberwatchctl"].append(measured(args, ctl_command, workdir, "%s-ctl-%d" % (name, i)))
            runs["jq"].append(measured(args, jq_command, workdir, "%s-jq-%d" % (name, i)))
        ctl_out, jq_out = runs["memberwatchctl"][0]["stdout"], runs["jq"][0]["stdout"]
        agree = same(ctl_out, jq_out)
        if not agree:
            problems.append("%s: memberwatchctl's answer differs from jq's (see %s)" % (name, workdir))
        row = {"query": name, "agree": agree}
        for tool, measures in runs.items():
            row[tool] = {key: statistics.median(m[key] for m in measures) for key in ("wall_s", "cpu_s", "peak_rss_bytes")}
        results.append(row)

    lines = ["memberwatchctl against jq %s on %s (%.1f MB), median of %d runs each, one run of this script" % (
        subprocess.run([JQ, "--version"], capture_output=True, text=True).stdout.strip(), os.path.basename(snapshot)
        if args.snapshot else args.world, size / 1e6, args.repeat), "",
        "| query | ctl wall s | jq wall s | wall ratio | ctl peak MiB | jq peak MiB | RSS ratio | same answer |",
        "|---|---|---|---|---|---|---|---|"]
    for row in results:
        c, j = row["memberwatchctl"], row["jq"]
        lines.append("| %s | %.2f | %.2f | %.3f | %.1f | %.1f | %.3f | %s |" % (
            row["query"], c["wall_s"], j["wall_s"], c["wall_s"] / j["wall_s"], c["peak_rss_bytes"] / 2**20,
            j["peak_rss_bytes"] / 2**20, c["peak_rss_bytes"] / j["peak_rss_bytes"], "yes" if row["agree"] else "NO"))
    lines.append("")
    lines.append("targets: wall and peak RSS at most %.2f x jq's, peak RSS at most %d MiB" % (
        RATIO_TARGET, PEAK_RSS_TARGET // 2**20))
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"snapshot_bytes": size, "world": args.world, "results": results}, f, indent=2)
    if not args.workdir and not problems:  # kept for a look when the answers differ
        shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("check failed: " + problem, file=sys.stderr)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
