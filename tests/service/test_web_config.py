#!/usr/bin/env python3
"""health.web_config_file end to end: the real memberwatchd against fake-aws
behind TLS and basic auth, with certificates made here by openssl, and curl,
Python's http.client and memberwatchctl as clients. Plain HTTP to the TLS
port is refused; no or a wrong password is 401, the right one 200; a client
certificate, once required, is required; a bad web configuration is a
configuration error (exit 78) at start and is kept out at reload (SIGHUP and
a change on disk) with the old one in force; memberwatchctl --url with the
right credentials works, with a wrong password it exits 77 with one line.

Usage: test_web_config.py SOURCE_DIR BINARY_DIR
"""

import base64
import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys

from harness import Daemon, FakeAws, TestFailure, Workspace, check, wait_until

# bcrypt (cost 4: quick) of "s3cret" and of "second".
HASH_S3CRET = "$2b$04$3n.w9uC/YTBQTAPH75u//u98Ak1PbrymioYAS3NhvwCYB9Zr6nbJO"
HASH_SECOND = "$2b$04$dc7QANaVjiOI7cb3v.X98uVLULLlPu3MuaJHxivo8iDkjKHMziJaq"


def run(*args, env=None, timeout=30):
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=env)
    return done.returncode, done.stdout, done.stderr


def openssl(*args):
    code, out, err = run("openssl", *args)
    check(code == 0, f"openssl {' '.join(args)} failed: {err}")


def make_certificates(workspace):
    """A CA, the server's certificate for 127.0.0.1 and a client's, signed by it."""
    f = workspace.file
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=memberwatch test CA", "-keyout", f("ca.key"), "-out", f("ca.crt"),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    for name, extensions in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
                             ("client", "extendedKeyUsage=clientAuth\n")):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                f"/CN=memberwatch test {name}", "-keyout", f(name + ".key"), "-out", f(name + ".csr"))
        with open(f(name + ".ext"), "w", encoding="utf-8") as out:
            out.write(extensions)
        openssl("x509", "-req", "-in", f(name + ".csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"),
                "-CAcreateserial", "-days", "2", "-extfile", f(name + ".ext"), "-out", f(name + ".crt"))
        os.chmod(f(name + ".key"), 0o600)


