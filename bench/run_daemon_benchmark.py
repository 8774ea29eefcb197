#!/usr/bin/python3
"""memberwatch daemon-mode benchmark: memberwatchd as a service, three cycles.

The command (a quiet machine; copy the binaries first when someone else
rebuilds the build folder while it runs):

  mkdir -p /tmp/bench-bin && cp build/bin/memberwatchd build/bin/fake-aws build/bin/mw-bench-measure /tmp/bench-bin/
  bench/run_daemon_benchmark.py --world large --bin-dir /tmp/bench-bin --json /tmp/daemon-large.json

For a generated world (default `large`) it starts fake-aws with the network
behaviour of bench/run_benchmark.py (30 ms latency + 5 ms jitter, the
Security Hub quota of 10 requests/s with bursts of 30 on every service,
429 beyond), then:

  - starts `memberwatchd --config FILE` (daemon mode, through
    mw-bench-measure, which reports wait4's CPU and peak RSS when it exits)
    with the health endpoint on 127.0.0.1:0 (the port is read from the
    "memberwatchd ready ... health=127.0.0.1:PORT" log line);
  - lets it run three cycles: the one it starts with, then one per SIGUSR1,
    each signal sent once the previous cycle logged "cycle finished", the
    daemon sat idle for --idle-seconds and the endpoint fetches below are
    done;
  - samples /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile) and
    /proc/PID/stat (utime + stime) every --sample-ms in a thread;
  - between cycles (after each one) fetches /metrics and /snapshot and
    times `cat snapshot.json > /dev/null` on the same file (page cache warm:
    the daemon has just written it, and cat runs twice); during the second
    cycle (halfway through the first cycle's wall time) fetches both once
    more; RSS is read just before and just after every fetch;
  - stops the daemon (SIGTERM), then runs `memberwatchd --once` on the same
    world against a fresh fake-aws (run_benchmark.py's run_memberwatchd)
    and prints its wall, CPU and peak RSS beside the daemon's figures.

A cycle's wall is the log's: from "memberwatchd ready" (cycle 1) or "cycle
requested signal=SIGUSR1" to "cycle finished" (polling, merge, changes and
snapshot write); memberwatch_cycle_duration_seconds (the polling part) is
shown too. A cycle's CPU is the daemon's utime + stime from just before
its SIGUSR1 (cycle 1: from the start of the process) to the idle sample
after it, less the CPU of the fetches made during it.

The interval is not the configuration's minimum (30s) by default: the daemon
counts it from the start of a cycle, so with 30s a cycle longer than 30 s
(every `large` cycle) is followed at once by the next, started by the timer,
and the daemon is never idle between cycles. The default, 24h, leaves every
cycle to the signals; --interval 30s runs with the minimum (cycles the timer
started are marked "timer" in the table).

usage: run_daemon_benchmark.py [--build DIR] [--bin-dir DIR] [--world large|standard|scale|small]
                               [--interval 24h] [--idle-seconds 2] [--sample-ms 50] [--workdir DIR] [--json FILE]
"""

import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmark as rb  # noqa: E402

CYCLES = 3
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# Targets (the brief of this benchmark): the --once CPU on `large` in docs/performance.md is 3.93 s.
WALL_RATIO_TARGET = 1.05
IDLE_RSS_TARGET = 64 * 1024 * 1024
PEAK_RSS_TARGET = 128 * 1024 * 1024
ONCE_CPU_LARGE = 3.93
CPU_TARGET = 1.5 * ONCE_CPU_LARGE
FETCH_RSS_TOLERANCE = 1024 * 1024  # "about 0": within 1 MiB
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z ")


# --- the daemon's process ---------------------------------------------------


