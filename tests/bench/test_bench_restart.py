#!/usr/bin/env python3
"""The benchmark driver's restart: a second run with --keep-state on the
same --workdir starts memberwatchd on the snapshot the first run left, and
both runs agree. Usage: test_bench_restart.py RUN_BENCHMARK_ARGS..."""

import os
import subprocess
import sys
import tempfile


def run(driver_args, workdir, keep_state):
    command = [sys.executable, *driver_args, "--clients", "memberwatchd", "--check", "--workdir", workdir]
    if keep_state:
        command.append("--keep-state")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workdir, "memberwatchd.log")) as log:
        return log.read()


def main():
    with tempfile.TemporaryDirectory(prefix="mw-bench-restart-") as workdir:
        first = run(sys.argv[1:], workdir, keep_state=False)
        again = run(sys.argv[1:], workdir, keep_state=True)
        fresh = run(sys.argv[1:], workdir, keep_state=False)
    failures = []
    if "no previous snapshot, starting fresh" not in first:
        failures.append("the first run did not start fresh")
    if "previous snapshot loaded" not in again:
        failures.append("--keep-state did not start on the previous snapshot")
    if "no previous snapshot, starting fresh" not in fresh:
        failures.append("a run without --keep-state did not start fresh on a used --workdir")
    for failure in failures:
        print("FAIL:", failure)
    print("%d passed, %d failed" % (3 - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
