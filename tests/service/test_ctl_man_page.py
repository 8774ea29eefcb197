#!/usr/bin/env python3
"""docs/memberwatchctl.1 renders without groff warnings and documents what
the built memberwatchctl offers: every command of `memberwatchctl --help`
under COMMANDS, each with the options its usage line lists, every other
option under OPTIONS, every exit code under EXIT STATUS, every output key
the commands write (daemon/ctl/commands.cpp), every environment variable
memberwatchctl reads, the files it reads and the contract's examples.

Usage: test_ctl_man_page.py SOURCE_DIR BINARY_DIR
"""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from doc_checks import fail, section, ctl_usage  # noqa: E402


def plain(roff):
    """The words of roff source: \\- as -, font escapes and quotes gone."""
    text = roff.replace("\\-", "-").replace("\\(dq", '"').replace("\\(aq", "'").replace("\\&", "")
    return re.sub(r"\\f(\[[^]]*\]|.)|\\c", "", text)


def tags(block):
    """The tags of the .TP paragraphs in a block of roff (plain text, a tag
    continued over lines with a trailing backslash joined)."""
    return [plain(tag.replace("\\\n", "")).replace('"', "")
            for tag in re.findall(r"^\.TP\n((?:.*\\\n)*.*)$", block, re.MULTILINE)]


def words(text):
    return set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*|[a-z_]+)(?![\w-])", text))


def commands_of(usage):
    """{command: [its options]} from the Commands: block of --help."""
    block = usage.split("Commands:", 1)[1].split("\n\n", 1)[0]
    commands = {}
    for line in block.splitlines():
        match = re.match(r"^  ([a-z]+)\b(.*)$", line)
        if match:
            commands[match.group(1)] = re.findall(r"\[(--[a-z-]+)", match.group(2))
    return commands


