#!/usr/bin/python3
"""memberwatch benchmark (issue 8): one command, one machine, one run.

For a generated world it starts fake-aws with realistic network behaviour
(30 ms latency with 5 ms jitter on every request, the Security Hub quota of
10 requests/s with bursts of 30 per caller, service and region on every
service, 429 beyond), then runs, each against a fresh fake-aws:
  - memberwatchd --once
  - bench/baseline_boto3.py --variant threaded   (same concurrency)
  - bench/baseline_boto3.py --variant sequential
and reports wall time, CPU time (user + sys), peak RSS (wait4 of each
child, in bench/measure_child.cpp), requests, throttled responses and retries (fake-aws's request log),
checks that the membership results agree, and computes the world's lower
bound. With --tls it adds a memberwatchd run over HTTPS through a counting
relay: every TCP connection to a TLS server is one handshake.

usage: run_benchmark.py [--build DIR] [--world standard|large|scale|small] [--clients ...]
"""

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ACCESS_KEY = "AKIAFAKEAWSGENERATED"
SECRET_KEY = "fake-aws/generated/secret/key/0000000000"
ROLE_NAME = "memberwatch-read"
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
           "eu-central-1", "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
           "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "sa-east-1"]
SERVICES = ["securityhub", "guardduty", "detective"]
# Opt-in services (issue 19): a world whose share of one is above 0 polls it.
OPT_IN_SERVICES = ["inspector2", "macie2"]
PAGE_SIZE = {"securityhub": 50, "guardduty": 50, "detective": 200, "inspector2": 50, "macie2": 25}
# Services whose full ListMembers is the answer: no GetMembers.
LISTING_IS_ANSWER = {"inspector2", "macie2"}
BATCH = 50
QUOTA_RATE, QUOTA_BURST = 10.0, 30.0

# Detective's and Security Hub's shares in `large` give the services' own
# maximums (10,000 Security Hub members, about 1,200 per Detective graph).
WORLDS = {
    "small": dict(administrators=2, regions=2, accounts=300, securityhub=0.9, guardduty=0.9, detective=0.8),
    "standard": dict(administrators=3, regions=4, accounts=5000, securityhub=0.9, guardduty=0.9, detective=0.8),
    "large": dict(administrators=1, regions=2, accounts=50000, securityhub=0.2, guardduty=1.0,
                  detective=0.024),
    "scale": dict(administrators=1, regions=17, accounts=50000, securityhub=1.0, guardduty=1.0, detective=1.0),
    # All five services; the boto3 baseline polls the three of issue 1 only.
    "five": dict(administrators=2, regions=2, accounts=10000, securityhub=0.9, guardduty=0.9, detective=0.8,
                 inspector2=0.9, macie2=0.8),
}
DEFAULT_CLIENTS = {"scale": "memberwatchd", "five": "memberwatchd"}


def services_of(params):
    """The services a world's configuration polls."""
    return SERVICES + [service for service in OPT_IN_SERVICES if params.get(service, 0) > 0]


def generate_spec(world, seed):
    params = dict(WORLDS[world], seed=seed)
    return ",".join("%s=%s" % item for item in params.items())


class FakeAws:
    """One fake-aws process serving the generated world, stopped by stop()."""

    def __init__(self, args, workdir, name, tls=False):
        self.log = os.path.join(workdir, name + ".requests.jsonl")
        if os.path.exists(self.log):
            os.remove(self.log)  # fake-aws appends: a reused --workdir would count a run twice
        self.ca = os.path.join(workdir, name + ".ca.pem") if tls else None
        port_file = os.path.join(workdir, name + ".port")
        command = [args.fake_aws, "--generate", args.spec, "--port", "0",
                   "--port-file", port_file, "--request-log", self.log, "--log-level", "warn",
                   "--fault", "*:latency_ms=%g,jitter_ms=%g" % (args.latency_ms, args.jitter_ms)]
        if tls:
            command += ["--tls", self.ca]
        self.stderr = open(os.path.join(workdir, name + ".fake-aws.log"), "w")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            self.process.kill()
            raise RuntimeError("fake-aws did not start: %r (see %s)" % (line, self.stderr.name))
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()

    def requests(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]


