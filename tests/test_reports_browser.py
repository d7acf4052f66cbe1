"""The HTML report in real Chromium (Debian's, driven by Playwright through `executable_path`): it
draws its charts, asks the network for nothing, runs no script; and a screenshot of it.

Skipped with the reason when no Chromium (or Playwright) is found."""

from __future__ import annotations

import mailbox

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

from helpers import run_cli
from newsletter.preview import screenshot
from preview_helpers import browser_or_skip, png_size
from reports_helpers import aggregate_xml, gzipped, report_message, tls_json
from test_reports_cli import day_report, zone_args, zones  # noqa: F401  (the zone files fixture)


@pytest.fixture
def page_html(tmp_path, zones):  # noqa: F811
    box = mailbox.mbox(tmp_path / "rua.mbox")
    for n in range(21):
        blocked = {"p": "quarantine", "blocked": 40} if n in (5, 6) else {}  # two days of own mail quarantined
        box.add(report_message(gzipped(aggregate_xml(day_report(n, **blocked))), f"{n}.xml.gz"))
    box.add(report_message(gzipped(tls_json()), "tls.json.gz", subtype="tlsrpt+gzip"))
    box.flush()
    target = tmp_path / "report.html"
    run = run_cli("reports", tmp_path / "rua.mbox", "--db", tmp_path / "r.db", "--format", "html", "-o", target,
                  *zone_args(zones))
    assert run.exit_code == 1, run.stderr  # DR006 (own mail quarantined) is an error
    return target


def test_the_page_draws_its_charts_offline(page_html):
    browser = browser_or_skip()
    if sync_playwright is None:
        pytest.skip("playwright is not installed")
    requests, errors = [], []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(browser), args=["--no-sandbox"])
        try:
            page = chromium.new_page(viewport={"width": 1100, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_html.as_uri())
            days = page.locator("svg[aria-label='DMARC pass rate per day'] rect")
            assert days.count() == 21
            low = [days.nth(i).bounding_box()["height"] for i in (5, 4)]
            assert 0 < low[0] < low[1]  # the two days of blocked mail stand lower
            bars = page.locator("svg[aria-label='Volume per source'] rect")
            assert bars.count() == 2 * 4 and all(bars.nth(i).is_visible() for i in (0, 2))
            assert page.locator("text=ready for the next policy step").is_visible()
            assert page.locator(".sev.error").first.is_visible()  # DR006: own mail blocked
            assert page.evaluate("document.scripts.length") == 0
        finally:
            chromium.close()
    assert requests == [page_html.as_uri()] and errors == []


def test_a_screenshot_of_the_page(page_html):
    browser = browser_or_skip()
    png = screenshot(page_html.read_text(), browser, width=1100)
    width, height = png_size(png)
    assert width == 1100 and height > 900
