#!/usr/bin/env python3
"""Independent review of golden/demo_snapshot.json: recomputes, from the demo
world (config/demo/world.yaml) and the demo configuration by CONTRACT.md's
rules, every membership's status, raw status, email and times, every source's
state and counts, every account's gaps, unknown pairs, covered flag,
findings, name and organization status, and the totals, and (issue 18)
each source's organization configuration, its findings and call errors,
each administrator's delegated_for, each GuardDuty member's features and
each account's feature gaps, and compares them with the golden file. Prints each disagreement; exits 1 when there is one.

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
 'inspector2': {'enabled':'ENABLED','created':'CREATED','invited':'INVITED','disabled':'DISABLED','removed':'REMOVED','resigned':'RESIGNED','deleted':'DELETED','accountsuspended':'SUSPENDED','emailverificationinprogress':'VERIFICATION_IN_PROGRESS','emailverificationfailed':'VERIFICATION_FAILED'},
 'macie2': {'enabled':'ENABLED','created':'CREATED','invited':'INVITED','paused':'DISABLED','removed':'REMOVED','resigned':'RESIGNED','accountsuspended':'SUSPENDED','emailverificationinprogress':'VERIFICATION_IN_PROGRESS','emailverificationfailed':'VERIFICATION_FAILED'},
}
# Inspector and Macie have no GetMembers: their listing is the answer.
LISTING_IS_ANSWER = {'inspector2', 'macie2'}
ORDER = ['ADMINISTRATOR','ENABLED','CREATED','INVITED','DISABLED','REMOVED','RESIGNED','DELETED','SUSPENDED','VERIFICATION_IN_PROGRESS','VERIFICATION_FAILED','NOT_MEMBER','UNKNOWN']
def norm(svc, raw): return TABLE[svc].get(raw.lower().replace('_',''), 'UNKNOWN')
org = {a['id']: a for a in world['organization']['accounts']}
wadmins = {a['account_id']: a for a in world['administrators']}
denied = {r['arn'] for r in world['roles'] if r.get('denied')}
errors = []
def expect(cond, msg):
    if not cond: errors.append(msg)
DEFAULT_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ap-south-1', 'ap-northeast-1',
                   'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1',
                   'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'sa-east-1']
def enabled_regions(account):
    # Account ListRegions as the world answers it: its own list, else the defaults.
    entry = (world.get('account_regions') or {}).get(account) or {}
    listed = entry.get('regions')
    if listed is None:
        listed = {r: 'ENABLED_BY_DEFAULT' for r in DEFAULT_REGIONS}
        listed.update({r: 'DISABLED' for r in world.get('opt_in_regions', [])})
    return sorted(r for r, st in listed.items() if st in ('ENABLED', 'ENABLED_BY_DEFAULT'))
sources = []  # (admin, svc, region, answered); region_disabled sources apart
disabled_sources = []
expected_admins = {}
for adm in config['administrators']:
    regions = adm.get('regions', config['aws']['regions']); services = adm.get('services', config['aws']['services'])
    ok = adm.get('role_arn') not in denied
    enabled = enabled_regions(adm['account_id'])
    if regions == 'all':
        regions, regions_from = enabled, 'discovered'
    else:
        regions_from = 'configured'
    expected_admins[adm['account_id']] = dict(name=adm['name'], regions=sorted(r for r in regions if r in enabled or not ok),
                                              regions_from=regions_from, failed=not ok)
    for s in services:
        for r in regions:
            if ok and r not in enabled:
                disabled_sources.append((adm['account_id'], s, r)); continue
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
    # The administrator's own account: ADMINISTRATOR in each answering source.
    expected_ms[(a, s, r, a)] = dict(status='ADMINISTRATOR', raw_status='ADMINISTRATOR', email=None, invited_at=None,
                                     updated_at=None)
    for acc in universes[a]:
        if acc == a: continue
        if acc in members:
            m = members[acc]
            expected_ms[(acc, s, r, a)] = dict(status=norm(s, m['status']), raw_status=m['status'], email=m.get('email'), invited_at=m.get('invited_at'), updated_at=m.get('updated_at'))
        elif s in LISTING_IS_ANSWER:
            expected_ms[(acc, s, r, a)] = dict(status='NOT_MEMBER', raw_status='NOT_LISTED')
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
    if e['status'] == 'ADMINISTRATOR':
        src = wadmins[k[3]]['regions'][k[2]][k[1]]
        resource = {'guardduty': {'detector_id': str(src.get('detector_id'))}, 'detective': {'graph_arn': src.get('graph_arn')},
                    'securityhub': {}, 'inspector2': {}, 'macie2': {}}[k[1]]
        expect(g['detail'] == resource, f"{k} ADMINISTRATOR detail {g['detail']} expected {resource}")
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
for (a, s, r) in disabled_sources:
    g = [x for x in snap['sources'] if (x['administrator_id'], x['service'], x['region']) == (a, s, r)]
    expect(len(g) == 1 and g[0]['state'] == 'region_disabled' and g[0]['error'] is None and g[0]['members'] == 0,
           f"source {a} {s} {r} should be region_disabled: {g}")
expect(len(snap['sources']) == len(sources) + len(disabled_sources), "sources: one per planned source")
# Organizations' delegated administrators, by service name.
delegated_for = {}
for d in world['organization'].get('delegated_administrators') or []:
    for principal in d['service_principals']:
        # Macie's principal keeps its first name (macie.amazonaws.com); its API is macie2.
        delegated_for.setdefault(d['account_id'], []).append({'macie': 'macie2'}.get(principal.split('.')[0], principal.split('.')[0]))
required = (config.get('guardduty') or {}).get('required_features') or []
def auto_enable(service, organization):
    # CONTRACT.md's auto_enable, by the rules of docs/operations.md.
    if service == 'inspector2':
        named = [organization[t] for t in ('ec2', 'ecr', 'lambda', 'lambda_code') if t in organization]
        named += [False for t in ('ec2', 'ecr') if t not in organization]  # the model requires both: served false
        return 'NEW' if all(named) else ('NONE' if not any(named) else 'PARTIAL')
    if service == 'securityhub':
        if organization.get('configuration_type') == 'CENTRAL': return 'CENTRAL'
    if service == 'guardduty':
        mode = organization.get('auto_enable_organization_members')
        if mode is None: mode = {True: 'NEW', False: 'NONE'}.get(organization.get('auto_enable'), 'UNKNOWN')
        elif mode not in ('ALL', 'NEW', 'NONE'): mode = 'UNKNOWN'
        if mode in ('ALL', 'NEW'):
            auto = {f['name']: f.get('auto_enable') for f in organization.get('features') or []}
            if any(auto.get(f) not in ('ALL', 'NEW') for f in required): return 'PARTIAL'
        return mode
    return {True: 'NEW', False: 'NONE'}.get(organization.get('auto_enable'), 'UNKNOWN')
for (a, s, r, ok) in sources:
    g = next(x for x in snap['sources'] if (x['administrator_id'], x['service'], x['region']) == (a, s, r))
    src = (wadmins[a]['regions'].get(r) or {}).get(s) or {} if ok else {}
    organization = src.get('organization')
    findings = []
    if organization is None:
        expect(g['organization'] is None, f"source {a} {s} {r}: organization {g['organization']} expected null")
    else:
        mode = auto_enable(s, organization)
        expect(g['organization']['auto_enable'] == mode, f"source {a} {s} {r}: auto_enable {g['organization']['auto_enable']} expected {mode}")
        detail = g['organization']['detail']
        if s == 'inspector2':  # per scan type
            expect(all(detail['auto_enable'].get(t) == organization[t] for t in organization if t != 'max_account_limit_reached'),
                   f"source {a} {s} {r}: detail {detail}")
        else:
            expect(detail.get('auto_enable') == organization.get('auto_enable'), f"source {a} {s} {r}: detail {detail}")
        if s == 'guardduty':
            expect([f['name'] for f in detail.get('features', [])] == [f['name'] for f in organization.get('features') or []],
                   f"source {a} {s} {r}: features {detail.get('features')}")
        if s == 'securityhub' and organization.get('configuration_type'):
            expect(detail['organization_configuration']['configuration_type'] == organization['configuration_type'],
                   f"source {a} {s} {r}: {detail}")
        if mode == 'NONE': findings.append('AUTO_ENABLE_OFF')
    if s not in delegated_for.get(a, []): findings.append('NOT_DELEGATED_ADMINISTRATOR')
    expect(sorted(g['findings']) == sorted(findings), f"source {a} {s} {r}: findings {g['findings']} expected {findings}")
    unprocessed = (src.get('member_detectors_unprocessed') or {}) if s == 'guardduty' else {}
    operation = 'GetMemberDetectors'
    if s == 'inspector2' and (config.get('inspector2') or {}).get('account_status'):
        unprocessed, operation = src.get('account_status_failed') or {}, 'BatchGetAccountStatus'
    calls = sorted((e['operation'], e['code'], e['account_id']) for e in g['call_errors'])
    expected_calls = sorted((operation, 'UnprocessedAccount', acc) for acc in unprocessed)
    expect(calls == expected_calls, f"source {a} {s} {r}: call_errors {calls} expected {expected_calls}")
# Inspector scan coverage (inspector2.account_status): each ENABLED member's resources as the world gives them
# (ec2 and ecr ENABLED, the rest DISABLED unless given), failed accounts as call errors.
if (config.get('inspector2') or {}).get('account_status'):
    for (a, s, r, ok) in sources:
        if s != 'inspector2' or not ok: continue
        src = wadmins[a]['regions'][r]['inspector2']
        failed = src.get('account_status_failed') or {}
        for m in src.get('members') or []:
            if norm(s, m['status']) != 'ENABLED': continue
            g = got[(m['account_id'], s, r, a)]
            if m['account_id'] in failed:
                expect('resources' not in g['detail'], f"{m['account_id']} {r} resources of a failed account")
                continue
            want = {'ec2': 'ENABLED', 'ecr': 'ENABLED', 'lambda': 'DISABLED', 'lambda_code': 'DISABLED', 'code_repository': 'DISABLED'}
            want.update(m.get('resources') or {})
            expect(g['detail'].get('resources') == want, f"{m['account_id']} {r} resources {g['detail'].get('resources')} expected {want}")
# GuardDuty protection plans: each ENABLED member's features as the world gives them
expected_gaps = {}
for (a, s, r, ok) in sources:
    if s != 'guardduty' or not ok: continue
    src = wadmins[a]['regions'][r]['guardduty']
    for m in src.get('members') or []:
        if norm(s, m['status']) != 'ENABLED': continue
        g = got[(m['account_id'], s, r, a)]
        unprocessed = m['account_id'] in (src.get('member_detectors_unprocessed') or {})
        features = None if unprocessed or 'features' not in m else m['features']
        expect(g['detail'].get('features') == features, f"{m['account_id']} {r} features {g['detail'].get('features')} expected {features}")
        if features is None: continue
        for f in required:
            if features.get(f) != 'ENABLED':
                expected_gaps.setdefault(m['account_id'], []).append(
                    {'service': 'guardduty', 'region': r, 'feature': f, 'status': features.get(f, 'ABSENT')})
for x in snap['accounts']:
    want = [] if x['inactive'] else sorted(expected_gaps.get(x['account_id'], []), key=lambda g: (g['region'], g['feature']))
    expect(x['feature_gaps'] == want, f"{x['account_id']} feature_gaps {x['feature_gaps']} expected {want}")
    expect(('GUARDDUTY_FEATURE_DISABLED' in x['findings']) == bool(want), f"{x['account_id']} GUARDDUTY_FEATURE_DISABLED")
expect(expected_gaps, "the demo world has feature gaps")
# administrators: configured ones, `regions: all` polling exactly the enabled regions
gadm = {x['account_id']: x for x in snap['administrators']}
expect(sorted(gadm) == sorted(expected_admins), f"administrators {sorted(gadm)}")
for aid, e in expected_admins.items():
    g = gadm.get(aid)
    if not g: continue
    expect(g['name'] == e['name'] and g['origin'] == 'configured', f"administrator {aid} {g}")
    expect(g['delegated_for'] == sorted(delegated_for.get(aid, [])),
           f"administrator {aid} delegated_for {g['delegated_for']} expected {sorted(delegated_for.get(aid, []))}")
    expect(g['regions_from'] == e['regions_from'], f"administrator {aid} regions_from {g['regions_from']}")
    expect(g['regions'] == e['regions'], f"administrator {aid} regions {g['regions']} expected {e['regions']}")
    expect((g['error'] is not None) == e['failed'], f"administrator {aid} error {g['error']}")
    if e['regions_from'] == 'discovered':
        polled = sorted({r for (a, _, r, _) in sources if a == aid})
        expect(polled == enabled_regions(aid), f"regions: all for {aid} polls {polled}, enabled {enabled_regions(aid)}")
# organization block
expect(snap['organization'] is not None and snap['organization']['state'] == 'ok' and snap['organization']['error'] is None
       and snap['organization']['delegated_administrators_error'] is None
       and snap['organization']['accounts'] == len(org), f"organization {snap['organization']}")
# accounts
pairs = sorted({(s, r) for (_, s, r, _) in sources})
all_accounts = set().union(*universes.values())
gacc = {x['account_id']: x for x in snap['accounts']}
expect(set(gacc) == all_accounts, f"accounts differ {sorted(all_accounts ^ set(gacc))}")
covered_total = inactive_total = 0
all_accounts |= {a for (a, _, _, ok) in sources if ok}  # each administrator's own record
for acc in sorted(all_accounts):
    gaps, unknown, covered = [], [], True
    for (s, r) in pairs:
        answering = [(a, s2, r2) for (a, s2, r2, ok) in sources if ok and (s2, r2) == (s, r)]
        if not answering:
            unknown.append({'service': s, 'region': r}); covered = False; continue
        statuses = [expected_ms[(acc, s, r, a)]['status'] for (a, _, _) in answering if (acc, s, r, a) in expected_ms]
        if 'ENABLED' in statuses or 'ADMINISTRATOR' in statuses: continue
        covered = False
        st = min(statuses, key=ORDER.index) if statuses else 'NOT_MEMBER'
        if st == 'NOT_MEMBER' and 'UNKNOWN' in statuses: st = 'UNKNOWN'  # a record says more than an absence
        gaps.append({'service': s, 'region': r, 'status': st})
    ostat = org.get(acc, {}).get('state', org.get(acc, {}).get('status')) if acc in org else None
    inactive = ostat in ('SUSPENDED', 'PENDING_CLOSURE', 'CLOSED', 'PENDING_ACTIVATION')
    if inactive: gaps, unknown, covered = [], [], False
    findings = []
    regions = sorted({r for (_, r) in pairs})
    for r in regions:
        gd = any(expected_ms.get((acc, 'guardduty', r, a), {}).get('status') == 'ENABLED' for a in universes)
        det_gap = any(g['service'] == 'detective' and g['region'] == r for g in gaps)
        gd = gd or any(expected_ms.get((acc, 'guardduty', r, a), {}).get('status') == 'ADMINISTRATOR' for a in universes)
        if gd and det_gap and 'GUARDDUTY_WITHOUT_DETECTIVE' not in findings: findings.append('GUARDDUTY_WITHOUT_DETECTIVE')
    for r in regions:
        admins = {k[3] for k, v in expected_ms.items() if k[0] == acc and k[2] == r and v['status'] == 'ENABLED'}
        if len(admins) > 1 and 'ADMINISTRATOR_MISMATCH' not in findings: findings.append('ADMINISTRATOR_MISMATCH')
    if expected_gaps.get(acc) and not inactive: findings.append('GUARDDUTY_FEATURE_DISABLED')
    g = gacc.get(acc)
    if not g: continue
    key = lambda x: (x['service'], x['region'])
    expect(sorted(g['gaps'], key=key) == sorted(gaps, key=key), f"{acc} gaps {g['gaps']} expected {gaps}")
    expect(g['unknown'] == unknown, f"{acc} unknown {g['unknown']}")
    expect(g['covered'] == covered, f"{acc} covered {g['covered']}")
    expect(sorted(g['findings']) == sorted(findings), f"{acc} findings {g['findings']} expected {findings}")
    expect(g['name'] == org.get(acc, {}).get('name'), f"{acc} name")
    expect(g['organization_status'] == ostat, f"{acc} org status")
    expect(g['inactive'] == inactive, f"{acc} inactive {g['inactive']}")
    if acc in expected_admins and not expected_admins[acc]['failed']:
        own = [x for x in g['gaps'] if any(a == acc and (s2, r2) == (x['service'], x['region']) for (a, s2, r2, ok) in sources if ok)]
        expect(not own, f"administrator {acc} is a gap of its own sources: {own}")
    covered_total += covered
    inactive_total += inactive
expect(snap['totals']['accounts'] == len(all_accounts), "totals.accounts")
expect(snap['totals']['covered'] == covered_total, f"totals.covered {snap['totals']['covered']} vs {covered_total}")
expect(snap['totals']['inactive'] == inactive_total, f"totals.inactive {snap['totals']['inactive']} vs {inactive_total}")
expect(inactive_total == 4, "the demo world has four inactive accounts")
expect(len(disabled_sources) == 5, "the demo has region_disabled sources (security-tooling, eu-south-1)")
for x in snap['accounts']:
    if x['inactive']:
        expect(not x['gaps'] and not x['unknown'] and not x['covered'], f"inactive {x['account_id']} has gaps or unknowns")
for x in snap['accounts']:
    for gap in x['gaps'] + x['unknown']:
        expect(gap['region'] != 'eu-south-1', f"{x['account_id']}: a region_disabled region makes a gap or unknown")
bss = {}
for v_k, v in expected_ms.items():
    bss.setdefault(v_k[1], {}).setdefault(v['status'], 0); bss[v_k[1]][v['status']] += 1
expect(snap['totals']['by_service_status'] == bss, f"by_service_status {snap['totals']['by_service_status']} vs {bss}")
for error in errors:
    print(error)
print(f"{len(errors)} disagreements with the demo world")
sys.exit(1 if errors else 0)
