#!/usr/bin/python3
"""Proof that fake-aws is faithful: Debian's boto3/botocore, with their own
service models, drive every emulated operation against a fake-aws started on
port 0, walk every paginator, see errors as the right ClientError codes, and
have a tampered signature rejected.

Where Debian's botocore predates an operation or a member (Account
ListRegions, Organizations' Account.State, Security Hub's
OrganizationConfiguration, GuardDuty's features, Inspector's lambdaCode and
codeRepository), the request is signed with botocore's own SigV4 signer and
the JSON answer is checked member by member against the current botocore
models in AWS_API_DIR (the shared aws-api folder). Debian's botocore has
Inspector (inspector2) and Macie (macie2) with every operation and paginator
fake-aws serves; it lacks only those two Inspector members (and three
ErrorCode values fake-aws never serves).

usage: test_boto3.py FAKE_AWS_BINARY WORLD_YAML [AWS_API_DIR]
"""

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import unittest.mock
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import botocore.session
import botocore.utils
from botocore.config import Config

BASE_KEY = "AKIAFAKEBASE00000001"
BASE_SECRET = "base/secret+key=000000000000000000000001"
ADMIN = "111111111111"
ADMIN_TWO = "222222222222"
ROLE = "arn:aws:iam::111111111111:role/memberwatch-read"
GRAPH = "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef"
GRAPH_SOUTH = "arn:aws:detective:ap-south-1:111111111111:graph:fedcba9876543210fedcba9876543210"
DETECTOR = "12abc34d567e8fa901bc2d34e56789f0"
DETECTOR_EU = "34abc34d567e8fa901bc2d34e56789f0"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
MGMT_ROLE = "arn:aws:iam::444444444444:role/org-read"
ADMIN_TWO_KEY = ("AKIAFAKEADMIN0000002", "admin-two-secret")
# The current botocore models (set by main from AWS_API_DIR).
MODELS = {}
PAGINATORS = {}


class FakeAws:
    """One fake-aws process on a free port, stopped on exit."""

    def __init__(self, binary, world, *extra):
        self.dir = tempfile.TemporaryDirectory(prefix="fake-aws-test-")
        self.port_file = os.path.join(self.dir.name, "port")
        self.log_file = os.path.join(self.dir.name, "requests.jsonl")
        self.process = subprocess.Popen(
            [binary, "--world", world, "--port", "0", "--port-file", self.port_file,
             "--request-log", self.log_file, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            self.process.kill()
            raise RuntimeError("fake-aws did not start: %r %s" % (line, self.process.stderr.read()))
        self.port = int(line.rsplit(":", 1)[1])
        with open(self.port_file) as f:
            assert int(f.read()) == self.port, "port file and printed port differ"
        self.url = "http://127.0.0.1:%d" % self.port

    def log(self):
        with open(self.log_file) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.dir.cleanup()


def session(key=BASE_KEY, secret=BASE_SECRET, token=None, region="us-east-1"):
    return boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                         aws_session_token=token, region_name=region)


def assume(fake, role=ROLE, external_id="ext-111", region="us-east-1"):
    sts = session().client("sts", endpoint_url=fake.url)
    kwargs = {"RoleArn": role, "RoleSessionName": "memberwatch"}
    if external_id:
        kwargs["ExternalId"] = external_id
    creds = sts.assume_role(**kwargs)["Credentials"]
    return session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], region)