def read_proc(pid):
    """One sample: monotonic time, CPU seconds (utime + stime) and the memory
    lines of /proc/PID/status, in bytes; None once the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state is fields[0], utime is the 14th field
    sample = {"t": time.monotonic(), "cpu_s": (int(fields[11]) + int(fields[12])) / CLK_TCK}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "VmData"):
            sample[key] = int(value.split()[0]) * 1024
        elif key == "Threads":
            sample[key] = int(value)
    return sample if "VmRSS" in sample else None


class Sampler:
    """Reads read_proc(pid) every `period` seconds in a thread, keeping every sample."""

    def __init__(self, pid, period):
        self.pid, self.period = pid, period
        self.samples = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.is_set():
            sample = read_proc(self.pid)
            if sample is None:
                return
            self.samples.append(sample)
            self.stopped.wait(self.period)

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def window(self, start, end):
        return [s for s in list(self.samples) if start <= s["t"] <= end]

    def max_rss(self, start, end):
        return max((s["VmRSS"] for s in self.window(start, end)), default=0)


def smaps_breakdown(pid):
    """Resident bytes by kind of mapping: the brk heap, anonymous mappings
    (malloc's other arenas and its large blocks, thread stacks), the
    memberwatchd binary and the other files (libraries, locale)."""
    path, mapping_size, anonymous = None, 0, []
    kinds = {"heap": 0, "anonymous": 0, "binary": 0, "other files": 0, "stack and vdso": 0}
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                first = line.split(None, 1)[0]
                if "-" in first and not first.endswith(":"):
                    parts = line.split()
                    path = parts[5] if len(parts) > 5 else ""
                    low, high = (int(x, 16) for x in first.split("-"))
                    mapping_size = high - low
                elif first == "Rss:":
                    size = int(line.split()[1]) * 1024
                    if path == "" and size:
                        anonymous.append([mapping_size, size])
                    if path == "[heap]":
                        kind = "heap"
                    elif path == "":
                        kind = "anonymous"
                    elif path.startswith("["):
                        kind = "stack and vdso"
                    elif os.path.basename(path) == "memberwatchd":
                        kind = "binary"
                    else:
                        kind = "other files"
                    kinds[kind] += size
    except FileNotFoundError:
        return None
    anon_maps = 0
    with open("/proc/%d/maps" % pid) as f:
        anon_maps = sum(1 for line in f if len(line.split()) == 5)
    kinds["anonymous mappings"] = anon_maps
    # The largest resident anonymous mappings, [size, resident bytes]: a
    # block malloc took with mmap is one mapping of its own size; a malloc
    # arena of another thread is part of a 64 MiB reservation.
    kinds["largest anonymous"] = sorted(anonymous, key=lambda m: -m[1])[:6]
    return kinds


def daemon_pid_of(measure_pid, timeout=10):
    """mw-bench-measure forks memberwatchd: its only child."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/task/%d/children" % (measure_pid, measure_pid)) as f:
                children = f.read().split()
        except FileNotFoundError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.01)
    raise RuntimeError("mw-bench-measure started no child")


class LogWatcher:
    """The daemon's log (mw-bench-measure's stderr), read as it grows."""

    def __init__(self, path):
        self.path, self.offset, self.partial, self.lines = path, 0, "", []

    def poll(self):
        with open(self.path, errors="replace") as f:
            f.seek(self.offset)
            data = f.read()
            self.offset = f.tell()
        if not data:
            return
        data = self.partial + data
        *complete, self.partial = data.split("\n")
        self.lines.extend(complete)

    def find(self, needle, start=0):
        """Index of the first line from `start` that contains needle, or None."""
        for index in range(start, len(self.lines)):
            if needle in self.lines[index]:
                return index
        return None

    def wait_for(self, needle, start, process, timeout, period=0.05):
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            index = self.find(needle, start)
            if index is not None:
                return index
            if process.poll() is not None:
                raise RuntimeError("memberwatchd exited before logging %r (see %s)" % (needle, self.path))
            if time.monotonic() > deadline:
                raise RuntimeError("no %r in %s within %g s" % (needle, self.path, timeout))
            time.sleep(period)

    def time_of(self, index):
        match = LOG_TIME.match(self.lines[index])
        if not match:
            return None
        stamp = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%f")
        return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()


# --- the health endpoint ------------------------------------------------------


def fetch(port, path, pid, keep_body=False):
    """GET http://127.0.0.1:PORT/PATH, read to the end in 1 MiB pieces: status,
    bytes, seconds (request sent to last byte) and the daemon's RSS and CPU
    just before and just after."""
    before = read_proc(pid)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    client_cpu = time.process_time()
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    size, body = 0, []
    while True:
        n = response.readinto(view)
        if not n:
            break
        size += n
        if keep_body:
            body.append(bytes(view[:n]))
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu  # this driver's, sampler thread included
    connection.close()
    after = read_proc(pid)
    result = {"path": path, "status": response.status, "bytes": size, "seconds": seconds,
              "mb_per_s": size / 1e6 / seconds if seconds > 0 else 0.0,
              "rss_before": before["VmRSS"], "rss_after": after["VmRSS"],
              "rss_change": after["VmRSS"] - before["VmRSS"], "cpu_s": after["cpu_s"] - before["cpu_s"],
              "client_cpu_s": client_cpu, "t_start": before["t"], "t_end": after["t"], "etag": response.getheader("ETag")}
    if keep_body:
        result["body"] = b"".join(body).decode()
    return result