class CountingRelay:
    """A TCP relay on 127.0.0.1 that counts the connections it accepts (one
    TLS handshake each: the bytes pass through untouched)."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def stop(self):
        self.stopped = True
        self.listener.close()


def run_measured(args, command, env, stdout_path, stderr_path):
    """Runs a child to completion through mw-bench-measure (see measure_child.cpp
    for why not os.wait4 here): wall seconds, CPU seconds, peak RSS bytes, exit code."""
    with open(stdout_path, "w") as out, open(stderr_path, "w") as err:
        subprocess.run([args.measure] + command, env=env, stdout=out, stderr=err)
    with open(stderr_path) as f:
        last = f.read().rstrip("\n").rsplit("\n", 1)[-1]
    try:
        return json.loads(last)
    except ValueError:
        raise RuntimeError("no measurement from mw-bench-measure (see %s)" % stderr_path)


def administrators(world_params):
    return ["%012d" % (100000000001 + a) for a in range(world_params["administrators"])]


def memberwatchd_config(args, workdir, state_dir, interval="15m", listen="", filename="memberwatch.yaml"):
    """The configuration file for the generated world. The defaults are the
    --once run's: the daemon benchmark (run_daemon_benchmark.py) sets the
    interval, a health endpoint and a file name of its own."""
    params = WORLDS[args.world]
    admins = administrators(params)
    lines = [
        "interval: %s" % interval, "jitter: 0s", "cycle_timeout: 60m", "concurrency: %d" % args.concurrency,
        "state_dir: %s" % state_dir, "snapshot:", "  path: snapshot.json", "  changes: \"\"", "health:",
        "  listen: \"%s\"" % listen, "aws:", "  regions: [%s]" % ", ".join(REGIONS[:params["regions"]]),
        "  services: [%s]" % ", ".join(services_of(params)), "  sts_region: us-east-1",
        "  max_attempts: %d" % args.max_attempts,
        "  requests_per_second: %g" % QUOTA_RATE, "administrators:"]
    for admin in admins:
        lines += ["  - name: admin-%s" % admin, "    account_id: \"%s\"" % admin,
                  "    role_arn: arn:aws:iam::%s:role/%s" % (admin, ROLE_NAME), "    session_name: memberwatch"]
    path = os.path.join(workdir, filename)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def snapshot_records(path):
    with open(path) as f:
        snapshot = json.load(f)
    records = set()
    for m in snapshot["memberships"]:
        raw = "NOT_MEMBER" if m["status"] == "NOT_MEMBER" else m["raw_status"]
        records.add((m["account_id"], m["service"], m["region"], m["administrator_id"], raw))
    return snapshot, records


def scan_snapshot(path):
    """The cycle summary and the number of memberships of a pretty-printed
    snapshot, reading it line by line (its top-level keys sit at indent 2)."""
    section, count, cycle = None, 0, {}
    with open(path) as f:
        for line in f:
            if line.startswith('  "') and not line.startswith('   '):
                section = line.split('"')[1]
            elif section == "memberships" and line.startswith('      "account_id"'):
                count += 1
            elif section == "cycle" and line.startswith('    "'):
                key, _, value = line.strip().rstrip(",").partition(": ")
                cycle[key.strip('"')] = json.loads(value)
    return cycle, count


def memberwatchd_env(workdir, endpoint, ca=None):
    """memberwatchd's whole environment: fake-aws's endpoint and the generated credentials."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": workdir,
           "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
           "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_EC2_METADATA_DISABLED": "true"}
    if ca:
        env["AWS_CA_BUNDLE"] = ca
    return env