def expect_error(code, call, *args, status=None, message=None, **kwargs):
    try:
        call(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        error = e.response["Error"]
        assert error["Code"] == code, "expected %s, got %s: %s" % (code, error["Code"], error)
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        if status is not None:
            assert got_status == status, "expected HTTP %d, got %d" % (status, got_status)
        if message is not None:
            assert message in error["Message"], "message %r lacks %r" % (error["Message"], message)
        assert e.response["ResponseMetadata"].get("RequestId"), "no request id"
        return e
    raise AssertionError("expected %s, the call succeeded" % code)


def walk(client, operation, **kwargs):
    pages = list(client.get_paginator(operation).paginate(**kwargs))
    return pages


# --- Raw signed requests, checked against the current models ------------------
#
# Debian's botocore (1.29) has no Account ListRegions and no Organizations
# Account.State: its client cannot call the one, and its parser drops the
# other. These requests are signed by botocore's SigV4Auth, as its clients
# sign, and every member of the answer is checked against the current model.

def botocore_has(service, operation, shape=None, member=None):
    model = botocore.session.get_session().get_service_model(service)
    if operation not in model.operation_names:
        return False
    return shape is None or member in model.shape_for(shape).members


# Timestamps in ISO 8601 (timestampFormat iso8601, as Macie's): 2021-01-02T03:04:05[.678]Z.
ISO8601 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def wire_name(name, member):
    """The JSON key of a member: its locationName (GuardDuty's camelCase) or its name."""
    return member.get("locationName", name)


def check_shape(model, shape_name, value, where):
    """Every member of `value` exists in the model's shape, with its type."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict), "%s: expected an object for %s, got %r" % (where, shape_name, value)
        members = shape["members"]
        by_wire = {wire_name(name, member): name for name, member in members.items()}
        for key, item in value.items():
            assert key in by_wire, "%s.%s: not a member of %s (%s)" % (where, key, shape_name, sorted(by_wire))
            member = members[by_wire[key]]
            assert "location" not in member, "%s.%s: a %s member in the body" % (where, key, member["location"])
            check_shape(model, member["shape"], item, "%s.%s" % (where, key))
        for name in shape.get("required", []):
            if "location" not in members[name]:
                key = wire_name(name, members[name])
                assert key in value, "%s: required member %s missing" % (where, key)
    elif kind == "list":
        assert isinstance(value, list), "%s: expected a list, got %r" % (where, value)
        for i, item in enumerate(value):
            check_shape(model, shape["member"]["shape"], item, "%s[%d]" % (where, i))
    elif kind == "map":
        assert isinstance(value, dict), "%s: expected a map, got %r" % (where, value)
        for key, item in value.items():
            check_shape(model, shape["key"]["shape"], key, "%s key" % where)
            check_shape(model, shape["value"]["shape"], item, "%s.%s" % (where, key))
    elif kind == "string":
        assert isinstance(value, str), "%s: expected a string, got %r" % (where, value)
        if "enum" in shape:
            assert value in shape["enum"], "%s: %r not in %s" % (where, value, shape["enum"])
        if "pattern" in shape:  # Smithy patterns are not anchored unless they say so
            assert re.search(shape["pattern"], value), "%s: %r does not match %s" % (where, value, shape["pattern"])
        assert shape.get("min", 0) <= len(value) <= shape.get("max", len(value)), "%s: length of %r" % (where, value)
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), "%s: not an integer: %r" % (where, value)
        assert shape.get("min", value) <= value <= shape.get("max", value), "%s: %r out of range" % (where, value)
    elif kind in ("double", "float"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), "%s: %r" % (where, value)
    elif kind == "boolean":
        assert isinstance(value, bool), "%s: expected a boolean, got %r" % (where, value)
    elif kind == "timestamp":  # JSON protocols: epoch seconds unless the shape names another format
        fmt = shape.get("timestampFormat", "unixTimestamp")
        if fmt == "iso8601":
            assert isinstance(value, str) and ISO8601.fullmatch(value), "%s: not ISO 8601: %r" % (where, value)
        else:
            assert fmt == "unixTimestamp", "%s: %s" % (where, shape)
            assert isinstance(value, (int, float)) and not isinstance(value, bool), "%s: %r" % (where, value)
    else:
        raise AssertionError("%s: shape type %s not handled" % (where, kind))


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.json = json.loads(body) if body else None

    def error_code(self):
        return self.headers.get("x-amzn-ErrorType", "").split(":")[0] or (self.json or {}).get("__type")


def signed_call(fake, creds, service, path, body, headers, method="POST", region="us-east-1"):
    """Sends `body` as JSON (None: no body, as for a GET), signed with
    botocore's SigV4Auth."""
    data = None if body is None else json.dumps(body).encode()
    request = botocore.awsrequest.AWSRequest(method=method, url=fake.url + path, data=data, headers=headers)
    botocore.auth.SigV4Auth(creds, service, region).add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers.items()),
                                 method=method)
    try:
        with urllib.request.urlopen(raw, timeout=10) as response:
            return RawResponse(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as e:
        return RawResponse(e.code, e.headers, e.read().decode())


def list_regions(fake, creds, **params):
    """Account ListRegions (rest-json, POST /listRegions), checked against the model."""
    model = MODELS["account"]
    operation = model["operations"]["ListRegions"]
    assert operation["http"]["method"] == "POST" and operation["http"]["requestUri"] == "/listRegions"
    request_members = model["shapes"][operation["input"]["shape"]]["members"]
    assert set(params) <= set(request_members), "not members of ListRegionsRequest: %s" % params
    response = signed_call(fake, creds, model["metadata"]["signingName"], "/listRegions", params,
                           {"Content-Type": "application/json"})
    assert response.headers.get("x-amzn-RequestId"), "no request id"
    if response.status == 200:
        check_shape(model, operation["output"]["shape"], response.json, "ListRegionsResponse")
    else:
        code = response.error_code()
        assert code in [e["shape"] for e in operation["errors"]], "%s is not an error of ListRegions" % code
        assert model["shapes"][code]["error"]["httpStatusCode"] == response.status, (code, response.status)
        check_shape(model, code, response.json, code)
    return response


def walk_raw(call, service, operation, **params):
    """Follows the model's paginator for `operation`: every page, in order."""
    paginator = PAGINATORS[service][operation]
    pages = []
    while True:
        response = call(**params)
        assert response.status == 200, (response.status, response.body)
        pages.append(response.json)
        token = response.json.get(paginator["output_token"])
        if not token:
            return pages
        params[paginator["input_token"]] = token


def model_call(fake, creds, service, operation, region="us-east-1", **params):
    """One operation of the current model, with `params` named as the model's
    members and sent where the model puts them (path, query string, body;
    under their locationName), signed as botocore signs. The answer, or the
    error, is checked against the model."""
    model = MODELS[service]
    metadata = model["metadata"]
    op = model["operations"][operation]
    members = model["shapes"][op["input"]["shape"]]["members"] if "input" in op else {}
    assert set(params) <= set(members), "not members of %s: %s" % (operation, sorted(set(params) - set(members)))
    method, path = op["http"]["method"], op["http"]["requestUri"]
    query, body = {}, {}
    for name, value in params.items():
        member = members[name]
        location = member.get("location")
        if location == "uri":
            path = path.replace("{%s}" % wire_name(name, member), urllib.parse.quote(value, safe=""))
        elif location == "querystring":
            query[wire_name(name, member)] = str(value)
        else:
            assert location is None, (name, location)
            body[wire_name(name, member)] = value
    assert "{" not in path, "a path member is missing: %s" % path
    if query:
        path += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    if metadata["protocol"] == "json":
        headers = {"Content-Type": "application/x-amz-json-%s" % metadata["jsonVersion"],
                   "X-Amz-Target": "%s.%s" % (metadata["targetPrefix"], operation)}
    else:
        headers = {"Content-Type": "application/json"} if method != "GET" else {}
    response = signed_call(fake, creds, metadata.get("signingName", metadata["endpointPrefix"]), path,
                           body if method != "GET" else None, headers, method, region)
    assert response.headers.get("x-amzn-RequestId"), "no request id"
    if response.status == 200:
        check_shape(model, op["output"]["shape"], response.json, op["output"]["shape"])
    else:
        code = response.error_code()
        assert code in [e["shape"] for e in op.get("errors", [])], "%s is not an error of %s" % (code, operation)
        status = model["shapes"][code].get("error", {}).get("httpStatusCode", 400)
        assert status == response.status, (code, status, response.status)
        # __type names the error in the json protocols; it is no member.
        check_shape(model, code, {k: v for k, v in response.json.items() if k != "__type"}, code)
    return response


def frozen(session_):
    return session_.get_credentials().get_frozen_credentials()


def list_accounts_raw(fake, creds, **params):
    """Organizations ListAccounts (json 1.1), checked against the current model."""
    model = MODELS["organizations"]
    metadata = model["metadata"]
    response = signed_call(fake, creds, metadata.get("signingName", metadata["endpointPrefix"]), "/", params, {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "%s.ListAccounts" % metadata["targetPrefix"]})
    if response.status == 200:
        check_shape(model, model["operations"]["ListAccounts"]["output"]["shape"], response.json,
                    "ListAccountsResponse")
    return response


# --- STS -------------------------------------------------------------------

def test_sts_get_caller_identity(fake):
    identity = session().client("sts", endpoint_url=fake.url).get_caller_identity()
    assert identity["Account"] == "999999999999"
    assert identity["Arn"] == "arn:aws:iam::999999999999:user/memberwatch"


def test_sts_assume_role_gives_the_roles_account(fake):
    sts = session().client("sts", endpoint_url=fake.url)
    out = sts.assume_role(RoleArn=ROLE, RoleSessionName="memberwatch", ExternalId="ext-111",
                          DurationSeconds=900)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert isinstance(creds["Expiration"], datetime.datetime)
    remaining = creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    assert 800 < remaining.total_seconds() <= 901, remaining
    assert out["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111111111111:assumed-role/memberwatch-read/memberwatch"
    assumed = session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    identity = assumed.client("sts", endpoint_url=fake.url).get_caller_identity()
    assert identity["Account"] == ADMIN
    assert identity["UserId"].endswith(":memberwatch")


def test_sts_assume_role_errors(fake):
    sts = session().client("sts", endpoint_url=fake.url)
    expect_error("AccessDenied", sts.assume_role, RoleArn=ROLE, RoleSessionName="mw", ExternalId="wrong",
                 status=403, message="is not authorized to perform: sts:AssumeRole")
    expect_error("AccessDenied", sts.assume_role, RoleArn=ROLE, RoleSessionName="mw", status=403)
    expect_error("AccessDenied", sts.assume_role, RoleArn="arn:aws:iam::333333333333:role/memberwatch-read",
                 RoleSessionName="mw", status=403)
    expect_error("ValidationError", sts.assume_role, RoleArn=ROLE, RoleSessionName="mw", ExternalId="ext-111",
                 DurationSeconds=50000, status=400, message="durationSeconds")
    expect_error("ValidationError", sts.assume_role, RoleArn=ROLE, RoleSessionName="bad name!",
                 ExternalId="ext-111", status=400, message="roleSessionName")


def test_sts_assume_role_with_web_identity_is_unsigned(fake):
    sts = boto3.client("sts", endpoint_url=fake.url, region_name="us-east-1",
                       config=Config(signature_version=botocore.UNSIGNED))
    out = sts.assume_role_with_web_identity(
        RoleArn="arn:aws:iam::111111111111:role/web-identity", RoleSessionName="pod",
        WebIdentityToken="eyJhbGciOiJSUzI1NiJ9.fake-aws-web-identity.c2lnbmF0dXJl")
    assert out["SubjectFromWebIdentityToken"] == "system:serviceaccount:memberwatch:memberwatch"
    assert out["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::111111111111:assumed-role/web-identity/pod")
    creds = out["Credentials"]
    who = session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).client(
        "sts", endpoint_url=fake.url).get_caller_identity()
    assert who["Account"] == ADMIN
    expect_error("InvalidIdentityToken", sts.assume_role_with_web_identity,
                 RoleArn="arn:aws:iam::111111111111:role/web-identity", RoleSessionName="pod",
                 WebIdentityToken="not-the-token", status=400)
    expect_error("AccessDenied", sts.assume_role_with_web_identity, RoleArn=ROLE, RoleSessionName="pod",
                 WebIdentityToken="eyJhbGciOiJSUzI1NiJ9.fake-aws-web-identity.c2lnbmF0dXJl", status=403)


def test_unsigned_request_is_refused(fake):
    sts = boto3.client("sts", endpoint_url=fake.url, region_name="us-east-1",
                       config=Config(signature_version=botocore.UNSIGNED))
    expect_error("MissingAuthenticationToken", sts.get_caller_identity, status=403)


# --- Security Hub ----------------------------------------------------------------

def test_securityhub_list_members_paginator(fake):
    sh = assume(fake).client("securityhub", endpoint_url=fake.url)
    pages = walk(sh, "list_members", OnlyAssociated=False, PaginationConfig={"PageSize": 2})
    assert len(pages) == 5, len(pages)
    for page in pages[:-1]:
        token = page["NextToken"]
        assert "+" in token and "/" in token and "=" in token, token
    members = [m for p in pages for m in p["Members"]]
    assert [m["AccountId"] for m in members] == ["1000000000%02d" % i for i in range(1, 10)]
    statuses = {m["MemberStatus"] for m in members}
    assert statuses == {"Enabled", "Created", "Invited", "Removed", "Resigned", "Deleted", "AccountSuspended",
                        "SomethingNew"}, statuses
    two = members[1]
    assert two["Email"] == 'zoë+quote"@example.com ', two["Email"]
    one = members[0]
    assert one["InvitedAt"] == datetime.datetime(2021, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
    assert one["UpdatedAt"] == datetime.datetime(2021, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
    assert members[7]["AdministratorId"] == ADMIN_TWO and members[7]["MasterId"] == ADMIN_TWO
    associated = [m["AccountId"] for p in walk(sh, "list_members") for m in p["Members"]]
    assert associated == ["100000000001", "100000000008"], associated


def test_securityhub_get_members(fake):
    sh = assume(fake).client("securityhub", endpoint_url=fake.url)
    out = sh.get_members(AccountIds=["100000000001", "100000000006", "123456789012"])
    assert [m["AccountId"] for m in out["Members"]] == ["100000000001"]
    reasons = {u["AccountId"]: u["ProcessingResult"] for u in out["UnprocessedAccounts"]}
    assert reasons["100000000006"] == "Account is deleted"
    assert "123456789012" in reasons
    ids = ["2000000000%02d" % i for i in range(51)]
    expect_error("InvalidInputException", sh.get_members, AccountIds=ids, status=400)
    expect_error("InvalidInputException", sh.list_members, MaxResults=51, status=400)
    expect_error("InvalidInputException", sh.list_members, NextToken="not-a-token", status=400)


def test_securityhub_not_subscribed(fake):
    sh = assume(fake, region="eu-west-1").client("securityhub", endpoint_url=fake.url)
    expect_error("InvalidAccessException", sh.list_members, status=401,
                 message="Account 111111111111 is not subscribed to AWS Security Hub")
    expect_error("InvalidAccessException", sh.get_members, AccountIds=["100000000001"], status=401)


def test_opt_in_region_rejects_the_token(fake):
    sh = assume(fake, region="ap-east-1").client("securityhub", endpoint_url=fake.url)
    expect_error("UnrecognizedClientException", sh.list_members, status=403,
                 message="The security token included in the request is invalid")


def test_each_administrator_sees_only_its_own_data(fake):
    two = session("AKIAFAKEADMIN0000002", "admin-two-secret")
    members = [m for p in walk(two.client("securityhub", endpoint_url=fake.url), "list_members",
                               OnlyAssociated=False) for m in p["Members"]]
    assert [m["AccountId"] for m in members] == ["100000000008"], members
    gd = two.client("guardduty", endpoint_url=fake.url)
    assert gd.list_detectors()["DetectorIds"] == []
    expect_error("BadRequestException", gd.list_members, DetectorId=DETECTOR, status=400,
                 message="The request is rejected because the input detectorId is not owned by the current account.")
    dt = two.client("detective", endpoint_url=fake.url)
    assert dt.list_graphs()["GraphList"] == []
    expect_error("ResourceNotFoundException", dt.list_members, GraphArn=GRAPH, status=404)


# --- GuardDuty -------------------------------------------------------------

def test_guardduty_paginators(fake):
    gd = assume(fake).client("guardduty", endpoint_url=fake.url)
    detectors = [d for p in walk(gd, "list_detectors") for d in p["DetectorIds"]]
    assert detectors == [DETECTOR]
    pages = walk(gd, "list_members", DetectorId=DETECTOR, OnlyAssociated="false", PaginationConfig={"PageSize": 2})
    assert len(pages) == 5
    members = [m for p in pages for m in p["Members"]]
    statuses = [m["RelationshipStatus"] for m in members]
    assert statuses == ["Enabled", "Created", "Invited", "Disabled", "Removed", "Resigned",
                        "EmailVerificationInProgress", "EmailVerificationFailed", "Monitored"], statuses
    assert members[0]["InvitedAt"] == "2021-01-02T03:04:05.678Z"
    assert all(m["MasterId"] == ADMIN and len(m["DetectorId"]) == 32 for m in members)
    associated = [m["AccountId"] for p in walk(gd, "list_members", DetectorId=DETECTOR) for m in p["Members"]]
    assert associated == ["100000000001", "100000000004"], associated


def test_guardduty_get_members_and_errors(fake):
    gd = assume(fake).client("guardduty", endpoint_url=fake.url)
    out = gd.get_members(DetectorId=DETECTOR, AccountIds=["100000000007", "123456789012"])
    assert [m["RelationshipStatus"] for m in out["Members"]] == ["EmailVerificationInProgress"]
    assert [u["AccountId"] for u in out["UnprocessedAccounts"]] == ["123456789012"]
    assert out["UnprocessedAccounts"][0]["Result"]
    ids = ["2000000000%02d" % i for i in range(51)]
    expect_error("BadRequestException", gd.get_members, DetectorId=DETECTOR, AccountIds=ids, status=400)
    expect_error("BadRequestException", gd.list_members, DetectorId=DETECTOR_EU, status=400,
                 message="is not owned by the current account")
    expect_error("BadRequestException", gd.list_members, DetectorId="not-a-detector", status=400,
                 message="parameter detectorId has an invalid value")
    expect_error("BadRequestException", gd.list_members, DetectorId=DETECTOR, MaxResults=51, status=400)
    quiet = assume(fake, region="ap-south-1").client("guardduty", endpoint_url=fake.url)
    assert quiet.list_detectors()["DetectorIds"] == []


# --- Detective ---------------------------------------------------------------

def test_detective_operations(fake):
    dt = assume(fake).client("detective", endpoint_url=fake.url)
    graphs = dt.list_graphs(MaxResults=200)["GraphList"]
    assert [g["Arn"] for g in graphs] == [GRAPH]
    assert graphs[0]["CreatedTime"] == datetime.datetime(2020, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.timezone.utc)
    members, token, pages = [], None, 0
    while True:  # botocore has no Detective paginators: follow NextToken by hand
        kwargs = {"GraphArn": GRAPH, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = dt.list_members(**kwargs)
        pages += 1
        members += page["MemberDetails"]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert [m["Status"] for m in members] == ["ENABLED", "INVITED", "VERIFICATION_IN_PROGRESS",
                                              "VERIFICATION_FAILED", "ACCEPTED_BUT_DISABLED"]
    first = members[0]
    assert first["VolumeUsageInBytes"] == 123456789 and first["PercentOfGraphUtilization"] == 12.5
    assert first["VolumeUsageByDatasourcePackage"]["EKS_AUDIT"]["VolumeUsageInBytes"] == 2000
    assert first["DatasourcePackageIngestStates"] == {"DETECTIVE_CORE": "STARTED", "EKS_AUDIT": "STOPPED"}
    assert members[4]["DisabledReason"] == "VOLUME_TOO_HIGH"
    out = dt.get_members(GraphArn=GRAPH, AccountIds=["100000000005", "123456789012"])
    assert [m["AccountId"] for m in out["MemberDetails"]] == ["100000000005"]
    assert [u["AccountId"] for u in out["UnprocessedAccounts"]] == ["123456789012"]
    assert out["UnprocessedAccounts"][0]["Reason"]


def test_detective_errors(fake):
    dt = assume(fake).client("detective", endpoint_url=fake.url)
    e = expect_error("ValidationException", dt.list_members, GraphArn="arn:aws:detective:us-east-1:1:graph:x",
                     status=400)
    assert e.response["ErrorCode"] == "INVALID_GRAPH_ARN", e.response
    other = "arn:aws:detective:us-east-1:111111111111:graph:ffffffffffffffffffffffffffffffff"
    expect_error("ResourceNotFoundException", dt.get_members, GraphArn=other, AccountIds=["100000000001"],
                 status=404)
    ids = ["2000000000%02d" % i for i in range(51)]
    expect_error("ValidationException", dt.get_members, GraphArn=GRAPH, AccountIds=ids, status=400)
    expect_error("ValidationException", dt.list_graphs, MaxResults=201, status=400)
    quiet = assume(fake, region="eu-west-1").client("detective", endpoint_url=fake.url)
    assert quiet.list_graphs()["GraphList"] == []


# --- Organizations -----------------------------------------------------------

def test_organizations_list_accounts(fake):
    org = assume(fake, MGMT_ROLE, None).client("organizations", endpoint_url=fake.url)
    pages = walk(org, "list_accounts", PaginationConfig={"PageSize": 2})
    assert len(pages) == 4
    accounts = [a for p in pages for a in p["Accounts"]]
    assert len(accounts) == 7
    by_id = {a["Id"]: a for a in accounts}
    # Status, retired on 2026-09-09, only where the world still gives it.
    assert by_id["100000000003"]["Status"] == "PENDING_CLOSURE"
    assert by_id["100000000004"]["Status"] == "ACTIVE"
    for account in ("100000000001", "100000000002", "100000000005"):
        assert "Status" not in by_id[account], by_id[account]
    if botocore_has("organizations", "ListAccounts", "Account", "State"):
        assert by_id["100000000002"]["State"] == "SUSPENDED"
        assert "State" not in by_id["100000000004"]
    assert by_id["100000000001"]["JoinedTimestamp"] == datetime.datetime(
        2020, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc), by_id["100000000001"]["JoinedTimestamp"]
    assert by_id["100000000001"]["Arn"] == "arn:aws:organizations::444444444444:account/o-fakeaws0001/100000000001"
    e = expect_error("InvalidInputException", org.list_accounts, MaxResults=21, status=400)
    assert e.response.get("Reason") == "MAX_VALUE_EXCEEDED", e.response
    not_management = assume(fake).client("organizations", endpoint_url=fake.url)
    expect_error("AccessDeniedException", not_management.list_accounts, status=400)


def test_organizations_list_accounts_state(fake):
    # Account.State is newer than Debian's botocore: raw requests, the
    # current model's paginator and shapes.
    creds = assume(fake, MGMT_ROLE, None).get_credentials().get_frozen_credentials()
    pages = walk_raw(lambda **p: list_accounts_raw(fake, creds, **p), "organizations", "ListAccounts",
                     MaxResults=3)
    assert len(pages) == 3, pages
    by_id = {a["Id"]: a for p in pages for a in p["Accounts"]}
    assert len(by_id) == 7
    expected = {  # id: (State, Status); None: the member is absent
        "100000000001": ("ACTIVE", None),
        "100000000002": ("SUSPENDED", None),
        "100000000003": ("PENDING_CLOSURE", "PENDING_CLOSURE"),
        "100000000004": (None, "ACTIVE"),
        "100000000005": (None, None),
        "111111111111": ("ACTIVE", None),
        "444444444444": ("ACTIVE", None),
    }
    for account, (state, status) in expected.items():
        got = by_id[account]
        assert got.get("State") == state and got.get("Status") == status, got
        assert ("State" in got) == (state is not None) and ("Status" in got) == (status is not None), got
    assert by_id["100000000002"]["JoinedMethod"] == "INVITED"
    assert by_id["100000000001"]["JoinedTimestamp"] == 1577934245.678, by_id["100000000001"]


# --- Organization configuration and protection plans ----------------------------

def test_securityhub_describe_organization_configuration(fake):
    sh = assume(fake).client("securityhub", endpoint_url=fake.url)
    out = sh.describe_organization_configuration()
    assert out["AutoEnable"] is True and out["AutoEnableStandards"] == "DEFAULT", out
    assert out["MemberAccountLimitReached"] is False, out
    if botocore_has("securityhub", "DescribeOrganizationConfiguration", "DescribeOrganizationConfigurationResponse",
                    "OrganizationConfiguration"):
        assert out["OrganizationConfiguration"]["ConfigurationType"] == "LOCAL", out
    # OrganizationConfiguration is newer than Debian's botocore: the current model.
    raw = model_call(fake, frozen(assume(fake)), "securityhub", "DescribeOrganizationConfiguration")
    assert raw.status == 200, raw.body
    assert raw.json == {"AutoEnable": True, "AutoEnableStandards": "DEFAULT", "MemberAccountLimitReached": False,
                        "OrganizationConfiguration": {"ConfigurationType": "LOCAL", "Status": "ENABLED",
                                                      "StatusMessage": "Local configuration"}}, raw.json
    # Security Hub's administrator in 222222222222, but not the organization's.
    two = session(*ADMIN_TWO_KEY)
    expect_error("InvalidAccessException", two.client("securityhub", endpoint_url=fake.url).
                 describe_organization_configuration, status=401,
                 message="Account 222222222222 is not an administrator for this organization")
    denied = model_call(fake, frozen(two), "securityhub", "DescribeOrganizationConfiguration")
    assert denied.status == 401 and denied.error_code() == "InvalidAccessException", denied.body
    assert denied.json["Message"] == "Account 222222222222 is not an administrator for this organization"
    not_subscribed = assume(fake, region="eu-west-1").client("securityhub", endpoint_url=fake.url)
    expect_error("InvalidAccessException", not_subscribed.describe_organization_configuration, status=401,
                 message="Account 111111111111 is not subscribed to AWS Security Hub")
    log = [e for e in fake.log()
           if e["service"] == "securityhub" and e["operation"] == "DescribeOrganizationConfiguration"]
    assert len(log) >= 5 and {e["status"] for e in log} == {200, 401}, log


NOT_GUARDDUTY_ADMINISTRATOR = ("The request failed because the account is not the GuardDuty delegated "
                               "administrator for this organization.")
NOT_DETECTIVE_ADMINISTRATOR = ("The request was rejected because the account is not the Detective administrator "
                               "account for the organization.")
GUARDDUTY_FEATURES = [
    {"name": "RUNTIME_MONITORING", "autoEnable": "ALL",
     "additionalConfiguration": [{"name": "ECS_FARGATE_AGENT_MANAGEMENT", "autoEnable": "NONE"},
                                 {"name": "EKS_ADDON_MANAGEMENT", "autoEnable": "NEW"}]},
    {"name": "S3_DATA_EVENTS", "autoEnable": "NEW"},
    {"name": "EBS_MALWARE_PROTECTION", "autoEnable": "NONE"},
]


def test_guardduty_describe_organization_configuration(fake):
    gd = assume(fake).client("guardduty", endpoint_url=fake.url)
    out = gd.describe_organization_configuration(DetectorId=DETECTOR)
    assert out["AutoEnable"] is True and out["MemberAccountLimitReached"] is False, out
    assert out["DataSources"]["S3Logs"]["AutoEnable"] is True, out
    if botocore_has("guardduty", "DescribeOrganizationConfiguration", "DescribeOrganizationConfigurationResponse",
                    "Features"):
        assert [f["Name"] for f in out["Features"]] == [f["name"] for f in GUARDDUTY_FEATURES], out
    # Features, autoEnableOrganizationMembers and the paging by maxResults are
    # newer than Debian's botocore: the current model, page by page.
    creds = frozen(assume(fake))
    pages, params = [], {"MaxResults": 1}
    while len(pages) < 10:
        response = model_call(fake, creds, "guardduty", "DescribeOrganizationConfiguration", DetectorId=DETECTOR,
                              **params)
        assert response.status == 200, response.body
        pages.append(response.json)
        if "nextToken" not in response.json:
            break
        token = response.json["nextToken"]
        assert "+" in token and "/" in token and "=" in token, token
        params["NextToken"] = token
    assert len(pages) == 3, pages
    assert [f for p in pages for f in p["features"]] == GUARDDUTY_FEATURES, pages
    for page in pages:
        assert page["autoEnable"] is True and page["autoEnableOrganizationMembers"] == "NEW", page
        assert page["memberAccountLimitReached"] is False, page
        assert page["dataSources"] == {"s3Logs": {"autoEnable": True}}, page
    whole = model_call(fake, creds, "guardduty", "DescribeOrganizationConfiguration", DetectorId=DETECTOR)
    assert whole.json["features"] == GUARDDUTY_FEATURES and "nextToken" not in whole.json, whole.json
    for bad in (0, 51):
        response = model_call(fake, creds, "guardduty", "DescribeOrganizationConfiguration", DetectorId=DETECTOR,
                              MaxResults=bad)
        assert response.status == 400 and response.error_code() == "BadRequestException", response.body
        assert response.json["message"] == (
            "The request is rejected because the parameter maxResults has an invalid value."), response.json
    # GuardDuty runs in eu-west-1, but its delegated administrator is elsewhere.
    eu = assume(fake, region="eu-west-1")
    eu_guardduty = eu.client("guardduty", endpoint_url=fake.url)
    expect_error("BadRequestException", eu_guardduty.describe_organization_configuration, DetectorId=DETECTOR_EU,
                 status=400, message=NOT_GUARDDUTY_ADMINISTRATOR)
    denied = model_call(fake, frozen(eu), "guardduty", "DescribeOrganizationConfiguration", region="eu-west-1",
                        DetectorId=DETECTOR_EU)
    assert denied.status == 400 and denied.json["__type"] == "InvalidInputException", denied.body
    assert denied.json["message"] == NOT_GUARDDUTY_ADMINISTRATOR, denied.json
    expect_error("BadRequestException", gd.describe_organization_configuration, DetectorId=DETECTOR_EU, status=400,
                 message="is not owned by the current account")


def test_guardduty_get_member_detectors(fake):
    gd = assume(fake).client("guardduty", endpoint_url=fake.url)
    ids = ["100000000001", "100000000002", "100000000003", "123456789012"]
    out = gd.get_member_detectors(DetectorId=DETECTOR, AccountIds=ids)
    configurations = {m["AccountId"]: m for m in out["MemberDataSourceConfigurations"]}
    assert list(configurations) == ["100000000001", "100000000002"], out
    for account, s3 in (("100000000001", "DISABLED"), ("100000000002", "ENABLED")):
        sources = configurations[account]["DataSources"]
        assert sources["S3Logs"]["Status"] == s3, sources
        for always_on in ("CloudTrail", "DNSLogs", "FlowLogs"):
            assert sources[always_on]["Status"] == "ENABLED", sources
    assert {u["AccountId"]: u["Result"] for u in out["UnprocessedAccounts"]} == {
        "100000000003": "The member account's detector is suspended.",
        "123456789012":
            "The request is rejected because the given account ID is not associated with the current account.",
    }, out["UnprocessedAccounts"]
    entry = [e for e in fake.log() if e["operation"] == "GetMemberDetectors"][-1]
    assert entry["batch_size"] == 4 and entry["status"] == 200 and entry["service"] == "guardduty", entry
    # Members' features are newer than Debian's botocore: the current model.
    raw = model_call(fake, frozen(assume(fake)), "guardduty", "GetMemberDetectors", DetectorId=DETECTOR, AccountIds=ids)
    assert raw.status == 200, raw.body
    members = {m["accountId"]: m for m in raw.json["members"]}
    assert members["100000000001"]["features"] == [
        {"name": "RUNTIME_MONITORING", "status": "ENABLED", "updatedAt": 1612325106},
        {"name": "S3_DATA_EVENTS", "status": "DISABLED", "updatedAt": 1612325106}], members
    assert "features" not in members["100000000002"], members
    none = gd.get_member_detectors(DetectorId=DETECTOR, AccountIds=["123456789012"])
    assert none["MemberDataSourceConfigurations"] == [] and len(none["UnprocessedAccounts"]) == 1, none
    too_many = ["2000000000%02d" % i for i in range(51)]
    expect_error("BadRequestException", gd.get_member_detectors, DetectorId=DETECTOR, AccountIds=too_many, status=400)
    assert fake.log()[-1]["batch_size"] == 51 and fake.log()[-1]["operation"] == "GetMemberDetectors", fake.log()[-1]


def test_detective_describe_organization_configuration(fake):
    dt = assume(fake).client("detective", endpoint_url=fake.url)
    assert dt.describe_organization_configuration(GraphArn=GRAPH)["AutoEnable"] is True
    raw = model_call(fake, frozen(assume(fake)), "detective", "DescribeOrganizationConfiguration", GraphArn=GRAPH)
    assert raw.status == 200 and raw.json == {"AutoEnable": True}, raw.body
    south = assume(fake, region="ap-south-1")
    south_detective = south.client("detective", endpoint_url=fake.url)
    expect_error("AccessDeniedException", south_detective.describe_organization_configuration, GraphArn=GRAPH_SOUTH,
                 status=403, message=NOT_DETECTIVE_ADMINISTRATOR)
    denied = model_call(fake, frozen(south), "detective", "DescribeOrganizationConfiguration", region="ap-south-1",
                        GraphArn=GRAPH_SOUTH)
    assert denied.status == 403 and denied.error_code() == "AccessDeniedException", denied.body
    assert denied.json["Message"] == NOT_DETECTIVE_ADMINISTRATOR, denied.json
    expect_error("ResourceNotFoundException", dt.describe_organization_configuration, GraphArn=GRAPH_SOUTH, status=404)
    e = expect_error("ValidationException", dt.describe_organization_configuration,
                     GraphArn="arn:aws:detective:us-east-1:1:graph:x", status=400)
    assert e.response["ErrorCode"] == "INVALID_GRAPH_ARN", e.response


def test_organizations_list_delegated_administrators(fake):
    org = assume(fake, MGMT_ROLE, None).client("organizations", endpoint_url=fake.url)
    pages = walk(org, "list_delegated_administrators", PaginationConfig={"PageSize": 1})
    assert len(pages) == 3, pages
    admins = [a for p in pages for a in p["DelegatedAdministrators"]]
    assert [a["Id"] for a in admins] == ["100000000001", "100000000003", "222222222222"], admins
    one, three, two = admins
    assert one["Arn"] == "arn:aws:organizations::444444444444:account/o-fakeaws0001/100000000001", one
    assert one["Email"] == "one@example.com" and one["Name"] == "One" and one["JoinedMethod"] == "CREATED", one
    assert one["JoinedTimestamp"] == datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc), one
    assert one["DelegationEnabledDate"] == datetime.datetime(2021, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc), one
    assert "Status" not in one and three["Status"] == "PENDING_CLOSURE", (one, three)
    assert three["DelegationEnabledDate"] == datetime.datetime(2020, 6, 1, tzinfo=datetime.timezone.utc), three
    # Not among the organization's accounts: Id and Arn (and State, when botocore knows it).
    assert set(two) <= {"Id", "Arn", "State"} and {"Id", "Arn"} <= set(two), two
    guardduty = walk(org, "list_delegated_administrators", ServicePrincipal="guardduty.amazonaws.com",
                     PaginationConfig={"PageSize": 1})
    assert len(guardduty) == 2, guardduty
    assert [a["Id"] for p in guardduty for a in p["DelegatedAdministrators"]] == ["100000000003", "222222222222"]
    assert [a["Id"] for p in walk(org, "list_delegated_administrators", ServicePrincipal="inspector2.amazonaws.com")
            for a in p["DelegatedAdministrators"]] == []
    e = expect_error("InvalidInputException", org.list_delegated_administrators, ServicePrincipal="guardduty",
                     status=400, message="unrecognized service principal")
    assert e.response.get("Reason") == "UNRECOGNIZED_SERVICE_PRINCIPAL", e.response
    e = expect_error("InvalidInputException", org.list_delegated_administrators, MaxResults=21, status=400)
    assert e.response.get("Reason") == "MAX_VALUE_EXCEEDED", e.response
    # Who may call: the management account and any delegated administrator.
    not_delegated = assume(fake).client("organizations", endpoint_url=fake.url)
    expect_error("AccessDeniedException", not_delegated.list_delegated_administrators, status=400)
    delegated = session(*ADMIN_TWO_KEY).client("organizations", endpoint_url=fake.url)
    assert len(delegated.list_delegated_administrators()["DelegatedAdministrators"]) == 3
    assert len(delegated.list_accounts()["Accounts"]) == 7
    log = [e for e in fake.log() if e["operation"] == "ListDelegatedAdministrators"]
    assert log and all(e["service"] == "organizations" for e in log), log


def test_organizations_list_delegated_administrators_state(fake):
    # DelegatedAdministrator.State is newer than Debian's botocore: raw
    # requests, the current model's paginator and shapes.
    creds = frozen(assume(fake, MGMT_ROLE, None))
    call = lambda **p: model_call(fake, creds, "organizations", "ListDelegatedAdministrators", **p)
    pages = walk_raw(call, "organizations", "ListDelegatedAdministrators", MaxResults=2)
    assert len(pages) == 2, pages
    by_id = {a["Id"]: a for p in pages for a in p["DelegatedAdministrators"]}
    assert by_id["222222222222"] == {
        "Id": "222222222222", "Arn": "arn:aws:organizations::444444444444:account/o-fakeaws0001/222222222222",
        "State": "ACTIVE"}, by_id["222222222222"]
    assert by_id["100000000003"]["State"] == "PENDING_CLOSURE", by_id["100000000003"]
    assert by_id["100000000001"]["State"] == "ACTIVE" and by_id["100000000001"]["DelegationEnabledDate"] == 1612325106
    unknown = call(ServicePrincipal="not a principal")
    assert unknown.status == 400 and unknown.json["Reason"] == "UNRECOGNIZED_SERVICE_PRINCIPAL", unknown.body
    denied = model_call(fake, frozen(assume(fake)), "organizations", "ListDelegatedAdministrators")
    assert denied.status == 400 and denied.error_code() == "AccessDeniedException", denied.body


# --- Inspector and Macie ------------------------------------------------------------

INSPECTOR_STATUSES = ["ENABLED", "INVITED", "DISABLED", "REMOVED", "ENABLED", "CANNOT_CREATE_DETECTOR_IN_ORG_MASTER",
                      "ENABLED"]
MACIE_STATUSES = ["Enabled", "Paused", "Invited", "Removed", "RegionDisabled", "AccountSuspended"]
NOT_INSPECTOR_ADMINISTRATOR = ("The request was rejected because the account is not the Amazon Inspector delegated "
                               "administrator for the organization.")
NOT_MACIE_ADMINISTRATOR = ("The request was rejected because the account is not the Amazon Macie administrator "
                           "account for the organization.")
UTC = datetime.timezone.utc


def test_inspector2_list_members_paginator(fake):
    inspector = assume(fake).client("inspector2", endpoint_url=fake.url)
    pages = walk(inspector, "list_members", onlyAssociated=False, PaginationConfig={"PageSize": 2})
    assert len(pages) == 4, pages
    for page in pages[:-1]:
        token = page["nextToken"]
        assert "+" in token and "/" in token and "=" in token, token
    assert "nextToken" not in pages[-1]
    members = [m for p in pages for m in p["members"]]
    assert [m["accountId"] for m in members] == ["1000000000%02d" % i for i in range(1, 8)], members
    assert [m["relationshipStatus"] for m in members] == INSPECTOR_STATUSES, members
    assert members[0]["updatedAt"] == datetime.datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC), members[0]
    assert members[2]["updatedAt"] == datetime.datetime(2021, 2, 3, 4, 5, 6, 789000, tzinfo=UTC), members[2]
    assert "updatedAt" not in members[1] and "email" not in members[0], members
    assert [m["delegatedAdminAccountId"] for m in members] == [ADMIN] * 4 + [ADMIN_TWO] + [ADMIN] * 2, members
    associated = [m["accountId"] for p in walk(inspector, "list_members", onlyAssociated=True) for m in p["members"]]
    assert associated == ["100000000001", "100000000005", "100000000007"], associated
    # The current model's paginator, its shapes and the body it sends.
    creds = frozen(assume(fake))
    raw = walk_raw(lambda **p: model_call(fake, creds, "inspector2", "ListMembers", **p), "inspector2",
                   "ListMembers", onlyAssociated=False, maxResults=3)
    assert len(raw) == 3, raw
    assert [m["accountId"] for p in raw for m in p["members"]] == [m["accountId"] for m in members]
    assert raw[0]["members"][0]["updatedAt"] == 1612325106, raw[0]
    e = expect_error("ValidationException", inspector.list_members, maxResults=51, status=400,
                     message="Member must have value less than or equal to 50")
    assert e.response.get("reason") == "FIELD_VALIDATION_FAILED", e.response
    low = model_call(fake, creds, "inspector2", "ListMembers", maxResults=0)
    assert low.status == 400 and low.json["fields"][0]["name"] == "maxResults", low.body
    expect_error("ValidationException", inspector.list_members, nextToken="not-a-token", status=400)
    log = [e for e in fake.log()
           if e["service"] == "inspector2" and e["operation"] == "ListMembers" and e["region"] == "us-east-1"]
    assert len(log) >= 9 and {e["status"] for e in log} == {200, 400}, log


def test_inspector2_describe_organization_configuration(fake):
    inspector = assume(fake).client("inspector2", endpoint_url=fake.url)
    out = inspector.describe_organization_configuration()  # boto3 sends no body
    assert out["autoEnable"]["ec2"] is True and out["autoEnable"]["ecr"] is True, out
    assert out["autoEnable"]["lambda"] is True and out["maxAccountLimitReached"] is False, out
    if botocore_has("inspector2", "DescribeOrganizationConfiguration", "AutoEnable", "lambdaCode"):
        assert out["autoEnable"]["lambdaCode"] is False, out
    # lambdaCode and codeRepository are newer than Debian's botocore: the current model.
    raw = model_call(fake, frozen(assume(fake)), "inspector2", "DescribeOrganizationConfiguration")
    assert raw.status == 200, raw.body
    assert raw.json == {"autoEnable": {"ec2": True, "ecr": True, "lambda": True, "lambdaCode": False,
                                       "codeRepository": True}, "maxAccountLimitReached": False}, raw.json
    # Inspector runs in eu-west-1, but the organization's administrator is elsewhere.
    eu = assume(fake, region="eu-west-1")
    expect_error("AccessDeniedException", eu.client("inspector2", endpoint_url=fake.url).
                 describe_organization_configuration, status=403, message=NOT_INSPECTOR_ADMINISTRATOR)
    denied = model_call(fake, frozen(eu), "inspector2", "DescribeOrganizationConfiguration", region="eu-west-1")
    assert denied.status == 403 and denied.json == {"message": NOT_INSPECTOR_ADMINISTRATOR}, denied.body
    # Not enabled in ap-south-1: AccessDenied too, in other words.
    south = assume(fake, region="ap-south-1").client("inspector2", endpoint_url=fake.url)
    not_enabled = "Amazon Inspector is not enabled for account 111111111111 in ap-south-1."
    expect_error("AccessDeniedException", south.describe_organization_configuration, status=403, message=not_enabled)
    expect_error("AccessDeniedException", south.list_members, status=403, message=not_enabled)
    log = [e for e in fake.log()
           if e["service"] == "inspector2" and e["operation"] == "DescribeOrganizationConfiguration"]
    assert len(log) >= 4 and {e["status"] for e in log} == {200, 403}, log


def test_inspector2_batch_get_account_status(fake):
    inspector = assume(fake).client("inspector2", endpoint_url=fake.url)
    ids = ["100000000001", "100000000003", "100000000006", "123456789012", "100000000007"]
    out = inspector.batch_get_account_status(accountIds=ids)
    accounts = {a["accountId"]: a for a in out["accounts"]}
    assert list(accounts) == ["100000000001", "100000000003", "100000000007"], out
    one = accounts["100000000001"]
    assert one["state"] == {"status": "ENABLED", "errorCode": "ALREADY_ENABLED",
                            "errorMessage": "Amazon Inspector is enabled."}, one
    for resource in ("ec2", "ecr", "lambda"):
        assert one["resourceState"][resource]["status"] == "ENABLED", one
    seven = accounts["100000000007"]
    assert seven["state"]["status"] == "DISABLED", seven
    assert seven["resourceState"]["ecr"]["errorCode"] == "ACCOUNT_IS_ISOLATED", seven
    failed = {f["accountId"]: f for f in out["failedAccounts"]}
    assert list(failed) == ["100000000006", "123456789012"], out
    assert failed["100000000006"] == {"accountId": "100000000006", "errorCode": "ACCESS_DENIED",
                                      "errorMessage": "The member account is isolated."}, failed
    entry = fake.log()[-1]
    assert entry["operation"] == "BatchGetAccountStatus" and entry["batch_size"] == 5, entry
    assert entry["service"] == "inspector2" and entry["status"] == 200, entry
    # lambdaCode and codeRepository are newer than Debian's botocore: the current model.
    creds = frozen(assume(fake))
    raw = model_call(fake, creds, "inspector2", "BatchGetAccountStatus", accountIds=ids)
    assert raw.status == 200, raw.body
    state = raw.json["accounts"][0]["resourceState"]
    assert state["lambdaCode"] == {"status": "ENABLED", "errorCode": "ALREADY_ENABLED",
                                   "errorMessage": "Amazon Inspector scanning of lambdaCode is enabled."}, state
    assert state["codeRepository"]["status"] == "ENABLING", state
    assert state["codeRepository"]["errorCode"] == "ENABLE_IN_PROGRESS", state
    # No account IDs: the caller's own account.
    own = inspector.batch_get_account_status()
    assert [a["accountId"] for a in own["accounts"]] == [ADMIN] and own["failedAccounts"] == [], own
    too_many = ["2000000001%02d" % i for i in range(100)] + ["200000000200"]
    e = expect_error("ValidationException", inspector.batch_get_account_status, accountIds=too_many, status=400,
                     message="Member must have length less than or equal to 100")
    assert e.response.get("reason") == "FIELD_VALIDATION_FAILED", e.response
    assert fake.log()[-1]["batch_size"] == 101, fake.log()[-1]
    assert len(inspector.batch_get_account_status(accountIds=too_many[:100])["failedAccounts"]) == 100
    pattern = model_call(fake, creds, "inspector2", "BatchGetAccountStatus", accountIds=["12345678901x"])
    assert pattern.status == 400 and pattern.json["reason"] == "FIELD_VALIDATION_FAILED", pattern.body
    south = assume(fake, region="ap-south-1").client("inspector2", endpoint_url=fake.url)
    expect_error("AccessDeniedException", south.batch_get_account_status, accountIds=["100000000001"], status=403)


def test_macie2_list_members_paginator(fake):
    macie = assume(fake).client("macie2", endpoint_url=fake.url)
    pages = walk(macie, "list_members", onlyAssociated="false", PaginationConfig={"PageSize": 2})
    assert len(pages) == 3, pages
    for page in pages[:-1]:
        token = page["nextToken"]
        assert "+" in token and "/" in token and "=" in token, token
    members = [m for p in pages for m in p["members"]]
    assert [m["accountId"] for m in members] == ["1000000000%02d" % i for i in range(1, 7)], members
    assert [m["relationshipStatus"] for m in members] == MACIE_STATUSES, members
    one = members[0]
    assert one["email"] == "one@example.com" and one["administratorAccountId"] == ADMIN, one
    assert one["arn"] == "arn:aws:macie2:us-east-1:111111111111:member/100000000001", one
    assert one["invitedAt"] == datetime.datetime(2021, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), one
    assert one["updatedAt"] == datetime.datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC), one
    assert members[1]["updatedAt"] == datetime.datetime(2021, 2, 3, 4, 5, 6, 500000, tzinfo=UTC), members[1]
    assert "email" not in members[1] and "invitedAt" not in members[1], members[1]
    assert members[5]["administratorAccountId"] == ADMIN_TWO and members[5]["masterAccountId"] == ADMIN_TWO
    current = [m["accountId"] for p in walk(macie, "list_members") for m in p["members"]]
    assert current == ["100000000001", "100000000002"], current
    # The current model's paginator and shapes: ISO 8601 strings on the wire.
    creds = frozen(assume(fake))
    raw = walk_raw(lambda **p: model_call(fake, creds, "macie2", "ListMembers", **p), "macie2", "ListMembers",
                   onlyAssociated="false", maxResults=4)
    assert len(raw) == 2, raw
    assert raw[0]["members"][0]["invitedAt"] == "2021-01-02T03:04:05.678Z", raw[0]
    expect_error("ValidationException", macie.list_members, maxResults=26, status=400,
                 message="Member must have value less than or equal to 25")
    expect_error("ValidationException", macie.list_members, nextToken="not-a-token", status=400)
    log = [e for e in fake.log()
           if e["service"] == "macie2" and e["operation"] == "ListMembers" and e["region"] == "us-east-1"]
    assert len(log) >= 8 and {e["status"] for e in log} == {200, 400}, log


def test_macie2_describe_organization_configuration(fake):
    macie = assume(fake).client("macie2", endpoint_url=fake.url)
    out = macie.describe_organization_configuration()
    assert out["autoEnable"] is True and out["maxAccountLimitReached"] is False, out
    raw = model_call(fake, frozen(assume(fake)), "macie2", "DescribeOrganizationConfiguration")
    assert raw.status == 200 and raw.json == {"autoEnable": True, "maxAccountLimitReached": False}, raw.body
    # Macie runs in ap-south-1, but the organization's administrator is elsewhere.
    south = assume(fake, region="ap-south-1")
    expect_error("AccessDeniedException", south.client("macie2", endpoint_url=fake.url).
                 describe_organization_configuration, status=403, message=NOT_MACIE_ADMINISTRATOR)
    denied = model_call(fake, frozen(south), "macie2", "DescribeOrganizationConfiguration", region="ap-south-1")
    assert denied.status == 403 and denied.json == {"message": NOT_MACIE_ADMINISTRATOR}, denied.body
    # Not enabled in eu-west-1: "Macie is not enabled.", as AWS says it.
    eu = assume(fake, region="eu-west-1")
    expect_error("AccessDeniedException", eu.client("macie2", endpoint_url=fake.url).
                 describe_organization_configuration, status=403, message="Macie is not enabled.")
    off = model_call(fake, frozen(eu), "macie2", "ListMembers", region="eu-west-1", onlyAssociated="false")
    assert off.status == 403 and off.json == {"message": "Macie is not enabled."}, off.body


# --- Account ------------------------------------------------------------------

ADMIN_REGIONS = [("af-south-1", "DISABLING"), ("ap-east-1", "DISABLED"), ("eu-south-1", "ENABLED"),
                 ("eu-west-1", "ENABLED_BY_DEFAULT"), ("me-central-1", "ENABLING"), ("us-east-1", "ENABLED_BY_DEFAULT")]
DEFAULT_REGIONS = ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
                   "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
                   "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"]