def parse_metrics(text):
    """Prometheus text: {(name, labels text): value}."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        name, _, labels = key.partition("{")
        values[(name, labels.rstrip("}"))] = float(value)
    return values


def metric_sum(metrics, name, contains=""):
    return sum(v for (n, labels), v in metrics.items() if n == name and contains in labels)


def time_cat(path):
    """`cat PATH > /dev/null`, twice (the first warms the page cache): the second's seconds."""
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
        seconds = time.perf_counter() - started
    size = os.path.getsize(path)
    return {"bytes": size, "seconds": seconds, "mb_per_s": size / 1e6 / seconds if seconds > 0 else 0.0}


# --- the run ------------------------------------------------------------------


def run_daemon(args, workdir):
    fake = rb.FakeAws(args, workdir, "daemon")
    state_dir = os.path.join(workdir, "daemon-state")
    shutil.rmtree(state_dir, ignore_errors=True)
    os.makedirs(state_dir)
    snapshot_path = os.path.join(state_dir, "snapshot.json")
    config = rb.memberwatchd_config(args, workdir, state_dir, interval=args.interval, listen="127.0.0.1:0",
                                    filename="memberwatch-daemon.yaml")
    env = rb.memberwatchd_env(workdir, "http://127.0.0.1:%d" % fake.port)
    log_path = os.path.join(workdir, "daemon.log")
    log_file = open(log_path, "w")
    process = subprocess.Popen([args.measure, args.memberwatchd, "--config", config, "--log-level", "info"],
                               env=env, stdout=log_file, stderr=log_file)
    started_at = time.monotonic()
    sampler = None
    result = {"cycles": [], "between": [], "during": []}
    try:
        pid = daemon_pid_of(process.pid)
        result["pid"] = pid
        sampler = Sampler(pid, args.sample_ms / 1000.0)
        log = LogWatcher(log_path)
        ready = log.wait_for("memberwatchd ready", 0, process, 30)
        match = re.search(r"health=127\.0\.0\.1:(\d+)", log.lines[ready])
        if not match:
            raise RuntimeError("no health=127.0.0.1:PORT in %r" % log.lines[ready])
        port = int(match.group(1))
        result["port"] = port
        cursor = ready + 1
        start_line, started_by, cpu_start = ready, "start-up", 0.0
        t_start = started_at
        for number in range(1, CYCLES + 1):
            print("cycle %d (%s) ..." % (number, started_by), file=sys.stderr, flush=True)
            cycle = {"number": number, "started_by": started_by, "cpu_start": cpu_start, "t_start": t_start}
            during = None
            timeout = args.cycle_timeout
            if number == 2 and result["cycles"][0].get("log_wall_s"):
                # Halfway through, as the first cycle went: /metrics and /snapshot during the cycle.
                half = result["cycles"][0]["log_wall_s"] / 2
                while time.monotonic() < t_start + half:
                    time.sleep(0.05)
                log.poll()
                finished_before = log.find("cycle finished", cursor)
                during = {"metrics": fetch(port, "/metrics", pid),
                          "snapshot": fetch(port, "/snapshot", pid)}
                log.poll()
                during["cycle_still_running"] = finished_before is None and log.find("cycle finished",
                                                                                     cursor) is None
                during["cycle"] = number
                result["during"].append(during)
            finished = log.wait_for("cycle finished", cursor, process, timeout)
            t_finished = time.monotonic()
            busy = log.find("cycle requested but one is running", cursor)
            if busy is not None and busy < finished:
                cycle["started_by"] = "timer"  # the timer started it before our signal came
            cycle["finished_line"] = log.lines[finished]
            begin, end = log.time_of(start_line), log.time_of(finished)
            if begin is not None and end is not None and cycle["started_by"] != "timer":
                cycle["log_wall_s"] = end - begin
            hwm_end = read_proc(pid)
            cycle["hwm_at_end"] = hwm_end["VmHWM"]
            cycle["max_rss"] = sampler.max_rss(t_start, t_finished)
            # Idle: the cycle's last work (metrics, freeing the previous snapshot) is done.
            time.sleep(args.idle_seconds)
            idle = read_proc(pid)
            cycle["cpu_end"] = idle["cpu_s"]
            cycle["cpu_s"] = idle["cpu_s"] - cpu_start
            cycle["fetch_cpu_s"] = sum(f["cpu_s"] for f in during.values() if isinstance(f, dict)) if during else 0
            cycle["cpu_net_s"] = cycle["cpu_s"] - cycle["fetch_cpu_s"]
            cycle["idle_rss"], cycle["idle_anon"], cycle["idle_file"] = idle["VmRSS"], idle["RssAnon"], idle["RssFile"]
            cycle["idle_threads"] = idle.get("Threads")
            cycle["idle_smaps"] = smaps_breakdown(pid)
            # Between cycles: /metrics, /snapshot, and cat on the same file.
            between = {"after_cycle": number, "metrics": fetch(port, "/metrics", pid, keep_body=True)}
            metrics = parse_metrics(between["metrics"].pop("body"))
            between["snapshot"] = fetch(port, "/snapshot", pid)
            between["snapshot_file_bytes"] = os.path.getsize(snapshot_path)
            between["cat"] = time_cat(snapshot_path)
            time.sleep(min(1.0, args.idle_seconds))
            between["rss_settled"] = read_proc(pid)["VmRSS"]
            result["between"].append(between)
            cycle["metric_duration_s"] = metrics.get(("memberwatch_cycle_duration_seconds", ""))
            cycle["cycles_total"] = metric_sum(metrics, "memberwatch_cycles_total")
            cycle["cycles_complete"] = metric_sum(metrics, "memberwatch_cycles_total", 'result="complete"')
            cycle["requests_total"] = metric_sum(metrics, "memberwatch_requests_total")
            cycle["requests_not_ok"] = cycle["requests_total"] - metric_sum(metrics, "memberwatch_requests_total",
                                                                            'code="OK"')
            cycle["retries_total"] = metric_sum(metrics, "memberwatch_retries_total")
            cycle["snapshot_bytes"] = metrics.get(("memberwatch_snapshot_bytes", ""))
            result["cycles"].append(cycle)
            cursor = log.find("cycle finished", cursor) + 1
            if number == CYCLES:
                break
            # The next cycle, by signal.
            log.poll()
            cursor = len(log.lines)
            before = read_proc(pid)
            cpu_start, t_start = before["cpu_s"], before["t"]
            os.kill(pid, signal.SIGUSR1)
            start_line = log.wait_for("cycle requested", cursor, process, 30)
            started_by = "timer" if "one is running" in log.lines[start_line] else "SIGUSR1"
        result["final"] = read_proc(pid)
    finally:
        if sampler:
            sampler.stop()
        if process.poll() is None and "pid" in result:
            os.kill(result["pid"], signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()
        fake.stop()
    with open(log_path) as f:
        last = f.read().rstrip("\n").rsplit("\n", 1)[-1]
    try:
        result["exit"] = json.loads(last)  # mw-bench-measure: wall, CPU, peak RSS (wait4), exit code
    except ValueError:
        result["exit"] = None
    rb.add_request_counts(result, fake.requests())
    result["snapshot_path"] = snapshot_path
    samples = sampler.samples if sampler else []
    result["samples"] = len(samples)
    # Every second or so: [seconds since start, VmRSS, CPU seconds].
    step = max(1, int(round(1000.0 / args.sample_ms)))
    result["timeline"] = [[round(s["t"] - started_at, 3), s["VmRSS"], s["cpu_s"]] for s in samples[::step]]
    return result


def records_of(args, path):
    if args.world == "scale":
        return rb.scan_snapshot(path)[1]
    return rb.snapshot_records(path)[1]


# --- the report ---------------------------------------------------------------


def mib(n):
    return "%.1f" % rb.mib(n) if n is not None else "-"


def yes(ok):
    return "yes" if ok else "NO"


def report(args, bound, daemon, once, agrees):
    cycles = daemon["cycles"]
    between = {b["after_cycle"]: b for b in daemon["between"]}
    during = {d["cycle"]: d for d in daemon["during"]}
    wall_target = WALL_RATIO_TARGET * bound["bound_s"]
    rows = []

    def row(measure, per_cycle, whole="", once_value="", target="", met=""):
        cells = [per_cycle(c) if per_cycle else "" for c in cycles]
        cells += [""] * (CYCLES - len(cells))
        rows.append("| %s | %s | %s | %s | %s | %s |" % (measure, " | ".join(cells), whole, once_value, target, met))

    walls = [c.get("log_wall_s") for c in cycles]
    row("started by", lambda c: c["started_by"])
    row("cycle wall s (log: start or SIGUSR1 to \"cycle finished\")",
        lambda c: "%.2f" % c["log_wall_s"] if c.get("log_wall_s") else "-", "",
        "%.2f (process)" % once["wall_s"], "<= %.2f" % wall_target,
        yes(all(w is not None and w <= wall_target for w in walls)))
    row("cycle wall / lower bound", lambda c: "%.3f" % (c["log_wall_s"] / bound["bound_s"]) if c.get("log_wall_s")
        else "-", "", "%.3f" % (once["wall_s"] / bound["bound_s"]), "<= %.2f" % WALL_RATIO_TARGET,
        yes(all(w is not None and w / bound["bound_s"] <= WALL_RATIO_TARGET for w in walls)))
    once_cycle = once["wall_s"] - once["outside_cycle_s"] if "outside_cycle_s" in once else None
    row("memberwatch_cycle_duration_seconds", lambda c: "%.2f" % c["metric_duration_s"]
        if c.get("metric_duration_s") is not None else "-", "",
        "%.2f (snapshot)" % once_cycle if once_cycle is not None else "")
    row("CPU s (utime + stime)", lambda c: "%.2f" % c["cpu_s"],
        "%.2f (wait4, whole run)" % daemon["exit"]["cpu_s"] if daemon.get("exit") else "", "%.2f" % once["cpu_s"])
    row("CPU s of the cycle (less fetches during it)", lambda c: "%.2f" % c["cpu_net_s"], "", "",
        "<= %.2f (1.5 x %.2f)" % (CPU_TARGET, ONCE_CPU_LARGE), yes(all(c["cpu_net_s"] <= CPU_TARGET for c in cycles)))
    final_hwm = daemon["final"]["VmHWM"] if daemon.get("final") else max(c["hwm_at_end"] for c in cycles)
    row("peak RSS MiB (VmHWM at the cycle's end)", lambda c: mib(c["hwm_at_end"]),
        "%s (wait4 %s)" % (mib(final_hwm), mib(daemon["exit"]["peak_rss_bytes"]) if daemon.get("exit") else "-"),
        mib(once["peak_rss_bytes"]) + " (wait4)", "<= %s" % mib(PEAK_RSS_TARGET), yes(final_hwm <= PEAK_RSS_TARGET))
    row("highest VmRSS sampled in the cycle MiB", lambda c: mib(c["max_rss"]))
    row("RSS between cycles MiB (VmRSS, %g s after)" % args.idle_seconds, lambda c: mib(c["idle_rss"]), "", "",
        "<= %s" % mib(IDLE_RSS_TARGET), yes(all(c["idle_rss"] <= IDLE_RSS_TARGET for c in cycles)))
    row("  of it anonymous / file MiB (RssAnon / RssFile)",
        lambda c: "%s / %s" % (mib(c["idle_anon"]), mib(c["idle_file"])))
    row("  of it brk heap / anonymous maps (count) MiB",
        lambda c: "%s / %s (%d)" % (mib(c["idle_smaps"]["heap"]), mib(c["idle_smaps"]["anonymous"]),
                                    c["idle_smaps"]["anonymous mappings"]) if c.get("idle_smaps") else "-")
    row("threads", lambda c: str(c.get("idle_threads", "-")))
    row("requests (daemon's metrics, cumulative) / not OK / retries",
        lambda c: "%d / %d / %d" % (c["requests_total"], c["requests_not_ok"], c["retries_total"]),
        "%d / %d throttled (fake-aws)" % (daemon["requests"], daemon["throttled"]),
        "%d / %d throttled" % (once["requests"], once["throttled"]))
    row("/metrics between cycles: bytes, ms", lambda c: "%d, %.1f" % (
        between[c["number"]]["metrics"]["bytes"], 1000 * between[c["number"]]["metrics"]["seconds"]))
    row("/snapshot between cycles: MB, s, MB/s", lambda c: "%.1f, %.3f, %.0f" % (
        between[c["number"]]["snapshot"]["bytes"] / 1e6, between[c["number"]]["snapshot"]["seconds"],
        between[c["number"]]["snapshot"]["mb_per_s"]), "", "%.1f MB (snapshot)" % (once["snapshot_bytes"] / 1e6)
        if "snapshot_bytes" in once else "")
    row("cat snapshot.json > /dev/null (warm): s, MB/s", lambda c: "%.3f, %.0f" % (
        between[c["number"]]["cat"]["seconds"], between[c["number"]]["cat"]["mb_per_s"]))
    row("/snapshot MB/s / cat MB/s", lambda c: "%.2f" % (
        between[c["number"]]["snapshot"]["mb_per_s"] / between[c["number"]]["cat"]["mb_per_s"]))
    row("/snapshot between cycles: CPU s of the daemon / of this driver", lambda c: "%.2f / %.2f" % (
        between[c["number"]]["snapshot"]["cpu_s"], between[c["number"]]["snapshot"]["client_cpu_s"]))
    fetch_changes = [between[c["number"]]["snapshot"]["rss_change"] for c in cycles]
    row("/snapshot between cycles: RSS before -> after MiB (change)", lambda c: "%s -> %s (%+.2f)" % (
        mib(between[c["number"]]["snapshot"]["rss_before"]), mib(between[c["number"]]["snapshot"]["rss_after"]),
        rb.mib(between[c["number"]]["snapshot"]["rss_change"])), "", "", "~0 (within 1 MiB)",
        yes(all(abs(x) <= FETCH_RSS_TOLERANCE for x in fetch_changes)))

    def during_cell(c, text):
        d = during.get(c["number"])
        if not d:
            return ""
        return text(d) + ("" if d["cycle_still_running"] else " (cycle ended meanwhile)")
    row("/snapshot during the cycle: MB, s, MB/s", lambda c: during_cell(c, lambda d: "%.1f, %.3f, %.0f" % (
        d["snapshot"]["bytes"] / 1e6, d["snapshot"]["seconds"], d["snapshot"]["mb_per_s"])))
    row("/snapshot during the cycle: RSS before -> after MiB (change)", lambda c: during_cell(
        c, lambda d: "%s -> %s (%+.2f)" % (mib(d["snapshot"]["rss_before"]), mib(d["snapshot"]["rss_after"]),
                                          rb.mib(d["snapshot"]["rss_change"]))), "", "", "report")
    row("/metrics during the cycle: bytes, ms", lambda c: during_cell(c, lambda d: "%d, %.1f" % (
        d["metrics"]["bytes"], 1000 * d["metrics"]["seconds"])))

    exit_info = daemon.get("exit") or {}
    lines = ["world %s (%s), latency %g ms + jitter %g ms, quota %g/s burst %g, concurrency %d, interval %s" %
             (args.world, args.spec, args.latency_ms, args.jitter_ms, rb.QUOTA_RATE, rb.QUOTA_BURST,
              args.concurrency, args.interval),
             "lower bound %.2f s (chain %.2f s, per-source quota %.2f s, requests x latency / concurrency %.2f s;"
             " %d requests per cycle)" % (bound["bound_s"], bound["chain_s"], bound["quota_s"], bound["spread_s"],
                                          bound["requests"]),
             "memberwatchd %s; daemon pid %d, %d samples every %g ms; daemon exit %s after %.1f s; --once exit %d" % (
                 args.memberwatchd, daemon["pid"], daemon["samples"], args.sample_ms, exit_info.get("exit_code", "?"),
                 exit_info.get("wall_s", 0.0), once["exit_code"]),
             "",
             "| measure | cycle 1 | cycle 2 | cycle 3 | daemon (whole run) | --once | target | met |",
             "|---|---|---|---|---|---|---|---|"] + rows
    lines.append("")
    last = cycles[-1].get("idle_smaps")
    if last:
        lines.append("after cycle %d, idle: brk heap %s MiB, anonymous %s MiB in %d mappings, the largest "
                     "(size/resident MiB): %s; memberwatchd binary %s MiB, other files %s MiB" % (
                         cycles[-1]["number"], mib(last["heap"]), mib(last["anonymous"]), last["anonymous mappings"],
                         ", ".join("%s/%s" % (mib(size), mib(rss)) for size, rss in last["largest anonymous"]),
                         mib(last["binary"]), mib(last["other files"])))
    lines.append("records: daemon's last snapshot %s --once's (%s)" % ("agrees with" if agrees[0] else "DIFFERS from",
                                                                     agrees[1]))
    for c in cycles:
        summary = re.sub(r" snapshot=\S+", "", c["finished_line"].split(" info ", 1)[-1])
        lines.append("cycle %d: %s" % (c["number"], summary))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--build", default=os.path.join(rb.ROOT, "build"), help="build directory (bin/ in it)")
    parser.add_argument("--bin-dir", help="take memberwatchd, fake-aws and mw-bench-measure from here "
                        "(default: BUILD/bin)")
    parser.add_argument("--world", choices=sorted(rb.WORLDS), default="large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-attempts", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--jitter-ms", type=float, default=5)
    parser.add_argument("--interval", default="24h",
                        help="the daemon's interval (default 24h: only the signals start cycles; the "
                        "configuration's minimum is 30s, counted from a cycle's start)")
    parser.add_argument("--idle-seconds", type=float, default=2.0,
                        help="wait this long after a cycle finished before reading RSS between cycles")
    parser.add_argument("--sample-ms", type=float, default=50, help="sample /proc every this many ms")
    parser.add_argument("--cycle-timeout", type=float, default=3600, help="give up on a cycle after this many s")
    parser.add_argument("--workdir", help="keep logs, request logs and snapshots here")
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless the run is sound: three cycles finished, every /snapshot and "
                        "/metrics fetch answered 200 with the file's bytes, the daemon's records agree "
                        "with --once's (ctest runs this on the small world)")
    args = parser.parse_args()
    args.spec = rb.generate_spec(args.world, args.seed)
    args.keep_state = False  # run_memberwatchd's --once run starts on an empty state
    rb.resolve_tools(parser, args, args.bin_dir)

    workdir = args.workdir or tempfile.mkdtemp(prefix="mw-daemon-bench-")
    os.makedirs(workdir, exist_ok=True)
    counts = rb.counts_of_full_world(rb.WORLDS[args.world]) if args.world == "scale" else rb.world_counts(args, workdir)
    bound = rb.lower_bound(counts, args)
    print("running memberwatchd as a daemon on %s ..." % args.world, file=sys.stderr, flush=True)
    daemon = run_daemon(args, workdir)
    daemon_records = records_of(args, daemon["snapshot_path"])
    print("running memberwatchd --once on %s ..." % args.world, file=sys.stderr, flush=True)
    once = rb.run_memberwatchd(args, workdir)
    once_records = once["records"] if args.world != "scale" else once["record_count"]
    agrees = (daemon_records == once_records,
              "%d records" % (len(daemon_records) if isinstance(daemon_records, set) else daemon_records))
    text = report(args, bound, daemon, once, agrees)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"world": args.world, "spec": args.spec, "interval": args.interval, "bound": bound,
                       "targets": {"wall_ratio": WALL_RATIO_TARGET, "idle_rss_bytes": IDLE_RSS_TARGET,
                                   "peak_rss_bytes": PEAK_RSS_TARGET, "cpu_s": CPU_TARGET},
                       "daemon": daemon, "once": dict(once, records=rb.record_count(once)),
                       "records_agree": agrees[0]}, f, indent=2)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.check:
        problems = soundness_problems(daemon, agrees[0])
        for problem in problems:
            print("check failed: " + problem, file=sys.stderr)
        return 1 if problems else 0
    return 0


def soundness_problems(daemon, records_agree):
    """What makes a run's figures meaningless, as text (none when sound)."""
    problems = []
    if len(daemon["cycles"]) != 3:
        problems.append("%d cycles finished, not 3" % len(daemon["cycles"]))
    for between in daemon["between"]:
        if between["snapshot"]["status"] != 200 or between["metrics"]["status"] != 200:
            problems.append("a fetch after cycle %s was not 200" % between["after_cycle"])
        if between["snapshot"]["bytes"] != between["snapshot_file_bytes"]:
            problems.append("/snapshot after cycle %s gave %d bytes, the file has %d" % (
                between["after_cycle"], between["snapshot"]["bytes"], between["snapshot_file_bytes"]))
    for during in daemon["during"]:
        for name in ("snapshot", "metrics"):
            if during[name]["status"] != 200:
                problems.append("/%s during cycle %s was not 200" % (name, during["cycle"]))
    if not records_agree:
        problems.append("the daemon's last snapshot differs from --once's")
    return problems


if __name__ == "__main__":
    sys.exit(main())