def run_memberwatchd(args, workdir, name="memberwatchd", tls=False):
    fake = FakeAws(args, workdir, name, tls)
    relay = CountingRelay(fake.port) if tls else None
    try:
        state_dir = os.path.join(workdir, name + "-state")
        if not args.keep_state:
            shutil.rmtree(state_dir, ignore_errors=True)
        os.makedirs(state_dir, exist_ok=True)
        config = memberwatchd_config(args, workdir, state_dir)
        scheme, port = ("https", relay.port) if tls else ("http", fake.port)
        env = memberwatchd_env(workdir, "%s://127.0.0.1:%d" % (scheme, port), fake.ca if tls else None)
        command = [args.memberwatchd, "--once", "--config", config,
                   "--log-level", "info"]
        result = run_measured(args, command, env, os.path.join(workdir, name + ".stdout"),
                              os.path.join(workdir, name + ".log"))
    finally:
        if relay:
            relay.stop()
        fake.stop()
    result["name"] = name + (" (TLS)" if tls else "")
    snapshot_path = os.path.join(state_dir, "snapshot.json")
    if os.path.exists(snapshot_path) and args.world == "scale":
        # Too big to load into Python: count it line by line instead.
        cycle, result["record_count"] = scan_snapshot(snapshot_path)
        result["records"] = set()
        result["snapshot_bytes"] = os.path.getsize(snapshot_path)
        result["client_retries"] = cycle["retries"]
        result["outside_cycle_s"] = result["wall_s"] - cycle["duration_seconds"]
    elif os.path.exists(snapshot_path):
        snapshot, result["records"] = snapshot_records(snapshot_path)
        result["snapshot_bytes"] = os.path.getsize(snapshot_path)
        result["client_retries"] = snapshot["cycle"]["retries"]
        # Everything outside the polling cycle: start-up, merge, serialize, fsync, rename, exit.
        result["outside_cycle_s"] = result["wall_s"] - snapshot["cycle"]["duration_seconds"]
    else:
        result["records"] = set()
    if relay:
        result["tls_handshakes"] = relay.connections
    add_request_counts(result, fake.requests())
    return result


def run_baseline(args, workdir, variant):
    name = "boto3-" + variant
    fake = FakeAws(args, workdir, name)
    try:
        params = WORLDS[args.world]
        bench = {"endpoint": "http://127.0.0.1:%d" % fake.port, "access_key_id": ACCESS_KEY,
                 "secret_access_key": SECRET_KEY, "sts_region": "us-east-1",
                 "regions": REGIONS[:params["regions"]], "services": SERVICES,
                 "concurrency": args.concurrency, "max_attempts": args.max_attempts,
                 "administrators": [{"account_id": a, "role_arn": "arn:aws:iam::%s:role/%s" % (a, ROLE_NAME)}
                                    for a in administrators(params)]}
        config = os.path.join(workdir, name + ".json")
        with open(config, "w") as f:
            json.dump(bench, f)
        out = os.path.join(workdir, name + ".records.jsonl")
        env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        command = [sys.executable, os.path.join(HERE, "baseline_boto3.py"), "--variant", variant,
                   "--config", config, "--out", out]
        result = run_measured(args, command, env, os.path.join(workdir, name + ".stdout"),
                              os.path.join(workdir, name + ".log"))
    finally:
        fake.stop()
    result["name"] = name
    records = set()
    if os.path.exists(out):
        with open(out) as f:
            records = {tuple(json.loads(line)) for line in f if line.strip()}
    result["records"] = records
    add_request_counts(result, fake.requests())
    result["client_retries"] = result["retries_logged"]
    return result


def add_request_counts(result, requests):
    result["requests"] = len(requests)
    result["throttled"] = sum(1 for r in requests if r.get("fault") == "throttle" or r.get("status") == 429)
    result["retries_logged"] = sum(1 for r in requests if (r.get("attempt") or 1) > 1)


# --- the lower bound -----------------------------------------------------


def world_counts(args, workdir):
    """Per administrator: {(service, region): member count} and the universe size."""
    path = os.path.join(workdir, "world.yaml")
    subprocess.run([args.fake_aws, "--generate", args.spec, "--write-world", path],
                   check=True)
    with open(path) as f:
        world = yaml.load(f, Loader=yaml.CSafeLoader)
    os.remove(path)
    counts = {}
    for admin in world["administrators"]:
        sources, universe = {}, set()
        for region, services in admin["regions"].items():
            for service, source in services.items():
                accounts = [m["account_id"] for m in source.get("members") or []]
                sources[(service, region)] = len(accounts)
                universe.update(accounts)
        counts[admin["account_id"]] = (sources, len(universe))
    return counts


