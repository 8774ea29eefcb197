#!/usr/bin/python3
"""Test-only tool: signs requests with botocore's SigV4Auth (an independent
SigV4 implementation) so the C++ signer can be cross-checked against it.

stdin: a JSON array of cases
  {"method", "url", "headers": [[name, value], ...], "body" (UTF-8 text),
   "access_key", "secret_key", "token" (or ""), "region", "service",
   "amz_date" ("20150830T123600Z")}
stdout: a JSON array, per case, of {"signature", "canonical_request",
  "string_to_sign", "authorization"}.

With the argument "serialize": stdin is a JSON array of {"service",
"operation", "params"}; each call goes through a real botocore client whose
request is captured before sending (nothing leaves the process), and stdout
is a JSON array of {"url"}: how botocore lays out a real call.
"""
import json
import sys

try:
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as error:  # the test must fail loudly, not skip
    sys.exit(f"botocore_sign.py: cannot import botocore ({error}); install python3-botocore")


def sign(case):
    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode("utf-8"))
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPHeaders appends, so repeated names stay repeated
    credentials = Credentials(case["access_key"], case["secret_key"], case["token"] or None)
    auth = SigV4Auth(credentials, case["service"], case["region"])
    # add_auth() without its clock: the same steps with the case's timestamp.
    request.context["timestamp"] = case["amz_date"]
    auth._modify_request_before_signing(request)
    canonical_request = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical_request)
    signature = auth.signature(string_to_sign, request)
    auth._inject_signature_to_request(request, signature)
    return {
        "signature": signature,
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "authorization": request.headers["Authorization"],
    }


class _Captured(Exception):
    def __init__(self, url):
        super().__init__(url)
        self.url = url


def _capture(request, **_):
    raise _Captured(request.url)


def serialize(cases):
    session = botocore.session.get_session()
    clients = {}
    out = []
    for case in cases:
        service = case["service"]
        if service not in clients:
            client = session.create_client(
                service, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                aws_secret_access_key="secret", endpoint_url="https://example.amazonaws.com")
            client.meta.events.register("before-send", _capture)
            clients[service] = client
        client = clients[service]
        try:
            getattr(client, case["operation"])(**case["params"])
        except _Captured as captured:
            out.append({"url": captured.url})
            continue
        sys.exit(f"botocore_sign.py: {service}.{case['operation']} was not captured")
    return out


def main():
    cases = json.load(sys.stdin)
    if sys.argv[1:] == ["serialize"]:
        json.dump(serialize(cases), sys.stdout)
    else:
        json.dump([sign(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
