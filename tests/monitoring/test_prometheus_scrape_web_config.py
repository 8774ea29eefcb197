#!/usr/bin/env python3
"""test_prometheus_scrape.py's scenario with the health endpoint behind
health.web_config_file: TLS (openssl-made certificates) and basic auth, and
Prometheus scraping it with the same credentials (scheme: https, tls_config
with the test CA, basic_auth with a password file), as an operator would
point Prometheus at an exporter with a web configuration. The target must
come up and the alerts follow, as over plain HTTP.

Usage: test_prometheus_scrape_web_config.py --source-dir DIR --binary-dir DIR
                                            [--prometheus PATH]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "service"))
import test_prometheus_scrape as scrape  # noqa: E402
from harness import Workspace, report_failure  # noqa: E402
from test_web_config import HASH_S3CRET, TLS, make_certificates, write_web_config  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--binary-dir", required=True)
    parser.add_argument("--prometheus", default="/usr/bin/prometheus")
    options = parser.parse_args()
    if not os.access(options.prometheus, os.X_OK):
        print(f"FAIL {options.prometheus} not found: install the Debian package prometheus (scripts/deps.sh)",
              file=sys.stderr)
        return 1
    rules_file = os.path.join(options.source_dir, "monitoring/memberwatch.rules.yml")
    workspace = Workspace(options.source_dir, options.binary_dir)
    started = time.monotonic()
    try:
        make_certificates(workspace)
        web = write_web_config(workspace, TLS + f"basic_auth_users:\n  prometheus: {HASH_S3CRET}\n")
        password_file = workspace.file("prometheus.password")
        with open(password_file, "w", encoding="utf-8") as out:
            out.write("s3cret\n")
        scrape.scrape_scenario(
            workspace, options.prometheus, rules_file, health_overrides={"web_config_file": web},
            scrape_extra={"scheme": "https", "tls_config": {"ca_file": workspace.file("ca.crt")},
                          "basic_auth": {"username": "prometheus", "password_file": password_file}})
    except Exception as failure:  # a failed check, or a crash of the test itself: show the logs
        report_failure(workspace, "prometheus scrape over TLS with basic auth", failure)
        return 1
    finally:
        workspace.cleanup()
    print(f"ok prometheus scrape over TLS with basic auth ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
