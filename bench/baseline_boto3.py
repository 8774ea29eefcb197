#!/usr/bin/python3
"""The script a user writes today instead of memberwatchd: boto3 paginators
for discovery and ListMembers, GetMembers in batches of 50 over each
administrator's account universe, standard retry mode. Two variants:
`sequential` (one source after the other, as the public multi-account
scripts do) and `threaded` (a ThreadPoolExecutor with memberwatchd's
concurrency: every source's discovery at once, then every GetMembers batch).

It writes one JSON line per membership record to --out:
  [account_id, service, region, administrator_id, raw_status]
with raw_status "NOT_MEMBER" for accounts a source returned as unprocessed,
so the benchmark driver can compare the result with memberwatchd's snapshot.

usage: baseline_boto3.py --variant sequential|threaded --config BENCH.json --out FILE
The config (written by run_benchmark.py) names the endpoint, the base
credentials, the administrators' roles, the regions, services, concurrency
and max_attempts.
"""

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

BATCH = 50
# The services' own page maximums, as memberwatchd asks for them.
PAGE_SIZE = {"securityhub": 50, "guardduty": 50, "detective": 200}


class Source:
    """One (administrator, service, region): its client and what it found."""

    def __init__(self, session, admin_id, service, region, bench):
        self.admin_id = admin_id
        self.service = service
        self.region = region
        self.client = session.client(service, region_name=region, endpoint_url=bench["endpoint"],
                                     verify=bench.get("ca_bundle") or True, config=client_config(bench))
        self.resource = None
        self.listed = []
        self.error = None


def client_config(bench):
    return Config(retries={"mode": "standard", "max_attempts": bench["max_attempts"]},
                  max_pool_connections=max(10, bench["concurrency"]))


def assume_role(bench, admin):
    sts = boto3.client("sts", region_name=bench["sts_region"], endpoint_url=bench["endpoint"],
                       aws_access_key_id=bench["access_key_id"],
                       aws_secret_access_key=bench["secret_access_key"],
                       verify=bench.get("ca_bundle") or True, config=client_config(bench))
    creds = sts.assume_role(RoleArn=admin["role_arn"], RoleSessionName="memberwatch-baseline")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                 aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"])


def discover(source):
    """Discovery (GuardDuty detector, Detective graph) and every ListMembers page."""
    c, size = source.client, PAGE_SIZE[source.service]
    if source.service == "securityhub":
        pages = c.get_paginator("list_members").paginate(OnlyAssociated=False,
                                                          PaginationConfig={"PageSize": size})
        source.listed = [m["AccountId"] for page in pages for m in page.get("Members", [])]
    elif source.service == "guardduty":
        detectors = [d for page in c.get_paginator("list_detectors").paginate() for d in page["DetectorIds"]]
        if not detectors:
            raise RuntimeError("no GuardDuty detector")
        source.resource = detectors[0]
        pages = c.get_paginator("list_members").paginate(DetectorId=source.resource, OnlyAssociated="false",
                                                         PaginationConfig={"PageSize": size})
        source.listed = [m["AccountId"] for page in pages for m in page.get("Members", [])]
    else:
        # Detective has no paginators in botocore: the NextToken loop users write.
        graphs = c.list_graphs()["GraphList"]
        if not graphs:
            raise RuntimeError("no Detective behavior graph")
        source.resource = graphs[0]["Arn"]
        token, listed = None, []
        while True:
            args = {"GraphArn": source.resource, "MaxResults": size}
            if token:
                args["NextToken"] = token
            page = c.list_members(**args)
            listed += [m["AccountId"] for m in page.get("MemberDetails", [])]
            token = page.get("NextToken")
            if not token:
                break
        source.listed = listed


def get_batch(source, batch):
    """One GetMembers call: records for members, NOT_MEMBER for the unprocessed."""
    c = source.client
    if source.service == "securityhub":
        page = c.get_members(AccountIds=batch)
        members = [(m["AccountId"], m.get("MemberStatus", "")) for m in page.get("Members", [])]
    elif source.service == "guardduty":
        page = c.get_members(DetectorId=source.resource, AccountIds=batch)
        members = [(m["AccountId"], m.get("RelationshipStatus", "")) for m in page.get("Members", [])]
    else:
        page = c.get_members(GraphArn=source.resource, AccountIds=batch)
        members = [(m["AccountId"], m.get("Status", "")) for m in page.get("MemberDetails", [])]
    unprocessed = [(u["AccountId"], "NOT_MEMBER") for u in page.get("UnprocessedAccounts", [])]
    return [(account, source.service, source.region, source.admin_id, status)
            for account, status in members + unprocessed]


def with_administrators(records, sources):
    """The administrator's own account is ADMINISTRATOR in each of its answering
    sources (CONTRACT.md), replacing the NOT_MEMBER GetMembers gives for it."""
    answered = {(s.admin_id, s.service, s.region) for s in sources if not s.error}
    kept = [r for r in records if not (r[0] == r[3] and (r[3], r[1], r[2]) in answered)]
    return kept + [(admin, service, region, admin, "ADMINISTRATOR") for admin, service, region in answered]


def batches_of(universe):
    return [universe[i:i + BATCH] for i in range(0, len(universe), BATCH)]


def make_sources(bench):
    sources = {}
    for admin in bench["administrators"]:
        session = assume_role(bench, admin)
        sources[admin["account_id"]] = [Source(session, admin["account_id"], service, region, bench)
                                        for service in bench["services"] for region in bench["regions"]]
    return sources


def universe_of(admin_sources):
    return sorted({account for s in admin_sources if not s.error for account in s.listed})


def run_sequential(bench):
    records, failed = [], 0
    for admin_sources in make_sources(bench).values():
        for source in admin_sources:
            try:
                discover(source)
            except Exception as e:  # a failed source must not stop the others, as in memberwatchd
                source.error, failed = e, failed + 1
        universe = universe_of(admin_sources)
        for source in admin_sources:
            if source.error:
                continue
            try:
                for batch in batches_of(universe):
                    records += get_batch(source, batch)
            except Exception as e:
                source.error, failed = e, failed + 1
        records = with_administrators(records, admin_sources)
    return records, failed


def run_threaded(bench):
    records, failed = [], 0
    with ThreadPoolExecutor(max_workers=bench["concurrency"]) as pool:
        sources = make_sources(bench)
        every_source = [s for admin_sources in sources.values() for s in admin_sources]
        for source, future in [(s, pool.submit(discover, s)) for s in every_source]:
            try:
                future.result()
            except Exception as e:
                source.error, failed = e, failed + 1
        work = []
        for admin_sources in sources.values():
            universe = universe_of(admin_sources)
            for source in admin_sources:
                if not source.error:
                    work += [(source, pool.submit(get_batch, source, b)) for b in batches_of(universe)]
        broken = set()
        for source, future in work:
            try:
                records += future.result()
            except Exception as e:
                if id(source) not in broken:
                    broken.add(id(source))
                    source.error, failed = e, failed + 1
        records = [r for r in records if (r[3], r[1], r[2]) not in
                   {(s.admin_id, s.service, s.region) for s in every_source if s.error}]
        records = with_administrators(records, every_source)
    return records, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=["sequential", "threaded"], required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.config) as f:
        bench = json.load(f)
    records, failed = (run_sequential if args.variant == "sequential" else run_threaded)(bench)
    with open(args.out, "w") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    print(json.dumps({"records": len(records), "failed_sources": failed}))
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
