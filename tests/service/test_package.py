#!/usr/bin/env python3
"""The Debian package: cpack builds it from the build tree; dpkg-deb shows
its files (memberwatchd and memberwatchctl, their man pages, memberwatchctl's
bash completion, the Prometheus alerting rules), control fields, conffiles
and maintainer scripts. It is not installed here.

Usage: test_package.py SOURCE_DIR BINARY_DIR
"""

import filecmp
import glob
import os
import re
import subprocess
import sys
import tempfile


def fail(message):
    print("FAIL " + message, file=sys.stderr)
    sys.exit(1)


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)
    if result.returncode != 0:
        fail(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def linked_libraries(binary):
    """The sonames memberwatchd needs (ldd names what the loader resolves)."""
    return set(re.findall(r"^\s*(\S+\.so\.\S+) =>", run(["ldd", binary]), re.MULTILINE))


def owning_package(soname, binary):
    path = re.search(rf"^\s*{re.escape(soname)} => (\S+)", run(["ldd", binary]), re.MULTILINE).group(1)
    resolved = os.path.realpath(path)
    for candidate in (path, resolved, "/usr" + path if not path.startswith("/usr") else path[4:]):
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0]
    return None


def provided_by(package):
    """The virtual packages `package` provides (libspdlog1.10 provides libspdlog1.10-fmt9)."""
    provides = run(["dpkg-query", "-W", "-f=${Provides}", package])
    return {item.strip().split(" ")[0] for item in provides.split(",") if item.strip()}


def check_contents(deb, extracted, source_dir):
    listing = run(["dpkg-deb", "-c", deb])
    files = {}
    for line in listing.splitlines():
        fields = line.split()
        files[fields[5].lstrip(".")] = fields[0]
    expected = {
        "/usr/bin/memberwatchd": "-rwxr-xr-x",
        "/usr/bin/memberwatchctl": "-rwxr-xr-x",
        "/usr/share/man/man1/memberwatchctl.1": "-rw-r--r--",
        "/usr/share/bash-completion/completions/memberwatchctl": "-rw-r--r--",
        "/usr/lib/systemd/system/memberwatch.service": "-rw-r--r--",
        "/etc/memberwatch/memberwatch.yaml": "-rw-r--r--",
        "/usr/share/man/man8/memberwatchd.8": "-rw-r--r--",
        "/usr/share/doc/memberwatch/README.md": "-rw-r--r--",
        "/usr/share/doc/memberwatch/operations.md": "-rw-r--r--",
        "/usr/share/doc/memberwatch/examples/memberwatch.yaml": "-rw-r--r--",
        "/usr/share/doc/memberwatch/examples/whole-organization.yaml": "-rw-r--r--",
        "/usr/share/memberwatch/memberwatch.rules.yml": "-rw-r--r--",
    }
    regular = {path: mode for path, mode in files.items() if not mode.startswith("d")}
    if regular != expected:
        fail(f"package files {sorted(regular.items())}\nexpected {sorted(expected.items())}")
    if any(not path.startswith(("/usr/", "/etc/")) for path in files if path not in ("/", "/usr/", "/etc/")):
        fail(f"files outside /usr and /etc: {sorted(files)}")

    with open(os.path.join(extracted, "usr/lib/systemd/system/memberwatch.service"), encoding="utf-8") as f:
        unit = f.read()
    if "ExecStart=/usr/bin/memberwatchd --config /etc/memberwatch/memberwatch.yaml\n" not in unit:
        fail(f"the packaged unit does not start /usr/bin/memberwatchd:\n{unit}")
    for name in ("memberwatchd", "memberwatchctl"):
        binary = os.path.join(extracted, "usr/bin", name)
        sections = run(["readelf", "-S", "-W", binary])
        if ".debug_info" in sections or ".symtab" in sections:
            fail(f"the packaged {name} is not stripped")
        version = run([binary, "--version"])
        if not version.startswith(name + " "):
            fail(f"packaged {name} --version: {version!r}")
    for packaged, source in (("usr/share/man/man1/memberwatchctl.1", "docs/memberwatchctl.1"),
                             ("usr/share/bash-completion/completions/memberwatchctl", "completions/memberwatchctl"),
                             ("usr/share/memberwatch/memberwatch.rules.yml", "monitoring/memberwatch.rules.yml")):
        if not filecmp.cmp(os.path.join(extracted, packaged), os.path.join(source_dir, source), shallow=False):
            fail(f"the packaged /{packaged} differs from {source}")


def check_control(deb, binaries):
    info = run(["dpkg-deb", "-I", deb])
    fields = dict(re.findall(r"^ ([A-Za-z-]+): (.*)$", info, re.MULTILINE))
    if fields.get("Package") != "memberwatch":
        fail(f"Package: {fields.get('Package')}")
    if fields.get("Architecture") != run(["dpkg", "--print-architecture"]).strip():
        fail(f"Architecture: {fields.get('Architecture')}")
    depends = {d.strip().split(" ")[0] for d in fields.get("Depends", "").split(",") if d.strip()}
    for binary in binaries:
        for soname in linked_libraries(binary):
            package = owning_package(soname, binary)
            if package and not ({package.split(":")[0]} | provided_by(package)) & depends:
                fail(f"Depends ({fields.get('Depends')}) lacks {package}, which provides {soname} "
                     f"to {os.path.basename(binary)}")
    for required in ("libc6", "libssl3"):
        if required not in depends:
            fail(f"Depends lacks {required}: {fields.get('Depends')}")
    description = re.search(r"^ Description: (.*(?:\n  .*)*)", info, re.MULTILINE).group(1).split("\n")
    if (description[0] != "AWS Security Hub, GuardDuty and Detective membership watcher" or len(description) < 2
            or any(not line.startswith("  ") or line.startswith("   ") for line in description[1:])):
        fail(f"Description: a synopsis, then the long description indented by one space: {description}")
    for name in ("Maintainer", "Description", "Version", "Section"):
        if not fields.get(name):
            fail(f"no {name} field:\n{info}")

    conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).split()
    if conffiles != ["/etc/memberwatch/memberwatch.yaml"]:
        fail(f"conffiles: {conffiles}")
    for script in ("postinst", "prerm", "postrm"):
        text = run(["dpkg-deb", "-I", deb, script])
        if not text.startswith("#!/bin/sh") or "systemctl" not in text:
            fail(f"{script}: {text!r}")
        check = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True)
        if check.returncode != 0:
            fail(f"{script} is not valid sh: {check.stderr}")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    source_dir, binary_dir = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="mw-cpack-") as output:
        run(["cpack", "-G", "DEB", "-B", output, "--config", os.path.join(binary_dir, "CPackConfig.cmake")],
            cwd=binary_dir)
        debs = glob.glob(os.path.join(output, "*.deb"))
        if len(debs) != 1:
            fail(f"cpack made {debs}")
        arch = run(["dpkg", "--print-architecture"]).strip()
        if not os.path.basename(debs[0]).startswith("memberwatch_") or not debs[0].endswith(f"_{arch}.deb"):
            fail(f"package file name {os.path.basename(debs[0])}")
        extracted = os.path.join(output, "extracted")
        run(["dpkg-deb", "-x", debs[0], extracted])
        check_contents(debs[0], extracted, source_dir)
        check_control(debs[0], [os.path.join(extracted, "usr/bin", name) for name in ("memberwatchd", "memberwatchctl")])
    print("ok package")
    return 0


if __name__ == "__main__":
    sys.exit(main())
