#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/).

Seeds come from three places: the raw string literals of the unit tests
(response bodies, XML, configs, snapshots), the repository's own files
(demo config, SigV4 test suite), and the fake-aws world: a fake-aws started
on port 0 with boto3_world.yaml is driven by boto3 through every operation
memberwatch calls, errors included, and each raw response body is kept.
Each seed is named by the SHA-1 of its bytes, so running the script again
only adds what is new.

usage: make_corpus.py FAKE_AWS_BINARY
"""

import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")
SERVICES = ["securityhub", "guardduty", "detective", "organizations"]
MAX_SEED_BYTES = 64 * 1024


def add(target, data, name=None):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > MAX_SEED_BYTES:
        return
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name or hashlib.sha1(data).hexdigest()[:16])
    with open(path, "wb") as f:
        f.write(data)


RAW_STRING = re.compile(r'R"([^(\s]{0,16})\((.*?)\)\1"', re.S)


def raw_strings(relative):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as f:
        return [m.group(2) for m in RAW_STRING.finditer(f.read())]


def from_tests():
    for name in ["tests/services/test_parsers.cpp", "tests/services/test_parse_errors.cpp"]:
        for text in raw_strings(name):
            if text.lstrip().startswith("{"):
                for service in SERVICES:
                    add(service, text)
    for text in raw_strings("tests/aws/test_protocols.cpp"):
        if "<" in text:
            add("sts_xml", text)
    for text in raw_strings("tests/aws/test_aws_error.cpp"):
        add("aws_error", "\n\n" + text)
    for text in raw_strings("tests/config/test_config.cpp"):
        add("config", text)
    for name in ["tests/store/test_store_json.cpp", "tests/store/test_snapshot_store.cpp"]:
        for text in raw_strings(name):
            add("snapshot", text)
            for line in text.splitlines():
                if line.startswith("{"):
                    add("snapshot", line)
    for text in raw_strings("tests/credentials/credentials_fixtures.cpp"):
        add("shared_files", text)


def from_repository():
    for name in ["config/demo/memberwatch.yaml"]:
        with open(os.path.join(ROOT, name), "rb") as f:
            add("config", f.read())
    suite = os.path.join(ROOT, "..", "shared", "sigv4-test-suite")
    for folder, _, files in os.walk(suite):
        for name in files:
            if name == "header-signed-request.txt":
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    for line in f:
                        if line.lower().startswith("authorization:"):
                            add("sigv4_authorization", line.split(":", 1)[1].strip())


def handwritten():
    add("accounts_file", "111111111111\n222222222222\n")
    add("accounts_file", "# production\n111111111111  # payments\n\n  222222222222\n")
    add("accounts_file", "111111111111\n11111111111\nabc\n111111111111\r\n")
    add("shared_files", "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n")
    add("shared_files", "[profile admin]\nrole_arn = arn:aws:iam::111111111111:role/x\n"
                        "source_profile = default\nregion: eu-west-1 ; comment\ns3 =\n  max_concurrent_requests = 10\n")
    add("shared_files", "[sso-session x]\nsso_region=us-east-1\n[services y]\n# c\n; c\n[default]\nregion=us-east-1\n")
    for request in [
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /readyz?verbose=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /metrics HTTP/1.0\r\n\r\n",
        "HEAD /snapshot HTTP/1.1\r\nHost: x\r\nIf-None-Match: W/\"a\", *\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b" * 9000 + "\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + "p" * 2000,
        "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + "c" * 2048 + "\r\n0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaa",
        "GET /heal",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http",
    ]:
        add("health_request", request)


def from_fake_aws(binary):
    sys.path.insert(0, os.path.join(ROOT, "tests", "fake_aws"))
    import botocore.exceptions
    import test_boto3 as fake

    world = os.path.join(ROOT, "tests", "fake_aws", "boto3_world.yaml")
    server = fake.FakeAws(binary, world)
    try:
        record(server, fake, botocore.exceptions.ClientError)
    finally:
        server.stop()


def record(server, fake, client_error):
    # fake-aws answers carry fresh request IDs and credentials: seeds are
    # named by operation, so a second run replaces instead of adding.
    seen = {}

    def capture(target):
        def hook(response_dict=None, event_name="", **_):
            if response_dict is None:
                return
            operation = event_name.split(".", 1)[-1].replace(".", "-")
            seen[operation] = seen.get(operation, 0) + 1
            name = "fake-aws-%s-%d" % (operation, seen[operation])
            body = response_dict.get("body") or b""
            if response_dict.get("status_code", 200) >= 300:
                error_type = response_dict.get("headers", {}).get("x-amzn-ErrorType", "")
                add("aws_error", error_type.encode() + b"\n\n" + body, name)
            else:
                add(target, body, name)
        return hook

    def client(session, service, target):
        c = session.client(service, endpoint_url=server.url, config=fake.NO_RETRY)
        c.meta.events.register("response-received", capture(target))
        return c

    def attempt(call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except client_error:
            return None

    sts = client(fake.session(), "sts", "sts_xml")
    attempt(sts.get_caller_identity)
    attempt(sts.assume_role, RoleArn=fake.ROLE, RoleSessionName="mw", ExternalId="wrong")
    admin = fake.session(**{k: v for k, v in zip(
        ["key", "secret", "token"], assumed_keys(sts, fake.ROLE, "ext-111"))})
    anonymous = fake.boto3.client("sts", endpoint_url=server.url, region_name="us-east-1",
                                  config=fake.Config(signature_version=fake.botocore.UNSIGNED))
    anonymous.meta.events.register("response-received", capture("sts_xml"))
    for token in ["eyJhbGciOiJSUzI1NiJ9.fake-aws-web-identity.c2lnbmF0dXJl", "not-a-token"]:
        attempt(anonymous.assume_role_with_web_identity, RoleArn="arn:aws:iam::111111111111:role/web-identity",
                RoleSessionName="pod", WebIdentityToken=token)

    ids = ["100000000001", "100000000006", "123456789012"]
    securityhub = client(admin, "securityhub", "securityhub")
    attempt(securityhub.list_members, OnlyAssociated=False, MaxResults=3)
    attempt(securityhub.list_members, OnlyAssociated=False)
    attempt(securityhub.get_members, AccountIds=ids)
    attempt(securityhub.get_members, AccountIds=["x"] * 60)
    guardduty = client(admin, "guardduty", "guardduty")
    attempt(guardduty.list_detectors)
    attempt(guardduty.list_members, DetectorId=fake.DETECTOR, OnlyAssociated="false", MaxResults=3)
    attempt(guardduty.get_members, DetectorId=fake.DETECTOR, AccountIds=ids)
    attempt(guardduty.get_members, DetectorId="0" * 32, AccountIds=ids)
    detective = client(admin, "detective", "detective")
    attempt(detective.list_graphs)
    attempt(detective.list_members, GraphArn=fake.GRAPH, MaxResults=3)
    attempt(detective.get_members, GraphArn=fake.GRAPH, AccountIds=ids)
    attempt(detective.get_members, GraphArn=fake.GRAPH + "0", AccountIds=ids)
    organizations = client(fake.session(*assumed_keys(sts, "arn:aws:iam::444444444444:role/org-read", None)),
                           "organizations", "organizations")
    attempt(organizations.list_accounts, MaxResults=2)
    attempt(organizations.list_accounts)
    attempt(client(admin, "organizations", "organizations").list_accounts)


def assumed_keys(sts, role, external_id):
    kwargs = {"RoleArn": role, "RoleSessionName": "memberwatch"}
    if external_id:
        kwargs["ExternalId"] = external_id
    creds = sts.assume_role(**kwargs)["Credentials"]
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    from_tests()
    from_repository()
    handwritten()
    from_fake_aws(sys.argv[1])
    for target in sorted(os.listdir(CORPUS)):
        print("%-22s %d seeds" % (target, len(os.listdir(os.path.join(CORPUS, target)))))


if __name__ == "__main__":
    main()
