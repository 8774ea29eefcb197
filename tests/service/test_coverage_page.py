#!/usr/bin/python3
"""The coverage page (GET /) in a real browser: Debian's chromium, headless,
driven by python3-selenium through chromium-driver, against memberwatchd
serving the demo world from fake-aws. One account's name in the world is
markup (a <script> element and a <b>), as an attacker who names an account
would write it.

Checks: the page renders with no console error (a Content-Security-Policy
that did not match the inline script would leave it blank and log one);
every cell of the matrix shows the status the snapshot gives its (account,
service, region), computed here from the snapshot's JSON; the known cells
of the demo world; a filter by service, region and status narrows the rows
to the accounts with a gap there and lands in the location's fragment; the
hostile name shows as text; the failing and region_disabled sources and
the inactive accounts are listed; an account's link opens its memberships;
each source's auto-enable mode and findings, an account's feature gaps.
Opened before the first snapshot (fake-aws holds AssumeRole), the page
says so, then draws the snapshot on its next load and nothing on the load
after (304).

usage: test_coverage_page.py --source-dir DIR --binary-dir DIR [--screenshot FILE.png]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, FakeAws, TestFailure, Workspace, check, http_request, report_failure,  # noqa: E402
                     start_chromium, wait_until)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

HOSTILE_ACCOUNT = "200000000005"
HOSTILE_NAME = "<script>document.title='pwned'</script><b>bold</b> & \"quoted\""

# Cells of the demo world whose status is known (config/demo/world.yaml).
KNOWN_CELLS = {
    ("200000000041", "guardduty us-east-1"): "CREATED",
    ("200000000041", "detective eu-west-1"): "INVITED",
    ("200000000042", "detective us-east-1"): "VERIFICATION_IN_PROGRESS",
    ("200000000042", "guardduty eu-west-1"): "INVITED",
    ("200000000030", "securityhub eu-west-1"): "NOT_MEMBER",
    ("200000000061", "securityhub us-east-1"): "NOT_MEMBER",
    ("200000000049", "guardduty us-east-1"): "UNKNOWN",  # raw "Monitored"
}


def hostile_world(workspace):
    """The demo world with HOSTILE_ACCOUNT renamed to HOSTILE_NAME."""
    with open(os.path.join(workspace.source_dir, "config/demo/world.yaml"), encoding="utf-8") as f:
        text = f.read()
    original = 'name: "workload-05"'
    check(text.count(original) == 1, "the demo world no longer names account 200000000005 workload-05")
    path = workspace.file("world.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(original, "name: " + json.dumps(HOSTILE_NAME)))
    return path


def expected_cells(snapshot):
    """{(account_id, "service region"): status} for every active account and
    polled pair, from the contract's rules: a gap as the account lists it,
    NO_ANSWER for its unknown pairs, else ADMINISTRATOR when it is the administrator's own
    record there, else ENABLED."""
    pairs = {(s["service"], s["region"]) for s in snapshot["sources"] if s["state"] != "region_disabled"}
    records = {}
    for m in snapshot["memberships"]:
        records.setdefault((m["account_id"], m["service"], m["region"]), set()).add(m["status"])
    cells = {}
    for account in snapshot["accounts"]:
        if account["inactive"]:
            continue
        gaps = {(g["service"], g["region"]): g["status"] for g in account["gaps"]}
        unknown = {(u["service"], u["region"]) for u in account["unknown"]}
        for service, region in pairs:
            if (service, region) in gaps:
                status = gaps[(service, region)]
            elif (service, region) in unknown:
                status = "NO_ANSWER"  # every source failed; not the status UNKNOWN
            else:
                here = records.get((account["account_id"], service, region), set())
                check(here & {"ADMINISTRATOR", "ENABLED"}, f"{account['account_id']} {service} {region} "
                      "is neither a gap nor unknown, yet has no covering record")
                status = "ADMINISTRATOR" if "ADMINISTRATOR" in here else "ENABLED"
            cells[(account["account_id"], f"{service} {region}")] = status
    return cells


MATRIX_SCRIPT = """
const cells = [];
for (const td of document.querySelectorAll('#matrix tbody td.cell'))
  cells.push([td.parentElement.dataset.account, td.dataset.pair, td.dataset.status, td.textContent]);
