#!/usr/bin/env python3
"""docs/memberwatchd.8 renders without groff warnings and documents every
flag and exit code of `memberwatchd --help`, the signals, and every
environment variable the daemon's sources read (daemon/ctl/ is
memberwatchctl's: test_ctl_man_page.py).

Usage: test_man_page.py SOURCE_DIR BINARY_DIR
"""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from doc_checks import fail, section  # noqa: E402


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    source_dir, binary_dir = sys.argv[1:]
    page = os.path.join(source_dir, "docs/memberwatchd.8")

    lint = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], capture_output=True, text=True)
    if lint.returncode != 0 or lint.stderr:
        fail(f"groff warns about {page}:\n{lint.stderr}")
    rendered = subprocess.run(["man", "-l", page], capture_output=True, text=True, env={**os.environ, "MANWIDTH": "80"})
    if rendered.returncode != 0 or "MEMBERWATCHD(8)" not in rendered.stdout:
        fail(f"man -l {page} failed: {rendered.stderr}")

    with open(page, encoding="utf-8") as f:
        source = f.read()
    text = source.replace("\\-", "-")

    usage = subprocess.run([os.path.join(binary_dir, "bin/memberwatchd"), "--help"], capture_output=True,
                           text=True, timeout=10).stdout
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-h)\b", usage))
    if "--config" not in flags or "--once" not in flags:
        fail(f"unexpected --help output:\n{usage}")
    options = section(text, "OPTIONS")
    missing = sorted(flag for flag in flags if flag not in options)
    if missing:
        fail(f"flags of --help missing from OPTIONS: {missing}")

    exit_codes = set(re.findall(r"(\d+) [a-z]", usage.split("Exit codes:", 1)[1]))
    documented = set(re.findall(r"^\.B (\d+)$", section(text, "EXIT STATUS"), re.MULTILINE))
    if exit_codes - documented or not exit_codes:
        fail(f"exit codes of --help {sorted(exit_codes)}, in EXIT STATUS {sorted(documented)}")

    signals = section(text, "SIGNALS")
    for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1"):
        if name not in signals:
            fail(f"{name} missing from SIGNALS")

    environment = section(text, "ENVIRONMENT")
    read = set()
    for path in glob.glob(os.path.join(source_dir, "daemon/**/*.cpp"), recursive=True):
        if os.path.relpath(path, source_dir).startswith("daemon/ctl/"):
            continue  # memberwatchctl's (NO_COLOR): test_ctl_man_page.py checks memberwatchctl.1
        with open(path, encoding="utf-8") as f:
            read |= set(re.findall(r'"((?:AWS|HTTPS?|NO|JOURNAL|NOTIFY|WATCHDOG)_[A-Z_]*|https?_proxy|no_proxy|HOME)"',
                                   f.read()))
    if len(read) < 10:
        fail(f"too few environment variables found in daemon/: {sorted(read)}")
    undocumented = sorted(name for name in read
                          if not (name.startswith("AWS_ENDPOINT_URL_") and "AWS_ENDPOINT_URL_" in environment)
                          and not re.search(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", environment))
    if undocumented:
        fail(f"environment variables the daemon reads but ENVIRONMENT does not list: {undocumented}")

    files = section(text, "FILES")
    for path in ("/etc/memberwatch/memberwatch.yaml", "snapshot.json", "changes.jsonl", "memberwatch.service",
                 "/usr/share/memberwatch/memberwatch.rules.yml"):
        if path not in files:
            fail(f"{path} missing from FILES")
    print("ok man page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
