#!/usr/bin/env python3
"""memberwatchd as users run it: exit codes of --once against the fake-aws
binary, --check-config and usage errors (CONTRACT.md, "Command line").

usage: test_binary.py MEMBERWATCHD FAKE_AWS SOURCE_DIR
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

MEMBERWATCHD, FAKE_AWS, SOURCE_DIR = sys.argv[1:4]
DEMO_WORLD = os.path.join(SOURCE_DIR, "config/demo/world.yaml")
DEMO_CONFIG = os.path.join(SOURCE_DIR, "config/demo/memberwatch.yaml")
TIMEOUT = 120


def demo_config(state_dir, drop_audit_archive=False):
    with open(DEMO_CONFIG, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^state_dir: .*$", f"state_dir: {state_dir}", text)
    text = re.sub(r"(?m)^  listen: .*$", '  listen: ""', text)
    if drop_audit_archive:
        at = text.index("  - name: audit-archive")
        text = text[:at]
    return text


class FakeAws:
    """The fake-aws binary on a free loopback port, stopped on exit."""

    def __init__(self, workdir):
        self.port_file = os.path.join(workdir, "port")
        self.log = open(os.path.join(workdir, "fake-aws.log"), "wb")
        self.process = subprocess.Popen(
            [FAKE_AWS, "--world", DEMO_WORLD, "--port", "0", "--port-file", self.port_file],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (os.path.exists(self.port_file) and os.path.getsize(self.port_file) > 0):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake-aws did not start")
            time.sleep(0.05)
        with open(self.port_file, encoding="ascii") as f:
            self.url = "http://127.0.0.1:" + f.read().strip()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def run_daemon(args, env=None, cwd=None):
    return subprocess.run([MEMBERWATCHD, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT)


class OnceAgainstFakeAws(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="mw-binary-")
        cls.fake = FakeAws(cls.workdir)
        cls.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": cls.workdir,
            "AWS_ENDPOINT_URL": cls.fake.url,
            "AWS_ACCESS_KEY_ID": "AKIAMWDEMO0000000001",
            "AWS_SECRET_ACCESS_KEY": "memberwatch-demo-secret-access-key-00001",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_CONFIG_FILE": "/nonexistent",
        }

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def once(self, name, config_text):
        folder = os.path.join(self.workdir, name)
        os.makedirs(folder)
        config = os.path.join(folder, "memberwatch.yaml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(config_text)
        return run_daemon(["--once", "--config", config], env=self.env), folder

    def test_every_source_answers_exit_0(self):
        state = os.path.join(self.workdir, "all-answer", "state")
        result, _ = self.once("all-answer", demo_config(state, drop_audit_archive=True))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(os.path.isfile(os.path.join(state, "snapshot.json")))
        self.assertIn("sources_failed=0", result.stderr)

    def test_a_failing_source_exit_2_with_the_snapshot_written(self):
        state = os.path.join(self.workdir, "partial", "state")
        result, _ = self.once("partial", demo_config(state))
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertTrue(os.path.isfile(os.path.join(state, "snapshot.json")))
        self.assertIn("sources_failed=1", result.stderr)
        self.assertEqual(os.stat(os.path.join(state, "snapshot.json")).st_mode & 0o777, 0o640)

    def test_unwritable_state_dir_exit_1(self):
        folder = os.path.join(self.workdir, "blocked")
        os.makedirs(folder)
        blocker = os.path.join(folder, "not-a-folder")
        with open(blocker, "w", encoding="ascii") as f:
            f.write("a regular file\n")
        result, _ = self.once("blocked-run", demo_config(os.path.join(blocker, "state")))
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertFalse(os.path.exists(os.path.join(blocker, "state")))
        self.assertRegex(result.stderr, r"\[error\]|error")


class CommandLine(unittest.TestCase):
    def test_check_config_accepts_the_shipped_configuration(self):
        result = run_daemon(["--check-config", "--config", os.path.join(SOURCE_DIR, "config/memberwatch.yaml")])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("configuration ok", result.stdout)

    def test_check_config_reports_every_error_with_its_position(self):
        with tempfile.TemporaryDirectory(prefix="mw-check-") as folder:
            config = os.path.join(folder, "bad.yaml")
            with open(config, "w", encoding="utf-8") as f:
                f.write("interval: 5 minutes\n"
                        "administrators:\n"
                        "  - name: main\n"
                        "    account_id: 111111111111\n"
                        "    colour: blue\n")
            result = run_daemon(["--check-config", "--config", config])
        self.assertEqual(result.returncode, 78, result.stdout + result.stderr)
        errors = [line for line in result.stderr.splitlines() if line.startswith(config + ":")]
        self.assertEqual(len(errors), 3, result.stderr)
        positions = []
        for line in errors:
            match = re.match(re.escape(config) + r":(\d+):(\d+): (\S+): .+", line)
            self.assertIsNotNone(match, line)
            positions.append((int(match.group(1)), int(match.group(2)), match.group(3)))
        positions.sort()
        self.assertEqual([(line, column) for line, column, _ in positions], [(1, 11), (4, 17), (5, 5)])
        self.assertEqual(positions[0][2], "interval")
        self.assertIn("account_id", positions[1][2])
        self.assertIn("colour", positions[2][2])

    def test_unknown_flag_is_a_usage_error(self):
        result = run_daemon(["--frobnicate"])
        self.assertEqual(result.returncode, 64)
        self.assertIn("--frobnicate", result.stderr)

    def test_missing_config_file_is_a_configuration_error(self):
        result = run_daemon(["--check-config", "--config", "/nonexistent/memberwatch.yaml"])
        self.assertEqual(result.returncode, 78)
        self.assertIn("/nonexistent/memberwatch.yaml", result.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
