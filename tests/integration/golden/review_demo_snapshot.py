#!/usr/bin/env python3
"""Independent review of golden/demo_snapshot.json: recomputes, from the demo
world (config/demo/world.yaml) and the demo configuration by CONTRACT.md's
rules, every membership's status, raw status, email and times, every source's
state and counts, every account's gaps, unknown pairs, covered flag,
findings, name and organization status, and the totals, and compares them
with the golden file. Prints each disagreement; exits 1 when there is one.

usage: review_demo_snapshot.py [SOURCE_DIR]
"""
import json
import os
import sys

import yaml

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..")
world = yaml.safe_load(open(os.path.join(ROOT, "config/demo/world.yaml"), encoding="utf-8"))
config = yaml.safe_load(open(os.path.join(ROOT, "config/demo/memberwatch.yaml"), encoding="utf-8"))
snap = json.load(open(os.path.join(ROOT, "tests/integration/golden/demo_snapshot.json"), encoding="utf-8"))
TABLE = {
 'securityhub': {'enabled':'ENABLED','created':'CREATED','invited':'INVITED','removed':'REMOVED','resigned':'RESIGNED','deleted':'DELETED','accountsuspended':'SUSPENDED'},
 'guardduty': {'enabled':'ENABLED','created':'CREATED','invited':'INVITED','disabled':'DISABLED','removed':'REMOVED','resigned':'RESIGNED','emailverificationinprogress':'VERIFICATION_IN_PROGRESS','emailverificationfailed':'VERIFICATION_FAILED'},
 'detective': {'enabled':'ENABLED','invited':'INVITED','acceptedbutdisabled':'DISABLED','verificationinprogress':'VERIFICATION_IN_PROGRESS','verificationfailed':'VERIFICATION_FAILED'},
}
ORDER = ['ENABLED','CREATED','INVITED','DISABLED','REMOVED','RESIGNED','DELETED','SUSPENDED','VERIFICATION_IN_PROGRESS','VERIFICATION_FAILED','NOT_MEMBER','UNKNOWN']
def norm(svc, raw): return TABLE[svc].get(raw.lower().replace('_',''), 'UNKNOWN')
org = {a['id']: a for a in world['organization']['accounts']}
wadmins = {a['account_id']: a for a in world['administrators']}
denied = {r['arn'] for r in world['roles'] if r.get('denied')}
errors = []
def expect(cond, msg):
    if not cond: errors.append(msg)
sources = []  # (admin, svc, region, answered)
for adm in config['administrators']:
    regions = adm.get('regions', config['aws']['regions']); services = adm.get('services', config['aws']['services'])
    ok = adm.get('role_arn') not in denied
    for s in services:
        for r in regions:
            sources.append((adm['account_id'], s, r, ok and r not in world['opt_in_regions']))
expected_ms = {}
universes = {}
for adm in config['administrators']:
    aid = adm['account_id']
    u = set(config['accounts']['ids']) | set(org)
    for (a, s, r, ok) in sources:
        if a != aid or not ok: continue
        src = (wadmins[aid]['regions'].get(r) or {}).get(s) or {}
        u |= {m['account_id'] for m in (src.get('members') or [])}
    universes[aid] = u
for (a, s, r, ok) in sources:
    if not ok: continue
    src = (wadmins[a]['regions'].get(r) or {}).get(s) or {}
    members = {m['account_id']: m for m in (src.get('members') or [])}
    for acc in universes[a]:
        if acc in members:
            m = members[acc]
            expected_ms[(acc, s, r, a)] = dict(status=norm(s, m['status']), raw_status=m['status'], email=m['email'], invited_at=m.get('invited_at'), updated_at=m.get('updated_at'))
        else:
            expected_ms[(acc, s, r, a)] = dict(status='NOT_MEMBER')
got = {(m['account_id'], m['service'], m['region'], m['administrator_id']): m for m in snap['memberships']}
expect(set(got) == set(expected_ms), f"membership keys differ: missing {sorted(set(expected_ms)-set(got))[:5]} extra {sorted(set(got)-set(expected_ms))[:5]}")
for k, e in expected_ms.items():
    g = got.get(k)
    if not g: continue
    for f, v in e.items():
        expect(g[f] == v, f"{k} {f}: expected {v!r} got {g[f]!r}")
    expect(g['stale'] is False, f"{k} stale")
    if e['status'] == 'NOT_MEMBER':
        expect(g['raw_status'] and g['email'] is None and g['detail'] == {}, f"{k} NOT_MEMBER shape")
