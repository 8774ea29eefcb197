"""Runs build/bin/fake-aws and build/bin/memberwatchd as subprocesses for the
service tests: loopback only, port 0, a temporary directory for everything,
and every process torn down at the end."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import yaml

DEMO_ACCESS_KEY_ID = "AKIAMWDEMO0000000001"
DEMO_SECRET_ACCESS_KEY = "memberwatch-demo-secret-access-key-00001"


class TestFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TestFailure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Workspace:
    """A temporary directory holding configs, state, logs and sockets."""

    def __init__(self, source_dir, binary_dir):
        self.source_dir = source_dir
        self.binary_dir = binary_dir
        self._tmp = tempfile.TemporaryDirectory(prefix="mw-service-")
        self.path = self._tmp.name
        self.processes = []

    def file(self, name):
        return os.path.join(self.path, name)

    def cleanup(self):
        for process in reversed(self.processes):
            process.terminate_quietly()
        self._tmp.cleanup()

    def demo_config(self, **overrides):
        """The demo configuration with its state in the workspace; `overrides`
        replace top-level keys (nested dicts are merged one level deep)."""
        with open(os.path.join(self.source_dir, "config/demo/memberwatch.yaml"), encoding="utf-8") as f:
            config = yaml.safe_load(f)
        config["state_dir"] = self.file("state")
        config["interval"] = "10m"
        config["jitter"] = "0s"
        config["health"] = {"listen": "127.0.0.1:0"}
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key] = {**config[key], **value}
            else:
                config[key] = value
        return config

    def write_config(self, name, config):
        path = self.file(name)
        with open(path, "w", encoding="utf-8") as f:
            if isinstance(config, str):
                f.write(config)
            else:
                yaml.safe_dump(config, f, sort_keys=False)
        os.chmod(path, 0o644)
        return path


def report_failure(workspace, what, failure, lines=40):
    """Prints a failed check (or a crash of the test itself) to stderr, with
    the last `lines` of every process's log."""
    print(f"FAIL {what}: {type(failure).__name__}: {failure}", file=sys.stderr)
    for process in workspace.processes:
        print(f"--- {process.name} log (last {lines} lines)", file=sys.stderr)
        print("\n".join(process.log().splitlines()[-lines:]), file=sys.stderr)


class Process:
    def __init__(self, workspace, name, args, env=None):
        self.name = name
        self.log_path = workspace.file(name + ".log")
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                      stdin=subprocess.DEVNULL)
        workspace.processes.append(self)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.popen.poll() is None

    def signal(self, number):
        self.popen.send_signal(number)

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{self.name} still runs after {timeout} s\n{self.log()}") from None

    def terminate_quietly(self):
        if self.alive():
            self.popen.kill()
            self.popen.wait()
        self._log.close()


class FakeAws(Process):
    def __init__(self, workspace, name="fake-aws", faults=(), seed=None, world=None):
        """`world` is a world file; the demo's unless given."""
        self.port_file = workspace.file(name + ".port")
        self.request_log = workspace.file(name + ".requests.jsonl")
        args = [os.path.join(workspace.binary_dir, "bin/fake-aws"),
                "--world", world or os.path.join(workspace.source_dir, "config/demo/world.yaml"),
                "--port", "0", "--port-file", self.port_file, "--request-log", self.request_log]
        for fault in faults:
            args += ["--fault", fault]
        if seed is not None:
            args += ["--seed", str(seed)]
        super().__init__(workspace, name, args)
        self.port = int(wait_until(self._read_port, 20, name + " to listen"))
        self.url = f"http://127.0.0.1:{self.port}"

    def _read_port(self):
        check(self.alive(), f"{self.name} exited\n{self.log()}")
        try:
            with open(self.port_file, encoding="utf-8") as f:
                text = f.read().strip()
        except FileNotFoundError:
            return None
        return text if text.isdigit() else None

    def requests(self):
        try:
            with open(self.request_log, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []


class NotifySocket:
    """A NOTIFY_SOCKET of our own, as systemd would bind it."""

    def __init__(self, workspace):
        self.path = workspace.file("notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []  # every datagram, in arrival order, as {key: value}

    def close(self):
        self.sock.close()

    def expect(self, key, timeout=20, skip=("WATCHDOG",)):
        """Returns the next message (other than those in `skip`) and checks
        that it holds `key`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f"no {key}= notification within {timeout} s; got {self.messages}")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if line)
            self.messages.append(fields)
            if any(k in fields for k in skip) and key not in fields:
                continue
            check(key in fields, f"expected a {key}= notification, got {fields}")
            return fields

    def drain(self):
        self.sock.settimeout(0)
        try:
            while True:
                data = self.sock.recv(4096)
                self.messages.append(dict(line.split("=", 1) for line in data.decode().split("\n") if line))
        except (BlockingIOError, socket.timeout):
            pass


class Daemon(Process):
    def __init__(self, workspace, config_path, endpoint_url, notify=None, extra_env=None, args=(),
                 name="memberwatchd"):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": workspace.path,
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_ACCESS_KEY,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        for variable in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"):
            if variable in os.environ:
                env[variable] = os.environ[variable]
        if notify is not None:
            env["NOTIFY_SOCKET"] = notify.path
        env.update(extra_env or {})
        super().__init__(workspace, name,
                         [os.path.join(workspace.binary_dir, "bin/memberwatchd"), "--config", config_path,
                          *args], env)

    def health_addresses(self):
        """Every address the health endpoint announced, in order."""
        return re.findall(r"health endpoint listening address=(\S+)", self.log())


def http_request(address, method, path, headers=None, timeout=5):
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def refuses_connections(address):
    host, port = address.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{name: {frozenset(labels.items()): value}} from a text exposition."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        check(match is not None, f"unparsable metrics line: {line!r}")
        name, labels, value = match.groups()
        label_map = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                     for k, v in _LABEL.findall(labels or "")}
        samples.setdefault(name, {})[frozenset(label_map.items())] = float(value)
    return samples


def labels(**pairs):
    return frozenset(pairs.items())




def start_chromium(workspace):
    """Debian's chromium, headless, driven by chromium-driver (python3-selenium),
    its profile in the workspace and its console log kept (driver.get_log)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--no-proxy-server", f"--user-data-dir={workspace.file('chromium')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service("/usr/bin/chromedriver", log_output=workspace.file("chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)