def lower_bound(counts, args):
    latency = (args.latency_ms + args.jitter_ms / 2) / 1000.0
    chain, quota, total = 0.0, 0.0, 0
    for sources, universe in counts.values():
        total += 2  # AssumeRole, then Account ListRegions (one page)
        for (service, _region), members in sources.items():
            discovery = 1 if service in ("guardduty", "detective") else 0
            pages = max(1, math.ceil(members / PAGE_SIZE[service]))
            gets = 0 if service in LISTING_IS_ANSWER else math.ceil(universe / BATCH)
            # DescribeOrganizationConfiguration (one page: a generated world's
            # features fit in one), beside the listing; GuardDuty's
            # GetMemberDetectors for its ENABLED members (every generated
            # member is), 50 a call, once GetMembers has said who is ENABLED.
            describe = 1
            member_features = math.ceil(members / BATCH) if service == "guardduty" else 0
            requests = discovery + pages + gets + describe + member_features
            total += requests
            # AssumeRole, ListRegions, discovery, every ListMembers page in turn, then one GetMembers,
            # then (GuardDuty) one GetMemberDetectors.
            chain = max(chain, (2 + discovery + pages + min(gets, 1) + min(member_features, 1)) * latency)
            quota = max(quota, max(0.0, requests - QUOTA_BURST) / QUOTA_RATE)
    spread = total * latency / args.concurrency
    return {"chain_s": chain, "quota_s": quota, "spread_s": spread, "bound_s": max(chain, quota, spread),
            "requests": total}


# --- the report ----------------------------------------------------------


def record_count(result):
    return result.get("record_count", len(result["records"]))


def mib(n):
    return n / (1024 * 1024)