def output_columns(source_dir):
    """Every column and key commands.cpp writes: the column lists of
    make_row_writer and table_text (the named ones resolved), the keys of
    its JSON objects ({"key", value}) and the keys it sets (row["key"])."""
    with open(os.path.join(source_dir, "daemon/ctl/commands.cpp"), encoding="utf-8") as f:
        source = f.read()
    named = {name: re.findall(r'"(\w+)"', body)
             for name, body in re.findall(r"(k\w+Columns) = \{(.*?)\};", source, re.DOTALL)}
    columns = set()
    for call in re.findall(r"(?:make_row_writer|table_text)\((.*?)\);", source, re.DOTALL):
        brace = re.match(r"[^{]*?\{([^{}]*)\}", call, re.DOTALL)
        if brace:
            columns |= set(re.findall(r'"(\w+)"', brace.group(1)))
        for name in re.findall(r"\b(k\w+Columns)\b", call):
            columns |= set(named.get(name, []))
    columns |= set(re.findall(r'\{"(\w+)", ', source))
    columns |= set(re.findall(r'row\["(\w+)"\]', source))
    if len(columns) < 30 or "account_name" not in columns or "stale_before" not in columns:
        fail(f"too few output columns found in daemon/ctl/commands.cpp: {sorted(columns)}")
    return columns


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    source_dir, binary_dir = sys.argv[1:]
    page = os.path.join(source_dir, "docs/memberwatchctl.1")

    lint = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], capture_output=True, text=True)
    if lint.returncode != 0 or lint.stderr:
        fail(f"groff warns about {page}:\n{lint.stderr}")
    rendered = subprocess.run(["man", "-l", page], capture_output=True, text=True,
                              env={**os.environ, "MANWIDTH": "80"})
    if rendered.returncode != 0 or "MEMBERWATCHCTL(1)" not in rendered.stdout:
        fail(f"man -l {page} failed: {rendered.stderr}")

    with open(page, encoding="utf-8") as f:
        source = f.read()
    if not source.startswith(".\\\"") or not re.search(r"^\.TH MEMBERWATCHCTL 1 ", source, re.MULTILINE):
        fail(".TH is not MEMBERWATCHCTL 1")
    for title in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "OUTPUT", "EXIT STATUS", "ENVIRONMENT",
                  "FILES", "EXAMPLES", "SEE ALSO"):
        section(source, title)

    usage = ctl_usage(binary_dir)
    commands = commands_of(usage)
    if not {"status", "gaps", "check"} <= set(commands) or "--service" not in commands.get("gaps", []):
        fail(f"unexpected Commands: in --help: {commands}\n{usage}")

    # Every command: in the SYNOPSIS, and a tag of COMMANDS whose block (up
    # to the next command's tag) has a tag for each of its options.
    synopsis = plain(section(source, "SYNOPSIS"))
    synopses = {}  # command: its .SY block
    for block in re.split(r"^\.SY ", section(source, "SYNOPSIS"), flags=re.MULTILINE):
        match = re.search(r"^\.BI? ([a-z]+)\b", block, re.MULTILINE)
        if match:
            synopses[match.group(1)] = plain(block)
    commands_section = section(source, "COMMANDS")
    starts = []
    for match in re.finditer(r"^\.TP\n(.*)$", commands_section, re.MULTILINE):
        first = re.match(r"([a-z]+)", plain(match.group(1)).removeprefix(".BI ").removeprefix(".BR ")
                         .removeprefix(".B "))
        if first and first.group(1) in commands:
            starts.append((match.start(), first.group(1)))
    documented = [name for _, name in starts]
    if sorted(documented) != sorted(commands):
        fail(f"COMMANDS has the tags {documented}, --help the commands {sorted(commands)}")
    command_options = set()
    for index, (start, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(commands_section)
        block = commands_section[start:end]
        if not re.search(rf"(?<![\w-]){name}(?![\w-])", synopsis):
            fail(f"command {name} missing from SYNOPSIS")
        block_tags = tags(block)
        for option in commands[name]:
            command_options.add(option)
            if not any(re.search(rf"^(\.B[IR]? )?{re.escape(option)}(?![\w-])", tag) for tag in block_tags[1:]):
                fail(f"{name}'s option {option} has no tag in its COMMANDS entry (tags: {block_tags})")
            if option not in block_tags[0]:
                fail(f"{name}'s option {option} missing from its COMMANDS tag {block_tags[0]!r}")
            if option not in synopses.get(name, ""):
                fail(f"{name}'s option {option} missing from its SYNOPSIS line")

    # Every other option: of --help, and of the parser (the flags it
    # compares with), under OPTIONS.
    with open(os.path.join(source_dir, "daemon/ctl/options.cpp"), encoding="utf-8") as f:
        parser = f.read()
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-h)\b", usage))
    flags |= set(re.findall(r'flag == "(--?[a-z][a-z-]*)"', parser))
    if not {"--config", "--json", "--help", "--version", "-h"} <= flags:
        fail(f"unexpected flags in --help and options.cpp: {sorted(flags)}")
    undocumented_in_commands = sorted(flags & {"--service", "--region", "--administrator", "--account",
                                               "--status", "--since", "--max-age"} - command_options)
    if undocumented_in_commands:
        fail(f"options the parser takes but no command's usage line lists: {undocumented_in_commands}")
    option_tags = tags(section(source, "OPTIONS"))
    for flag in sorted(flags - command_options):
        if not any(re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", tag) for tag in option_tags):
            fail(f"option {flag} has no tag under OPTIONS (tags: {option_tags})")

    # Exit codes: --help's, the Nagios ones of check, each a .B line.
    exit_codes = set(re.findall(r"(\d+) [A-Za-z]", usage.split("Exit codes:", 1)[1]))
    exit_status = section(source, "EXIT STATUS")
    documented_codes = set(re.findall(r"^\.B (\d+)$", exit_status, re.MULTILINE))
    if not {"0", "1", "64", "66", "69"} <= exit_codes or exit_codes - documented_codes:
        fail(f"exit codes of --help {sorted(exit_codes)}, in EXIT STATUS {sorted(documented_codes)}")
    for state in ("OK", "WARNING", "CRITICAL", "UNKNOWN"):
        if state not in exit_status:
            fail(f"check's {state} missing from EXIT STATUS")

    # Output keys: every column commands.cpp writes, in COMMANDS or OUTPUT;
    # the diff's change kinds; NO_COLOR and the formats in OUTPUT.
    described = words(plain(commands_section + section(source, "OUTPUT")))
    missing = sorted(columns for columns in output_columns(source_dir) if columns not in described)
    if missing:
        fail(f"output keys commands.cpp writes but COMMANDS and OUTPUT do not name: {missing}")
    for change in ("appeared", "vanished", "status", "stale"):
        if change not in described:
            fail(f"diff's change {change} not described")
    output = plain(section(source, "OUTPUT"))
    for needed in ("NO_COLOR", "--json", "--csv", "terminal"):
        if needed not in output:
            fail(f"{needed} missing from OUTPUT")

    environment = plain(section(source, "ENVIRONMENT"))
    read = set()
    for path in glob.glob(os.path.join(source_dir, "daemon/ctl/*.cpp")):
        with open(path, encoding="utf-8") as f:
            read |= set(re.findall(r'getenv\("(\w+)"\)', f.read()))
    if "NO_COLOR" not in read:
        fail(f"NO_COLOR not found among the variables daemon/ctl reads: {sorted(read)}")
    for name in sorted(read):
        if not re.search(rf"(?<!\w){name}(?!\w)", environment):
            fail(f"{name}, which memberwatchctl reads, missing from ENVIRONMENT")

    files = plain(section(source, "FILES"))
    for path in ("/etc/memberwatch/memberwatch.yaml", "snapshot.json", "changes.jsonl", "changes.jsonl.1", ".3",
                 "state_dir"):
        if path not in files:
            fail(f"{path} missing from FILES")

    examples = plain(section(source, "EXAMPLES"))
    for example in ("memberwatchctl gaps --service guardduty --region eu-west-1",
                    "memberwatchctl changes --account 222222222222 --since 7d", " check"):
        if example not in examples:
            fail(f"example {example!r} missing from EXAMPLES")
    see_also = section(source, "SEE ALSO")
    for reference in (".BR memberwatchd (8)", ".BR jq (1)"):
        if reference not in see_also:
            fail(f"{reference} missing from SEE ALSO")
    print(f"ok memberwatchctl man page: {len(commands)} commands, {len(flags)} options, {len(exit_codes)} exit codes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