# sorted order
keys = [(m['account_id'], m['service'], m['region'], m['administrator_id']) for m in snap['memberships']]
expect(keys == sorted(keys), "memberships not sorted")
# sources
for (a, s, r, ok) in sources:
    g = [x for x in snap['sources'] if (x['administrator_id'], x['service'], x['region']) == (a, s, r)]
    expect(len(g) == 1, f"source {a} {s} {r} count {len(g)}"); g = g[0]
    expect(g['state'] == ('ok' if ok else 'error'), f"source {a} {s} {r} state {g['state']}")
    if ok:
        recs = [v for k, v in expected_ms.items() if k[1:] == (s, r, a)]
        expect(g['members'] == sum(1 for v in recs if v['status'] != 'NOT_MEMBER'), f"source {a} {s} {r} members {g['members']}")
        expect(g['not_members'] == sum(1 for v in recs if v['status'] == 'NOT_MEMBER'), f"source {a} {s} {r} not_members")
        expect(g['error'] is None, "error on ok source")
        src = wadmins[a]['regions'][r][s]
        expect(g['resource'] == (str(src['detector_id']) if 'detector_id' in src else src.get('graph_arn')), f"resource {a} {s} {r}: {g['resource']}")
    else:
        expect(g['error'] is not None and g['last_success_at'] is None, f"failed source {a} {s} {r}")
# accounts
pairs = sorted({(s, r) for (_, s, r, _) in sources})
all_accounts = set().union(*universes.values())
gacc = {x['account_id']: x for x in snap['accounts']}
expect(set(gacc) == all_accounts, f"accounts differ {sorted(all_accounts ^ set(gacc))}")
covered_total = 0
for acc in sorted(all_accounts):
    gaps, unknown, covered = [], [], True
    for (s, r) in pairs:
        answering = [(a, s2, r2) for (a, s2, r2, ok) in sources if ok and (s2, r2) == (s, r)]
        if not answering:
            unknown.append({'service': s, 'region': r}); covered = False; continue
        statuses = [expected_ms[(acc, s, r, a)]['status'] for (a, _, _) in answering if (acc, s, r, a) in expected_ms]
        if 'ENABLED' in statuses: continue
        covered = False
        st = min(statuses, key=ORDER.index) if statuses else 'NOT_MEMBER'
        if st == 'NOT_MEMBER' and 'UNKNOWN' in statuses: st = 'UNKNOWN'  # a record says more than an absence
        gaps.append({'service': s, 'region': r, 'status': st})
    ostat = org.get(acc, {}).get('status')
    if ostat in ('SUSPENDED', 'PENDING_CLOSURE'): gaps = []
    findings = []
    regions = sorted({r for (_, r) in pairs})
    for r in regions:
        gd = any(expected_ms.get((acc, 'guardduty', r, a), {}).get('status') == 'ENABLED' for a in universes)
        det_gap = any(g['service'] == 'detective' and g['region'] == r for g in gaps)
        if gd and det_gap and 'GUARDDUTY_WITHOUT_DETECTIVE' not in findings: findings.append('GUARDDUTY_WITHOUT_DETECTIVE')
    for r in regions:
        admins = {k[3] for k, v in expected_ms.items() if k[0] == acc and k[2] == r and v['status'] == 'ENABLED'}
        if len(admins) > 1 and 'ADMINISTRATOR_MISMATCH' not in findings: findings.append('ADMINISTRATOR_MISMATCH')
    g = gacc.get(acc)
    if not g: continue
    key = lambda x: (x['service'], x['region'])
    expect(sorted(g['gaps'], key=key) == sorted(gaps, key=key), f"{acc} gaps {g['gaps']} expected {gaps}")
    expect(g['unknown'] == unknown, f"{acc} unknown {g['unknown']}")
    expect(g['covered'] == covered, f"{acc} covered {g['covered']}")
    expect(sorted(g['findings']) == sorted(findings), f"{acc} findings {g['findings']} expected {findings}")
    expect(g['name'] == org.get(acc, {}).get('name'), f"{acc} name")
    expect(g['organization_status'] == ostat, f"{acc} org status")
    covered_total += covered
expect(snap['totals']['accounts'] == len(all_accounts), "totals.accounts")
expect(snap['totals']['covered'] == covered_total, f"totals.covered {snap['totals']['covered']} vs {covered_total}")
bss = {}
for v_k, v in expected_ms.items():
    bss.setdefault(v_k[1], {}).setdefault(v['status'], 0); bss[v_k[1]][v['status']] += 1
expect(snap['totals']['by_service_status'] == bss, f"by_service_status {snap['totals']['by_service_status']} vs {bss}")
for error in errors:
    print(error)
print(f"{len(errors)} disagreements with the demo world")
sys.exit(1 if errors else 0)