def report(args, bound, results, reference):
    lines = ["world %s (%s), latency %g ms + jitter %g ms, quota %g/s burst %g, concurrency %d" %
             (args.world, args.spec, args.latency_ms, args.jitter_ms, QUOTA_RATE, QUOTA_BURST, args.concurrency),
             "lower bound %.2f s (chain %.2f s, per-source quota %.2f s, requests x latency / concurrency %.2f s;"
             " %d requests)" % (bound["bound_s"], bound["chain_s"], bound["quota_s"], bound["spread_s"],
                                bound["requests"]), "",
             "| client | wall s | CPU s | peak RSS MiB | requests | throttled | retries | records | agrees | exit |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        agree = "yes" if r["records"] == reference else "NO (%d differ)" % len(r["records"] ^ reference)
        lines.append("| %s | %.1f | %.2f | %.1f | %d | %d (%.1f%%) | %d | %d | %s | %d |" % (
            r["name"], r["wall_s"], r["cpu_s"], mib(r["peak_rss_bytes"]), r["requests"], r["throttled"],
            100.0 * r["throttled"] / max(1, r["requests"]), r["client_retries"] or 0, record_count(r), agree,
            r["exit_code"]))
    mw = next((r for r in results if r["name"] == "memberwatchd"), None)
    threaded = next((r for r in results if r["name"] == "boto3-threaded"), None)
    lines.append("")
    if mw:
        lines.append("memberwatchd wall / lower bound: %.2f (target <= 1.2)" % (mw["wall_s"] / bound["bound_s"]))
        if "snapshot_bytes" in mw:
            lines.append("snapshot: %d bytes, %d records, %.0f bytes of peak RSS per record; outside the cycle "
                         "(start-up, merge, serialize, write) %.2f s" % (
                             mw["snapshot_bytes"], record_count(mw),
                             mw["peak_rss_bytes"] / max(1, record_count(mw)), mw["outside_cycle_s"]))
    if mw and threaded:
        lines.append("memberwatchd / threaded boto3: wall %.2f (target < 1), CPU %.3f (target <= 0.1), "
                     "peak RSS %.3f (target <= 0.25)" % (mw["wall_s"] / threaded["wall_s"],
                                                         mw["cpu_s"] / max(1e-9, threaded["cpu_s"]),
                                                         mw["peak_rss_bytes"] / threaded["peak_rss_bytes"]))
    for r in results:
        if "tls_handshakes" in r:
            lines.append("%s: %d TLS handshakes for 1 host (target <= concurrency %d), wall %.1f s" % (
                r["name"], r["tls_handshakes"], args.concurrency, r["wall_s"]))
    return "\n".join(lines)


def resolve_tools(parser, args, bin_dir=None):
    """Fills args.memberwatchd, args.fake_aws and args.measure where no option
    named them: from bin_dir, else from BUILD/bin. Exits through
    parser.error when one of them is not there."""
    bin_dir = bin_dir or os.path.join(args.build, "bin")
    args.memberwatchd = getattr(args, "memberwatchd", None) or os.path.join(bin_dir, "memberwatchd")
    args.fake_aws = getattr(args, "fake_aws", None) or os.path.join(bin_dir, "fake-aws")
    args.measure = getattr(args, "measure", None) or os.path.join(bin_dir, "mw-bench-measure")
    for tool in (args.memberwatchd, args.fake_aws, args.measure):
        if not os.access(tool, os.X_OK):
            parser.error("%s not found: build it first (cmake --build BUILD --target memberwatchd fake-aws "
                         "mw-bench-measure)" % tool)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory (bin/ in it)")
    parser.add_argument("--memberwatchd", help="the binary (default: BUILD/bin/memberwatchd)")
    parser.add_argument("--fake-aws", help="the binary (default: BUILD/bin/fake-aws)")
    parser.add_argument("--measure", help="the binary (default: BUILD/bin/mw-bench-measure)")
    parser.add_argument("--world", choices=sorted(WORLDS), default="standard")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", help="comma list of memberwatchd,threaded,sequential "
                        "(default: all; scale: memberwatchd)")
    parser.add_argument("--tls", action="store_true", help="also run memberwatchd over TLS, counting handshakes")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-attempts", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--jitter-ms", type=float, default=5)
    parser.add_argument("--workdir", help="keep logs, request logs and snapshots here")
    parser.add_argument("--keep-state", action="store_true",
                        help="start memberwatchd on the snapshot an earlier run left in --workdir "
                             "(a restart: it reads its previous snapshot first), not on an empty state")
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless every client succeeded, the results agree and TLS handshakes "
                        "stayed within the concurrency")
    args = parser.parse_args()
    args.spec = generate_spec(args.world, args.seed)
    clients = (args.clients or DEFAULT_CLIENTS.get(args.world, "memberwatchd,threaded,sequential")).split(",")
    resolve_tools(parser, args)

    workdir = args.workdir or tempfile.mkdtemp(prefix="mw-bench-")
    os.makedirs(workdir, exist_ok=True)
    counts = None if args.world == "scale" else world_counts(args, workdir)
    results = []
    for client in clients:
        print("running %s on %s ..." % (client, args.world), file=sys.stderr, flush=True)
        if client == "memberwatchd":
            results.append(run_memberwatchd(args, workdir))
        elif client in ("threaded", "sequential"):
            results.append(run_baseline(args, workdir, client))
        else:
            parser.error("unknown client " + client)
    if args.tls:
        print("running memberwatchd over TLS ...", file=sys.stderr, flush=True)
        results.append(run_memberwatchd(args, workdir, "memberwatchd-tls", tls=True))
    if counts is None:  # scale: the world is too big for PyYAML; every share is 1.0, so it is known
        counts = counts_of_full_world(WORLDS[args.world])
    bound = lower_bound(counts, args)
    # memberwatchd's records, or else the first client that finished without error.
    answered = [r for r in results if r["exit_code"] == 0 and r["records"]]
    preferred = [r for r in answered if r["name"] == "memberwatchd"] or answered or results
    reference = preferred[0]["records"]
    text = report(args, bound, results, reference)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"world": args.world, "spec": args.spec, "bound": bound,
                       "results": [dict(r, records=record_count(r)) for r in results]}, f, indent=2)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    ok = all(r["exit_code"] == 0 and r["records"] == reference and record_count(r) and
             r.get("tls_handshakes", 0) <= args.concurrency for r in results)
    return 0 if ok or not args.check else 1


def counts_of_full_world(params):
    """World counts when every share is 1.0: each administrator's sources list
    all of its accounts (the generator deals accounts out round-robin)."""
    assert all(params[service] == 1.0 for service in SERVICES)
    counts = {}
    for index, admin in enumerate(administrators(params)):
        accounts = len(range(index, params["accounts"], params["administrators"]))
        sources = {(service, region): accounts for service in SERVICES for region in REGIONS[:params["regions"]]}
        counts[admin] = (sources, accounts)
    return counts


if __name__ == "__main__":
    sys.exit(main())