return cells;
"""


def shown_cells(driver):
    return {(account, pair): (status, symbol) for account, pair, status, symbol in driver.execute_script(MATRIX_SCRIPT)}


def shown_accounts(driver, table):
    return [tr.get_attribute("data-account") for tr in driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def wait_rendered(driver, timeout=30):
    return wait_until(lambda: driver.execute_script("return document.body.dataset.rendered || ''"), timeout,
                      "the page to render the snapshot")


def administrator_view(driver, url, snapshot, administrator):
    """The matrix filtered to one administrator: its accounts (those it has a
    record of, and itself), the pairs it polls, and in each cell its own
    record, NOT_MEMBER where its source answered without one, NO_ANSWER
    where its source failed."""
    driver.get("about:blank")
    driver.get(url + "#administrator=" + administrator)
    wait_rendered(driver)
    states = {(s["service"], s["region"]): s["state"] for s in snapshot["sources"]
              if s["administrator_id"] == administrator and s["state"] != "region_disabled"}
    records = {(m["account_id"], f"{m['service']} {m['region']}"): m["status"] for m in snapshot["memberships"]
               if m["administrator_id"] == administrator}
    inactive = {a["account_id"] for a in snapshot["accounts"] if a["inactive"]}
    accounts = sorted({account for account, _ in records} - inactive)
    expected = {}
    for account in accounts:
        for (service, region), state in states.items():
            pair = f"{service} {region}"
            expected[(account, pair)] = records.get((account, pair),
                                                    "NOT_MEMBER" if state == "ok" else "NO_ANSWER")
    shown = {key: status for key, (status, _) in shown_cells(driver).items()}
    check(shown == expected, f"administrator {administrator}: cells differ: "
          f"{sorted((k, shown.get(k), v) for k, v in expected.items() if shown.get(k) != v)[:5]} "
          f"extra {sorted(set(shown) - set(expected))[:5]}")
    check(shown.get(("200000000001", "guardduty us-east-1")) == "NOT_MEMBER",
          "200000000001 is not a GuardDuty member of 222222222222 in us-east-1 (the demo world)")


def check_before_first_snapshot(driver, url, address):
    """Opened while the first cycle still runs (fake-aws holds AssumeRole):
    the page says there is no snapshot yet; its next load draws the
    snapshot; the load after that gets 304 and redraws nothing."""
    driver.get(url)
    error = driver.find_element(By.ID, "load-error")
    wait_until(lambda: error.is_displayed() and "No snapshot yet" in error.text, 15, "the no-snapshot line")
    check(http_request(address, "GET", "/readyz")[0] == 503, "the first cycle ended before the page was checked")
    wait_until(lambda: http_request(address, "GET", "/readyz")[0] == 200, 60, "the first snapshot")
    load = "loadSnapshot().then(arguments[arguments.length - 1])"  # the page's own reload, not a minute away
    driver.execute_async_script(load)
    wait_rendered(driver)
    check(not error.is_displayed(), f"the error line stayed: {error.text!r}")
    driver.execute_script("document.querySelector('#matrix tbody tr').dataset.marker = 'drawn once'")
    driver.execute_async_script(load)
    statuses = driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/snapshot'))"
        ".map(e => e.responseStatus)")
    check(statuses[-2:] == [200, 304], f"the snapshot's loads answered {statuses}")
    marker = driver.execute_script("return document.querySelector('#matrix tbody tr').dataset.marker || ''")
    check(marker == "drawn once" and not error.is_displayed(), "an unchanged snapshot was drawn again")
    # The browser logs the 503 as a failed load; nothing else may be there.
    unexpected = [entry for entry in console_errors(driver) if "503" not in entry["message"]]
    check(unexpected == [], f"console errors: {unexpected}")


def check_page(driver, url, snapshot_path, screenshot):
    with open(snapshot_path, encoding="utf-8") as f:
        snapshot = json.load(f)
    driver.get(url)
    check(wait_rendered(driver) == snapshot["generated_at"], "the page rendered another snapshot")
    check(console_errors(driver) == [], f"console errors: {console_errors(driver)}")
    check(driver.title == "memberwatch coverage", f"the page's title is {driver.title!r}")

    # Every cell, against the snapshot; every symbol is the status's own.
    expected = expected_cells(snapshot)
    shown = shown_cells(driver)
    check(set(shown) == set(expected), f"cells differ: missing {sorted(set(expected) - set(shown))[:5]}, "
          f"extra {sorted(set(shown) - set(expected))[:5]}")
    wrong = {key: (shown[key][0], status) for key, status in expected.items() if shown[key][0] != status}
    check(not wrong, f"cells with the wrong status (shown, expected): {sorted(wrong.items())[:5]}")
    symbols = {}
    for status, symbol in shown.values():
        symbols.setdefault(status, set()).add(symbol)
    check(all(len(s) == 1 for s in symbols.values()), f"a status shown with several symbols: {symbols}")
    check(len({next(iter(s)) for s in symbols.values()}) == len(symbols), f"two statuses share a symbol: {symbols}")
    for key, status in KNOWN_CELLS.items():
        check(shown.get(key, (None,))[0] == status, f"{key} shows {shown.get(key)}, the world says {status}")

    # The hostile name is text: no element made of it, the title untouched.
    name_cell = driver.find_element(By.CSS_SELECTOR, f'#matrix tr[data-account="{HOSTILE_ACCOUNT}"] td:nth-child(2)')
    check(name_cell.get_attribute("textContent") == HOSTILE_NAME,
          f"the hostile name shows as {name_cell.get_attribute('textContent')!r}")
    check(name_cell.find_elements(By.CSS_SELECTOR, "*") == [], "the hostile name became markup")
    check(driver.title == "memberwatch coverage", "a script in an account name ran")

    # The sources that are not ok, and the inactive accounts, apart.
    rows = driver.find_elements(By.CSS_SELECTOR, "#sources tbody tr")
    shown_sources = sorted((r.get_attribute("data-state"),) + tuple(c.text for c in
                           r.find_elements(By.TAG_NAME, "td")[1:3]) for r in rows)
    expected_sources = sorted((s["state"], s["service"], s["region"]) for s in snapshot["sources"] if s["state"] != "ok")
    check(shown_sources == expected_sources, f"sources shown {shown_sources}, expected {expected_sources}")
    check({"error", "region_disabled"} <= {s[0] for s in expected_sources}, "the demo lost its failing sources")
    # Every polled source's auto-enable mode and findings.
    rows = driver.find_elements(By.CSS_SELECTOR, "#organization-sources tbody tr")
    shown_modes = {r.get_attribute("data-source"): tuple(c.get_attribute("textContent")
                                                         for c in r.find_elements(By.TAG_NAME, "td")[3:5])
                   for r in rows}
    expected_modes = {f'{s["administrator_id"]} {s["service"]} {s["region"]}':
                      (s["organization"]["auto_enable"] if s["organization"] else "not the administrator, or unknown",
                       ", ".join(s["findings"])) for s in snapshot["sources"] if s["state"] != "region_disabled"}
    check(shown_modes == expected_modes, f"auto-enable shown {shown_modes}, expected {expected_modes}")
    check({"PARTIAL", "CENTRAL", "NONE"} <= {mode for mode, _ in shown_modes.values()},
          "the demo lost its auto-enable modes")
    inactive = [a["account_id"] for a in snapshot["accounts"] if a["inactive"]]
    check(shown_accounts(driver, "inactive") == inactive, f"inactive accounts shown {shown_accounts(driver, 'inactive')}")
    check(not set(inactive) & set(shown_accounts(driver, "matrix")), "an inactive account is in the matrix")
    failing_administrators = [a["account_id"] for a in snapshot["administrators"] if a["error"]]
    shown_failing = [tr.get_attribute("data-administrator")
                     for tr in driver.find_elements(By.CSS_SELECTOR, "#administrator-errors tbody tr")]
    check(shown_failing == failing_administrators and "333333333333" in shown_failing,
          f"administrators with errors shown {shown_failing}, expected {failing_administrators}")
    cycle_text = driver.find_element(By.ID, "cycle").text
    check(cycle_text.startswith("Last cycle finished ") and " ago " in cycle_text, f"cycle line: {cycle_text!r}")

    # A filter by service, region and status: the rows with a gap there.
    all_rows = shown_accounts(driver, "matrix")
    Select(driver.find_element(By.ID, "filter-service")).select_by_value("guardduty")
    Select(driver.find_element(By.ID, "filter-region")).select_by_value("us-east-1")
    Select(driver.find_element(By.ID, "filter-status")).select_by_value("gap")
    wanted = [a["account_id"] for a in snapshot["accounts"] if not a["inactive"] and
              any(g["service"] == "guardduty" and g["region"] == "us-east-1" for g in a["gaps"])]
    try:
        narrowed = wait_until(lambda: shown_accounts(driver, "matrix") if len(shown_accounts(driver, "matrix")) ==
                              len(wanted) else None, 10, "the filter to narrow the rows")
    except TestFailure:
        raise TestFailure(f"the filter shows {shown_accounts(driver, 'matrix')}, expected {wanted}; fragment "
                          f"{driver.execute_script('return location.hash')!r}") from None
    check(narrowed == wanted, f"filtered rows {narrowed}, expected {wanted}")
    check(0 < len(wanted) < len(all_rows), f"the filter narrowed nothing ({len(wanted)} of {len(all_rows)})")
    check({pair for _, pair in shown_cells(driver)} == {"guardduty us-east-1"}, "other columns stayed")
    fragment = driver.execute_script("return location.hash")
    check(fragment == "#service=guardduty&region=us-east-1&status=gap", f"fragment {fragment!r}")

    # The filtered view is a link: opened anew, it shows the same rows.
    driver.get("about:blank")
    driver.get(url + fragment)
    wait_rendered(driver)
    check(shown_accounts(driver, "matrix") == wanted, "the filtered link shows other rows")

    # With an administrator chosen, each cell is what its own source says.
    administrator_view(driver, url, snapshot, "222222222222")

    # An account's link opens its memberships.
    account = wanted[0]
    driver.find_element(By.CSS_SELECTOR, f'#matrix tr[data-account="{account}"] a').click()
    wait_until(lambda: driver.find_element(By.ID, "account-panel").is_displayed(), 10, "the account panel")
    memberships = driver.find_elements(By.CSS_SELECTOR, "#account-memberships tbody tr")
    check(len(memberships) == sum(1 for m in snapshot["memberships"] if m["account_id"] == account),
          f"{account}: {len(memberships)} memberships shown")
    # An account's protection plans it lacks: in its panel.
    lacking = next(a for a in snapshot["accounts"] if a["feature_gaps"] and not a["inactive"])
    driver.get(url + "#account=" + lacking["account_id"])
    wait_until(lambda: driver.find_element(By.ID, "account-panel").is_displayed(), 10, "the account panel")
    facts = driver.find_element(By.ID, "account-facts").text
    for gap in lacking["feature_gaps"]:
        check(f'{gap["service"]} {gap["region"]} {gap["feature"]} {gap["status"]}' in facts,
              f"{lacking['account_id']}: feature gap {gap} not in {facts!r}")
    check(console_errors(driver) == [], f"console errors: {console_errors(driver)}")

    if screenshot:  # the view an operator opens first: what is not covered, from the top
        driver.get("about:blank")
        driver.get(url + "#status=not-covered")
        wait_rendered(driver)
        driver.save_screenshot(screenshot)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--binary-dir", required=True)
    parser.add_argument("--screenshot", help="also save a screenshot of the rendered page here")
    options = parser.parse_args()
    workspace = Workspace(options.source_dir, options.binary_dir)
    driver = None
    try:
        # AssumeRole held 10 s: the page is opened before the first snapshot.
        fake = FakeAws(workspace, world=hostile_world(workspace), faults=["sts.AssumeRole:latency_ms=10000"])
        config = workspace.write_config("memberwatch.yaml", workspace.demo_config())
        driver = start_chromium(workspace)
        daemon = Daemon(workspace, config, fake.url)
        address = wait_until(lambda: (daemon.health_addresses() or [None])[-1], 20, "the health endpoint")
        status, headers, body = http_request(address, "GET", "/")
        check(status == 200 and "script-src 'sha256-" in headers.get("Content-Security-Policy", ""),
              f"GET / answered {status} {headers}")
        check_before_first_snapshot(driver, f"http://{address}/", address)
        check_page(driver, f"http://{address}/", os.path.join(workspace.path, "state/snapshot.json"),
                   options.screenshot)
    except Exception as failure:  # a failed check, or a crash of the test itself: show the logs
        report_failure(workspace, "coverage page", failure)
        return 1
    finally:
        if driver is not None:
            driver.quit()
        workspace.cleanup()
    print("coverage page: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
