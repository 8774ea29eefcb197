#!/usr/bin/env python3
"""completions/memberwatchctl: sourced in `bash --norc` with no PATH (bash
builtins only, no bash-completion), its function called with COMP_WORDS and
COMP_CWORD set as bash sets them, COMPREPLY checked: the commands, the global
options, each command's own options as `memberwatchctl --help` lists them
(and not the others'), the values of --service, --status (every status of
daemon/core/model.hpp) and --region, export's operand and files.

Usage: test_completion.py SOURCE_DIR BINARY_DIR
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from doc_checks import fail, ctl_usage  # noqa: E402
import tempfile

# Calls the completion function with the words given as arguments, the last
# one being completed, and prints COMPREPLY one a line.
DRIVER = r'''
source "$1" || exit 90
shift
complete -p memberwatchctl || exit 91
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=(unset)
_memberwatchctl memberwatchctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 92
printf '%s\n' "${COMPREPLY[@]}"
'''

failures = []


def complete(script, words, cwd=None):
    result = subprocess.run(["/bin/bash", "--norc", "--noprofile", "-c", DRIVER, "bash", script, "memberwatchctl",
                             *words],
                            capture_output=True, text=True, timeout=10, cwd=cwd,
                            env={"PATH": "/nonexistent", "HOME": "/nonexistent", "LC_ALL": "C"})
    lines = result.stdout.splitlines()
    if result.returncode != 0 or result.stderr or not lines or \
            lines[0] != "complete -F _memberwatchctl memberwatchctl":
        fail(f"completing {words}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return [line for line in lines[1:] if line]


def expect(script, words, wanted, exact=True, absent=(), cwd=None):
    got = complete(script, words, cwd)
    shown = " ".join(words)
    if exact and sorted(got) != sorted(wanted):
        failures.append(f"'memberwatchctl {shown}': {sorted(got)}, expected {sorted(wanted)}")
    elif not exact and not set(wanted) <= set(got):
        failures.append(f"'memberwatchctl {shown}': {sorted(got)} lacks {sorted(set(wanted) - set(got))}")
    if set(absent) & set(got):
        failures.append(f"'memberwatchctl {shown}' offers {sorted(set(absent) & set(got))}")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    source_dir, binary_dir = sys.argv[1:]
    script = os.path.join(source_dir, "completions/memberwatchctl")
    syntax = subprocess.run(["/bin/bash", "-n", script], capture_output=True, text=True)
    if syntax.returncode != 0:
        fail(f"bash -n {script}: {syntax.stderr}")

    # What memberwatchctl takes, from --help: the commands with the options
    # of their usage lines; the global options are the rest.
    usage = ctl_usage(binary_dir)
    commands = {}
    for line in usage.split("Commands:", 1)[1].split("\n\n", 1)[0].splitlines():
        match = re.match(r"^  ([a-z]+)\b(.*)$", line)
        if match:
            commands[match.group(1)] = re.findall(r"\[(--[a-z-]+)", match.group(2))
    command_options = {option for options in commands.values() for option in options}
    globals_ = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)\b", usage)) - command_options
                      | {"--help", "--version"})
    if len(commands) < 8 or "--config" not in globals_ or commands.get("gaps", [None])[0] != "--service":
        fail(f"unexpected --help: {commands} {globals_}\n{usage}")

    with open(os.path.join(source_dir, "daemon/core/model.hpp"), encoding="utf-8") as f:
        model = f.read()
    statuses = re.findall(r"^\s+([A-Z_]+),?\s*(?://.*)?$",
                          re.search(r"enum class MemberStatus[^{]*\{(.*?)\};", model, re.DOTALL).group(1),
                          re.MULTILINE)
    if "NOT_MEMBER" not in statuses or len(statuses) < 10:
        fail(f"MemberStatus not found in daemon/core/model.hpp: {statuses}")

    # The brief's cases.
    expect(script, [""], commands)
    expect(script, ["gaps", "--"], globals_ + commands["gaps"])
    expect(script, ["gaps", "--service", "g"], ["guardduty"])
    expect(script, ["export", ""], ["memberships", "accounts", "sources"])
    expect(script, ["changes", "--st"], [], absent=["--status"])
    expect(script, ["changes", "--"], globals_ + commands["changes"], absent=["--status", "--region"])
    expect(script, ["--region", "eu-w"], ["eu-west-1", "eu-west-2", "eu-west-3"])

    # Every command's options, global options anywhere, never another command's.
    for command, options in commands.items():
        expect(script, [command, "--"], globals_ + options)
        expect(script, ["--json", command, "--"], globals_ + options)
    expect(script, ["--"], globals_)
    expect(script, ["--csv", "--config", "/etc/memberwatch/memberwatch.yaml", "g"], ["gaps"])
    expect(script, ["--config=/etc/memberwatch/memberwatch.yaml", "ch"], ["changes", "check"])
    expect(script, ["--config", "=", "/etc/memberwatch/memberwatch.yaml", "ch"], ["changes", "check"])
    expect(script, ["gaps", "--region", "eu-west-1", "--j"], ["--json"])

    # Values.
    expect(script, ["gaps", "--service", ""], ["securityhub", "guardduty", "detective", "inspector2", "macie2"])
    expect(script, ["gaps", "--service", "=", "d"], ["detective"])
    expect(script, ["changes", "--service=s"], ["--service=securityhub"])
    expect(script, ["gaps", "--status", ""], statuses)
    expect(script, ["gaps", "--status", "VER"], ["VERIFICATION_IN_PROGRESS", "VERIFICATION_FAILED"])
    expect(script, ["gaps", "--region", "us-gov"], ["us-gov-west-1", "us-gov-east-1"])
    expect(script, ["gaps", "--region", "cn-"], ["cn-north-1", "cn-northwest-1"])
    expect(script, ["gaps", "--region", "ap-southeast-"],
           [f"ap-southeast-{n}" for n in range(1, 6)], exact=False)
    expect(script, ["gaps", "--region", ""],
           ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2",
            "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1",
            "eu-central-2", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1", "me-central-1",
            "sa-east-1"], exact=False)
    for region in complete(script, ["gaps", "--region", ""]):
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+){1,2}-[0-9]{1,2}", region):
            failures.append(f"--region offers {region!r}, not a region name")
    expect(script, ["gaps", "--account", ""], [])
    expect(script, ["account", ""], [])
    expect(script, ["export", "accounts", ""], [])
    expect(script, ["export", "s"], ["sources"])

    # Files: --config, --snapshot and diff's two operands.
    with tempfile.TemporaryDirectory(prefix="mw-completion-") as folder:
        for name in ("snapshot.json", "snapshot.json.1", "other.yaml"):
            open(os.path.join(folder, name), "w").close()
        os.mkdir(os.path.join(folder, "state"))
        expect(script, ["--snapshot", "snap"], ["snapshot.json", "snapshot.json.1"], cwd=folder)
        expect(script, ["--config", "o"], ["other.yaml"], cwd=folder)
        expect(script, ["--config", "st"], ["state"], cwd=folder)
        expect(script, ["diff", "snapshot.json."], ["snapshot.json.1"], cwd=folder)
        expect(script, ["diff", "snapshot.json", "o"], ["other.yaml"], cwd=folder)
        expect(script, ["diff", "snapshot.json", "other.yaml", ""], [], cwd=folder)
        expect(script, ["--snapshot=o"], ["--snapshot=other.yaml"], cwd=folder)

    if failures:
        fail("\n".join(failures))
    print(f"ok completion: {len(commands)} commands, {len(globals_)} global options, {len(statuses)} statuses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