def regions_of(pages):
    return [(r["RegionName"], r["RegionOptStatus"]) for p in pages for r in p["Regions"]]


def test_account_list_regions_paginator(fake):
    creds = assume(fake).get_credentials().get_frozen_credentials()
    call = lambda **p: list_regions(fake, creds, **p)
    pages = walk_raw(call, "account", "ListRegions", MaxResults=2)
    assert len(pages) == 3, pages
    for page in pages[:-1]:
        token = page["NextToken"]
        assert "+" in token and "/" in token and "=" in token, token
    assert "NextToken" not in pages[-1]
    assert regions_of(pages) == ADMIN_REGIONS, regions_of(pages)
    assert regions_of([call().json]) == ADMIN_REGIONS  # one page of 20 by default
    enabled = walk_raw(call, "account", "ListRegions", RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"],
                       MaxResults=1)
    assert regions_of(enabled) == [r for r in ADMIN_REGIONS if r[1] in ("ENABLED", "ENABLED_BY_DEFAULT")]
    assert len(enabled) == 3
    # An account without regions of its own: the 17 default regions, and the
    # world's opt-in region disabled.
    base = session().get_credentials().get_frozen_credentials()
    pages = walk_raw(lambda **p: list_regions(fake, base, **p), "account", "ListRegions")
    assert len(pages) == 1
    assert regions_of(pages) == sorted([(r, "ENABLED_BY_DEFAULT") for r in DEFAULT_REGIONS] +
                                       [("ap-east-1", "DISABLED")]), regions_of(pages)
    if botocore_has("account", "ListRegions"):
        client = assume(fake).client("account", endpoint_url=fake.url)
        walked = walk(client, "list_regions", PaginationConfig={"PageSize": 2})
        assert [(r["RegionName"], r["RegionOptStatus"]) for p in walked for r in p["Regions"]] == ADMIN_REGIONS
    log = [e for e in fake.log() if e["service"] == "account"]
    assert log and all(e["operation"] == "ListRegions" and e["region"] == "us-east-1" for e in log), log
    assert {ADMIN, "999999999999"} <= {e["account_id"] for e in log}, log


def test_account_list_regions_errors(fake):
    creds = assume(fake).get_credentials().get_frozen_credentials()
    for params, field in (({"MaxResults": 51}, "MaxResults"), ({"MaxResults": 0}, "MaxResults"),
                          ({"RegionOptStatusContains": ["ENABLED", "BOGUS"]}, "RegionOptStatusContains"),
                          ({"NextToken": "not-a-token"}, "NextToken"), ({"AccountId": "12345"}, "AccountId")):
        response = list_regions(fake, creds, **params)
        assert response.status == 400 and response.error_code() == "ValidationException", response.body
        assert response.json["reason"] == "fieldValidationFailed", response.json
        assert response.json["fieldList"][0]["name"] == field, response.json
    denied = list_regions(fake, botocore.credentials.ReadOnlyCredentials(*ADMIN_TWO_KEY, None))
    assert denied.status == 403 and denied.error_code() == "AccessDeniedException", denied.body
    assert "account:ListRegions" in denied.json["message"], denied.json
    other = list_regions(fake, creds, AccountId=ADMIN_TWO)
    assert other.status == 403 and other.error_code() == "AccessDeniedException", other.body
    management = assume(fake, MGMT_ROLE, None).get_credentials().get_frozen_credentials()
    managed = list_regions(fake, management, AccountId=ADMIN, RegionOptStatusContains=["DISABLED"])
    assert managed.status == 200 and regions_of([managed.json]) == [("ap-east-1", "DISABLED")], managed.body


# --- Signatures and credentials ---------------------------------------------

def tamper(request, **kwargs):
    auth = request.headers["Authorization"]
    if isinstance(auth, bytes):
        auth = auth.decode()
    request.headers["Authorization"] = auth[:-1] + ("0" if auth[-1] != "0" else "1")


def test_tampered_signature_is_rejected(fake):
    sh = assume(fake).client("securityhub", endpoint_url=fake.url, config=NO_RETRY)
    sh.meta.events.register("before-send.securityhub.*", tamper)
    e = expect_error("InvalidSignatureException", sh.list_members, status=403,
                     message="The request signature we calculated does not match the signature you provided")
    assert "The Canonical String for this request should have been\n'GET\n/members\n" in e.response["Error"]["Message"]
    sts = session().client("sts", endpoint_url=fake.url, config=NO_RETRY)
    sts.meta.events.register("before-send.sts.*", tamper)
    expect_error("SignatureDoesNotMatch", sts.get_caller_identity, status=403)
    org = session().client("organizations", endpoint_url=fake.url, config=NO_RETRY)
    org.meta.events.register("before-send.organizations.*", tamper)
    expect_error("InvalidSignatureException", org.list_accounts, status=400)


def test_wrong_secret_unknown_key_and_tokens(fake):
    wrong = session(BASE_KEY, "not-the-secret")
    expect_error("SignatureDoesNotMatch", wrong.client("sts", endpoint_url=fake.url).get_caller_identity, status=403)
    expect_error("InvalidSignatureException", wrong.client("guardduty", endpoint_url=fake.url).list_detectors,
                 status=403)
    unknown = session("AKIAUNKNOWNKEY000000", "x")
    expect_error("InvalidClientTokenId", unknown.client("sts", endpoint_url=fake.url).get_caller_identity,
                 status=403, message="The security token included in the request is invalid")
    expect_error("UnrecognizedClientException", unknown.client("detective", endpoint_url=fake.url).list_graphs,
                 status=403)
    creds = assume(fake).get_credentials()
    without_token = session(creds.access_key, creds.secret_key)
    expect_error("UnrecognizedClientException",
                 without_token.client("securityhub", endpoint_url=fake.url).list_members, status=403)
    wrong_token = session(creds.access_key, creds.secret_key, creds.token[:-4] + "AAAA")
    expect_error("InvalidClientTokenId", wrong_token.client("sts", endpoint_url=fake.url).get_caller_identity,
                 status=403)


def test_expired_credentials(fake):
    expired = session("ASIAFAKEEXPIRED00001", "expired-secret", "expired-session-token")
    expect_error("ExpiredToken", expired.client("sts", endpoint_url=fake.url).get_caller_identity, status=400)
    expect_error("ExpiredTokenException", expired.client("securityhub", endpoint_url=fake.url).list_members,
                 status=403, message="expired")


def test_clock_skew_beyond_15_minutes(fake):
    class Skewed(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)

    gd = session().client("guardduty", endpoint_url=fake.url, config=NO_RETRY)
    with unittest.mock.patch.object(botocore.auth.datetime, "datetime", Skewed):
        expect_error("InvalidSignatureException", gd.list_detectors, status=403, message="Signature expired")
    sts = session().client("sts", endpoint_url=fake.url, config=NO_RETRY)
    with unittest.mock.patch.object(botocore.auth.datetime, "datetime", Skewed):
        expect_error("SignatureDoesNotMatch", sts.get_caller_identity, status=403, message="Signature expired")


def test_instance_metadata_v2(fake):
    fetcher = botocore.utils.InstanceMetadataFetcher(
        timeout=5, num_attempts=1, env={}, config={"ec2_metadata_service_endpoint": fake.url})
    provider = botocore.credentials.InstanceMetadataProvider(iam_role_fetcher=fetcher)
    creds = provider.load()
    assert creds is not None, "IMDS gave no credentials"
    frozen = creds.get_frozen_credentials()
    who = session(frozen.access_key, frozen.secret_key, frozen.token).client(
        "sts", endpoint_url=fake.url).get_caller_identity()
    assert who["Account"] == ADMIN
    try:
        urllib.request.urlopen(fake.url + "/latest/meta-data/iam/security-credentials/", timeout=5)
        raise AssertionError("IMDSv1 request was answered")
    except urllib.error.HTTPError as e:
        assert e.code == 401, e.code


def test_container_credentials(fake):
    provider = botocore.credentials.ContainerProvider(environ={
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.url + "/ecs/credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-secret-token"})
    frozen = provider.load().get_frozen_credentials()
    who = session(frozen.access_key, frozen.secret_key, frozen.token).client(
        "sts", endpoint_url=fake.url).get_caller_identity()
    assert who["Account"] == ADMIN
    request = urllib.request.Request(fake.url + "/ecs/credentials", headers={"Authorization": "wrong"})
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("a wrong container token was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code


def test_request_log(fake):
    sh = assume(fake).client("securityhub", endpoint_url=fake.url)
    sh.get_members(AccountIds=["100000000001", "100000000002", "100000000003"])
    entries = [e for e in fake.log() if e["operation"] == "GetMembers" and e["service"] == "securityhub"]
    last = entries[-1]
    assert last["batch_size"] == 3 and last["status"] == 200 and last["account_id"] == ADMIN, last
    assert last["region"] == "us-east-1" and last["attempt"] == 1, last


# --- Faults (a second server) ---------------------------------------------------

def test_faults_and_throttling(binary, world):
    fake = FakeAws(binary, world,
                   "--throttle", "securityhub=1:2",
                   "--fault", "securityhub.GetMembers@ap-south-1:error_rate=1",
                   "--fault", "guardduty.ListDetectors@us-east-1:reset_rate=1",
                   "--fault", "guardduty.ListDetectors@eu-west-1:truncate_rate=1",
                   "--fault", "detective.ListGraphs@us-east-1:trickle_rate=1,trickle_ms=400",
                   "--fault", "detective.ListGraphs@eu-west-1:latency_ms=1500",
                   "--fault", "account.ListRegions:error_rate=1",
                   "--fault", "inspector2.BatchGetAccountStatus:throttle_rate=1",
                   "--fault", "macie2.ListMembers@us-east-1:error_rate=1")
    try:
        creds = assume(fake).get_credentials().get_frozen_credentials()

        def client(service, region="us-east-1", config=NO_RETRY):
            return session(creds.access_key, creds.secret_key, creds.token, region).client(
                service, endpoint_url=fake.url, config=config)

        sh = client("securityhub")
        sh.list_members()
        sh.list_members()
        expect_error("LimitExceededException", sh.list_members, status=429)
        retrying = client("securityhub", config=Config(retries={"total_max_attempts": 5, "mode": "standard"}))
        retrying.list_members()  # retried after the bucket refills
        throttled = [e for e in fake.log() if e["fault"] == "throttle"]
        assert len(throttled) >= 2, throttled
        assert any(e["attempt"] and e["attempt"] > 1 and e["status"] == 200 for e in fake.log()), fake.log()

        expect_error("InternalException", client("securityhub", "ap-south-1").get_members,
                     AccountIds=["100000000001"], status=500)
        try:
            client("guardduty").list_detectors()
            raise AssertionError("a reset connection gave an answer")
        except (botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError):
            pass
        try:
            client("guardduty", "eu-west-1").list_detectors()
            raise AssertionError("a truncated body gave an answer")
        except (botocore.exceptions.ConnectionClosedError, botocore.exceptions.ReadTimeoutError,
                botocore.exceptions.ResponseStreamingError if hasattr(botocore.exceptions, "ResponseStreamingError")
                else botocore.exceptions.ConnectionClosedError):
            pass
        started = time.monotonic()
        graphs = client("detective").list_graphs()["GraphList"]
        assert len(graphs) == 1 and time.monotonic() - started >= 3.5, time.monotonic() - started
        slow = client("detective", "eu-west-1", Config(read_timeout=0.5, retries={"total_max_attempts": 1}))
        try:
            slow.list_graphs()
            raise AssertionError("latency beyond the read timeout gave an answer")
        except botocore.exceptions.ReadTimeoutError:
            pass
        failed = list_regions(fake, creds)
        assert failed.status == 500 and failed.error_code() == "InternalServerException", failed.body
        assert fake.log()[-1]["fault"] == "error" and fake.log()[-1]["service"] == "account", fake.log()[-1]
        expect_error("ThrottlingException", client("inspector2").batch_get_account_status,
                     accountIds=["100000000001"], status=429, message="Rate exceeded")
        assert fake.log()[-1]["operation"] == "BatchGetAccountStatus" and fake.log()[-1]["fault"] == "throttle"
        client("inspector2").list_members()  # the fault is BatchGetAccountStatus's only
        expect_error("InternalServerException", client("macie2").list_members, status=500)
        assert fake.log()[-1]["service"] == "macie2" and fake.log()[-1]["fault"] == "error", fake.log()[-1]
        assert client("macie2").describe_organization_configuration()["autoEnable"] is True
        faults = {e["fault"] for e in fake.log()}
        assert {"throttle", "error", "reset", "truncate", "trickle"} <= faults, faults
    finally:
        fake.stop()


def main():
    binary, world = sys.argv[1], sys.argv[2]
    models = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "aws-api")
    for service in ("account", "organizations", "securityhub", "guardduty", "detective", "inspector2", "macie2"):
        with open(os.path.join(models, service + ".json")) as f:
            MODELS[service] = json.load(f)
    with open(os.path.join(models, "paginators.json")) as f:
        PAGINATORS.update(json.load(f))
    for key in list(os.environ):
        if key.startswith("AWS_"):
            del os.environ[key]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    failures = []
    fake = FakeAws(binary, world)
    try:
        tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and n != "test_faults_and_throttling"]
        for name, test in tests:
            try:
                test(fake)
                print("ok   %s" % name)
            except Exception:
                failures.append(name)
                print("FAIL %s\n%s" % (name, traceback.format_exc()))
    finally:
        fake.stop()
    try:
        test_faults_and_throttling(binary, world)
        print("ok   test_faults_and_throttling")
    except Exception:
        failures.append("test_faults_and_throttling")
        print("FAIL test_faults_and_throttling\n%s" % traceback.format_exc())
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
