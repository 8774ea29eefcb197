#!/usr/bin/env python3
"""`cmake --install` into a temporary DESTDIR: the tree (memberwatchd and
memberwatchctl, their man pages, memberwatchctl's bash completion, the
Prometheus alerting rules), the unit
naming the installed paths, and a second install keeping a modified
configuration.

Usage: test_install.py SOURCE_DIR BINARY_DIR
"""

import filecmp
import os
import stat
import subprocess
import sys
import tempfile


def fail(message):
    print("FAIL " + message, file=sys.stderr)
    sys.exit(1)


def install(binary_dir, destdir, prefix):
    result = subprocess.run(["cmake", "--install", binary_dir, "--prefix", prefix],
                            env={**os.environ, "DESTDIR": destdir}, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        fail(f"cmake --install --prefix {prefix} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def tree(root):
    files = set()
    for folder, _, names in os.walk(root):
        for name in names:
            files.add(os.path.relpath(os.path.join(folder, name), root))
    return files


def check_prefix(source_dir, binary_dir, prefix, config_dir):
    with tempfile.TemporaryDirectory(prefix="mw-install-") as destdir:
        install(binary_dir, destdir, prefix)
        inside = prefix.lstrip("/")
        config = os.path.join(config_dir.lstrip("/"), "memberwatch.yaml")
        expected = {
            f"{inside}/bin/memberwatchd",
            f"{inside}/bin/memberwatchctl",
            f"{inside}/lib/systemd/system/memberwatch.service",
            f"{inside}/share/man/man8/memberwatchd.8",
            f"{inside}/share/man/man1/memberwatchctl.1",
            f"{inside}/share/bash-completion/completions/memberwatchctl",
            f"{inside}/share/doc/memberwatch/README.md",
            f"{inside}/share/doc/memberwatch/operations.md",
            f"{inside}/share/doc/memberwatch/examples/memberwatch.yaml",
            f"{inside}/share/doc/memberwatch/examples/whole-organization.yaml",
            f"{inside}/share/memberwatch/memberwatch.rules.yml",
            config,
        }
        found = tree(destdir)
        if found != expected:
            fail(f"prefix {prefix}: installed {sorted(found)}, expected {sorted(expected)}")

        for name in ("memberwatchd", "memberwatchctl"):
            binary = os.path.join(destdir, inside, "bin", name)
            if not os.stat(binary).st_mode & stat.S_IXOTH:
                fail(f"{binary} is not executable")
            version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
            if version.returncode != 0 or not version.stdout.startswith(name + " "):
                fail(f"installed {name} --version: {version.returncode} {version.stdout!r}")
        for installed, source in (("share/man/man1/memberwatchctl.1", "docs/memberwatchctl.1"),
                                  ("share/bash-completion/completions/memberwatchctl", "completions/memberwatchctl"),
                                  ("share/memberwatch/memberwatch.rules.yml", "monitoring/memberwatch.rules.yml")):
            path = os.path.join(destdir, inside, installed)
            if not filecmp.cmp(path, os.path.join(source_dir, source), shallow=False):
                fail(f"the installed {installed} differs from {source}")
            if os.stat(path).st_mode & 0o777 != 0o644:
                fail(f"the installed {installed} is not mode 0644")
        if not filecmp.cmp(os.path.join(destdir, config), os.path.join(source_dir, "config/memberwatch.yaml"),
                           shallow=False):
            fail("the installed configuration differs from config/memberwatch.yaml")
        if os.stat(os.path.join(destdir, config)).st_mode & 0o777 != 0o644:
            fail("the installed configuration is not mode 0644")

        with open(os.path.join(destdir, inside, "lib/systemd/system/memberwatch.service"), encoding="utf-8") as f:
            unit = f.read()
        exec_start = f"ExecStart={prefix}/bin/memberwatchd --config {config_dir}/memberwatch.yaml\n"
        if exec_start not in unit:
            fail(f"prefix {prefix}: the unit lacks {exec_start!r}:\n{unit}")

        # A second install keeps what the operator changed.
        with open(os.path.join(destdir, config), "a", encoding="utf-8") as f:
            f.write("# changed by the operator\n")
        output = install(binary_dir, destdir, prefix)
        with open(os.path.join(destdir, config), encoding="utf-8") as f:
            if not f.read().endswith("# changed by the operator\n"):
                fail(f"prefix {prefix}: a second install overwrote the modified configuration")
        if "Keeping" not in output:
            fail(f"prefix {prefix}: the second install does not say it kept the configuration:\n{output}")
        if tree(destdir) != expected:
            fail(f"prefix {prefix}: the second install changed the tree: {sorted(tree(destdir))}")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    source_dir, binary_dir = sys.argv[1:]
    check_prefix(source_dir, binary_dir, "/usr", "/etc/memberwatch")
    check_prefix(source_dir, binary_dir, "/usr/local", "/usr/local/etc/memberwatch")
    print("ok install")
    return 0


if __name__ == "__main__":
    sys.exit(main())