def write_web_config(workspace, text, name="web.yml"):
    path = workspace.file(name)
    with open(path + ".new", "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path + ".new", 0o644)
    os.replace(path + ".new", path)
    return path


TLS = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"


def https(address, path, user=None, password=None, cafile=None, client=None):
    """(status, headers, body) over TLS with http.client."""
    host, port = address.rsplit(":", 1)
    context = ssl.create_default_context(cafile=cafile)
    if client:
        context.load_cert_chain(client[0], client[1])
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    headers = {}
    if user is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def plain_refused(address):
    """True when a plain HTTP request to the address gets no HTTP answer."""
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/healthz")
        connection.getresponse()
    except (http.client.HTTPException, ConnectionError, OSError):
        return True
    finally:
        connection.close()
    return False


def curl(*args):
    """curl's exit code and the HTTP status it got ("000" when none)."""
    code, out, err = run("curl", "--silent", "--show-error", "--max-time", "10", "--output", "/dev/null",
                         "--write-out", "%{http_code}", *args)
    return code, out.strip()


def ctl(workspace, *args, password=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if password is not None:
        env["MEMBERWATCH_PASSWORD"] = password
    return run(os.path.join(workspace.binary_dir, "bin/memberwatchctl"), *args, env=env)


def free_port():
    """A loopback port free now (memberwatchctl --config needs the real one, not 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_config(workspace, config_path):
    return run(os.path.join(workspace.binary_dir, "bin/memberwatchd"), "--check-config", "--config", config_path)


def test(workspace):
    make_certificates(workspace)
    f = workspace.file
    ca = f("ca.crt")
    client = (f("client.crt"), f("client.key"))

    # A bad web configuration is a configuration error at start, with its position.
    bad = write_web_config(workspace, "tls_server_config:\n  cert_flie: server.crt\n", "bad.yml")
    bad_config = workspace.write_config("bad.yaml", workspace.demo_config(
        health={"listen": "127.0.0.1:0", "web_config_file": "bad.yml"}))
    code, out, err = check_config(workspace, bad_config)
    check(code == 78 and f"{bad}:2:3: tls_server_config.cert_flie: unknown key" in err,
          f"bad web config at start: exit {code} {err!r}")
    write_web_config(workspace, "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n", "bad.yml")
    code, out, err = check_config(workspace, bad_config)
    check(code == 78 and "tls_server_config.cert_file: cannot read" in err,
          f"unreadable certificate at start: exit {code} {err!r}")
    write_web_config(workspace, "basic_auth_users:\n  prometheus: s3cret\n", "bad.yml")
    code, out, err = check_config(workspace, bad_config)
    check(code == 78 and "basic_auth_users.prometheus: is not a bcrypt hash" in err and "s3cret" not in err,
          f"non-bcrypt hash at start: exit {code} {err!r}")

    # TLS and basic auth.
    web = write_web_config(workspace, TLS + f"basic_auth_users:\n  prometheus: {HASH_S3CRET}\n"
                           "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n")
    fake = FakeAws(workspace)
    config = workspace.write_config("memberwatch.yaml", workspace.demo_config(
        health={"listen": f"127.0.0.1:{free_port()}", "lifecycle": True, "web_config_file": "web.yml"}))
    code, out, err = check_config(workspace, config)
    check(code == 0, f"--check-config with a good web config: exit {code} {err!r}")
    daemon = Daemon(workspace, config, fake.url)
    address = wait_until(daemon.health_addresses, 10, "the health endpoint address")[-1]
    url = "https://" + address

    check(plain_refused(address), "plain HTTP to the TLS port got an HTTP answer (http.client)")
    code, status = curl("http://" + address + "/healthz")
    check(code != 0 and status == "000", f"plain HTTP to the TLS port with curl: exit {code}, HTTP {status}")

    status, headers, _ = https(address, "/metrics", cafile=ca)
    check(status == 401 and headers.get("WWW-Authenticate", "").startswith("Basic realm="),
          f"no credentials: {status} {headers}")
    status, _, _ = https(address, "/healthz", cafile=ca)
    check(status == 401, f"/healthz without credentials: {status}")
    status, _, _ = https(address, "/metrics", "prometheus", "wrong", cafile=ca)
    check(status == 401, f"wrong password: {status}")
    status, headers, body = https(address, "/metrics", "prometheus", "s3cret", cafile=ca)
    check(status == 200 and b"memberwatch_build_info" in body, f"right password: {status}")
    check(headers.get("X-Content-Type-Options") == "nosniff", f"web config headers missing: {headers}")
    code, status = curl("--cacert", ca, "--user", "prometheus:wrong", url + "/metrics")
    check(code == 0 and status == "401", f"curl with a wrong password: exit {code}, HTTP {status}")
    code, status = curl("--cacert", ca, "--user", "prometheus:s3cret", url + "/metrics")
    check(code == 0 and status == "200", f"curl with the right password: exit {code}, HTTP {status}")
    code, status = curl("--user", "prometheus:s3cret", url + "/metrics")
    check(code != 0, "curl trusted the test CA's certificate without --cacert")

    # memberwatchctl: --url with credentials, then --config (its web config).
    wait_until(lambda: https(address, "/readyz", "prometheus", "s3cret", cafile=ca)[0] == 200, 60,
               "the daemon to be ready")
    code, out, err = ctl(workspace, "--url", url, "--ca-file", ca, "--user", "prometheus", "status",
                         password="s3cret")
    check(code == 0 and out, f"memberwatchctl --url with the right password: exit {code} {err!r}")
    code, out, err = ctl(workspace, "--url", url, "--ca-file", ca, "--user", "prometheus", "status",
                         password="wrong")
    check(code == 77 and err.count("\n") == 1 and "HTTP 401: wrong user or password" in err,
          f"memberwatchctl --url with a wrong password: exit {code} {err!r}")
    check("wrong" not in err.replace("wrong user", ""), f"the password shows in the error: {err!r}")
    code, out, err = ctl(workspace, "--url", url, "--ca-file", ca, "status")
    check(code == 77 and "wants a user and password" in err, f"memberwatchctl without credentials: {code} {err!r}")
    code, out, err = ctl(workspace, "--url", url, "--user", "prometheus", "status", password="s3cret")
    check(code == 69 and "TLS handshake failed" in err, f"memberwatchctl without the CA: exit {code} {err!r}")
    with open(f("password"), "w", encoding="utf-8") as out_file:
        out_file.write("s3cret\n")
    code, out, err = ctl(workspace, "--url", url, "--ca-file", ca, "--user", "prometheus", "--password-file",
                         f("password"), "check")
    check(code in (0, 1, 2) and out.startswith("MEMBERWATCH"), f"check with --password-file: exit {code} {out!r}")
    # --config: https, the daemon's own certificate and its only user by default.
    code, out, err = ctl(workspace, "--config", config, "refresh", password="s3cret")
    check((code == 0 and out.startswith("refresh accepted")) or (code == 1 and "a cycle is running" in err),
          f"memberwatchctl --config refresh: exit {code} {out!r} {err!r}")
    code, out, err = ctl(workspace, "--config", config, "refresh", password="wrong")
    check(code == 77, f"memberwatchctl --config refresh with a wrong password: exit {code} {err!r}")

    # A bad web configuration at reload: refused, the old one stays.
    write_web_config(workspace, TLS + "basic_auth_users:\n  prometheus: second\n")
    daemon.signal(signal.SIGHUP)
    wait_until(lambda: "reload rejected; the running configuration stays" in daemon.log(), 10, "the reload refused")
    check("basic_auth_users.prometheus: is not a bcrypt hash" in daemon.log(), "the reload error is not logged")
    status, _, _ = https(address, "/metrics", "prometheus", "s3cret", cafile=ca)
    check(status == 200, f"the old web config is not in force after a bad reload: {status}")
    check("health web config change refused" in daemon.log(),
          "the bad file on disk was not seen at the next connection")
    check(HASH_S3CRET not in daemon.log() and "s3cret" not in daemon.log(), "a secret reached the log")

    # A good new one: a new password, and client certificates required.
    write_web_config(workspace, TLS + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
                     f"basic_auth_users:\n  prometheus: {HASH_SECOND}\n")
    daemon.signal(signal.SIGHUP)
    wait_until(lambda: "configuration reloaded" in daemon.log(), 10, "the reload")
    code, status = curl("--cacert", ca, "--user", "prometheus:second", url + "/metrics")
    check(code != 0 and status == "000", f"no client certificate: exit {code}, HTTP {status}")
    try:
        status, _, _ = https(address, "/metrics", "prometheus", "second", cafile=ca)
        check(False, f"http.client without a client certificate got HTTP {status}")
    except (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError) as error:
        check(not isinstance(error, TestFailure), str(error))
    code, status = curl("--cacert", ca, "--cert", client[0], "--key", client[1], "--user", "prometheus:second",
                        url + "/metrics")
    check(code == 0 and status == "200", f"with the client certificate: exit {code}, HTTP {status}")
    status, _, _ = https(address, "/metrics", "prometheus", "s3cret", cafile=ca, client=client)
    check(status == 401, f"the old password after the reload: {status}")
    code, out, err = ctl(workspace, "--url", url, "--ca-file", ca, "--user", "prometheus", "--cert-file", client[0],
                         "--key-file", client[1], "status", password="second")
    check(code == 0, f"memberwatchctl with a client certificate: exit {code} {err!r}")
    code, out, err = ctl(workspace, "--url", url, "--ca-file", ca, "--user", "prometheus", "status",
                         password="second")
    check(code == 69, f"memberwatchctl without the client certificate: exit {code} {err!r}")
    check(daemon.alive(), "the daemon died\n" + daemon.log())


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    workspace = Workspace(sys.argv[1], sys.argv[2])
    try:
        test(workspace)
    except TestFailure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        for process in workspace.processes:
            print(f"--- {process.name} log ---\n{process.log()}", file=sys.stderr)
        return 1
    finally:
        workspace.cleanup()
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
