"""What the documentation tests share (test_man_page.py, test_ctl_man_page.py,
test_completion.py): failing with a message, a man page's sections, and
the built memberwatchctl's own usage text."""

import os
import re
import subprocess
import sys


def fail(message):
    print("FAIL " + message, file=sys.stderr)
    sys.exit(1)


def section(text, title):
    """The body of the man page section .SH TITLE, up to the next one."""
    match = re.search(rf'^\.SH "?{title}"?\n(.*?)(?=^\.SH |\Z)', text, re.MULTILINE | re.DOTALL)
    if not match:
        fail(f"no {title} section")
    return match.group(1)


def ctl_usage(binary_dir):
    """`memberwatchctl --help` of the build in binary_dir."""
    binary = os.path.join(binary_dir, "bin/memberwatchctl")
    result = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    if result.returncode != 0 or "Commands:" not in result.stdout:
        fail(f"{binary} --help exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout
