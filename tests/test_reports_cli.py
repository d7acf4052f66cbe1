"""`newsletter reports` as a user runs it: a mailbox of reports in, the summary out (text, JSON,
CSV rows, HTML), the senders identified from zone files, exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import mailbox

import pytest

from helpers import assert_one_line_error, run_cli
from reports_helpers import aggregate_xml, gzipped, record, report, report_message, tls_json, write, zipped

DOMAIN = "maison-lumiere.example"
DAY = 86400
START = 1_790_000_000 - 1_790_000_000 % DAY  # a midnight, UTC

ZONE = f"""$ORIGIN {DOMAIN}.
$TTL 3600
@    IN SOA ns1 hostmaster 1 3600 600 1209600 300
@    IN NS  ns1
@    IN TXT "v=spf1 ip4:192.0.2.25 include:spf.brevo.com -all"
mx1  IN A   192.0.2.25
"""
PROVIDERS = """$ORIGIN example.
$TTL 3600
@    IN SOA ns1 hostmaster 1 3600 600 1209600 300
@    IN NS  ns1
"""
BREVO = """$ORIGIN spf.brevo.com.
$TTL 3600
@    IN SOA ns1.brevo.com. hostmaster.brevo.com. 1 3600 600 1209600 300
@    IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
"""
GOOGLE = """$ORIGIN google.com.
$TTL 3600
@    IN SOA ns1 hostmaster 1 3600 600 1209600 300
mail-sor-f41 IN A 209.85.220.41
"""
REVERSE = """$ORIGIN in-addr.arpa.
$TTL 3600
@    IN SOA ns1.example. hostmaster.example. 1 3600 600 1209600 300
25.2.0.192      IN PTR mx1.maison-lumiere.example.
41.220.85.209   IN PTR mail-sor-f41.google.com.
66.113.0.203    IN PTR mail.spoofer.example.
"""


def day_report(n: int, *, p: str = "none", blocked: int = 0):
    """Day n: our server, Brevo (DKIM-aligned, its own bounce domain), a Google forward, a spoofer."""
    records = (
        record("192.0.2.25", 1000),
        record("198.51.100.7", 300, spf="fail", spf_domain="bounces.brevo.com", spf_result="pass"),
        record("209.85.220.41", 20, spf="fail", spf_domain="gmail.com", spf_result="pass"),
        record("203.0.113.66", 50, dkim="fail", spf="fail", dkim_domain=None, spf_domain="spoofer.example",
               spf_result="fail", disposition="none" if p == "none" else p),
    )
    if blocked:
        records += (record("192.0.2.25", blocked, dkim="fail", spf="fail", disposition=p),)
    return report(f"google-{n}", begin=START + n * DAY, p=p, records=records)


@pytest.fixture
def mailbox_of_reports(tmp_path):
    box = mailbox.mbox(tmp_path / "rua.mbox")
    for n in range(16):
        box.add(report_message(gzipped(aggregate_xml(day_report(n))), f"google.com!{DOMAIN}!{n}.xml.gz"))
    box.add(report_message(gzipped(tls_json()), "tls.json.gz", subtype="tlsrpt+gzip"))
    box.flush()
    return tmp_path / "rua.mbox"


@pytest.fixture
def zones(tmp_path):
    return [write(tmp_path / f"{name}.zone", text.encode()) for name, text in
            (("shop", ZONE), ("brevo", BREVO), ("google", GOOGLE), ("reverse", REVERSE))]


def zone_args(zones):
    return [arg for z in zones for arg in ("--zone", z)]


def test_the_text_report_of_a_mailbox(tmp_path, mailbox_of_reports, zones):
    run = run_cli("reports", mailbox_of_reports, "--db", tmp_path / "r.db", *zone_args(zones))
    assert run.exit_code == 0, run.stderr
    assert run.stderr.strip().endswith(f"17 reports read (17 new, 0 already in the store), 0 inputs skipped -> "
                                       f"{tmp_path / 'r.db'}")
    text = run.text
    assert f"{DOMAIN}: DMARC, 16 reports from 1 receiver" in text
    assert "messages 21,920, DMARC pass 96.4%" in text  # (1000 + 300 + 20) * 16 of 1370 * 16
    assert "192.0.2.25 mx1.maison-lumiere.example" in text
    # messages, DMARC, SPF aligned, DKIM aligned, blocked, in SPF, IP, [reverse name], [provider]
    lines = {line.split()[6]: line for line in text.splitlines() if line.startswith("    ") and
             len(line.split()) > 6 and line.split()[6].count(".") == 3}
    assert lines["198.51.100.7"].split()[5] == "yes" and "Brevo (yours)" in lines["198.51.100.7"]
    assert "mail-sor-f41.google.com" in lines["209.85.220.41"] and "Google (yours)" in lines["209.85.220.41"]
    assert lines["203.0.113.66"].split()[5] == "no" and "(yours)" not in lines["203.0.113.66"]
    assert ("warning DR001 203.0.113.66 (mail.spoofer.example) sent 800 messages as maison-lumiere.example: "
            "not in its SPF record (fail), no aligned DKIM signature") in text
    assert "info DR002 209.85.220.41 (mail-sor-f41.google.com, Google) sent 320 messages" in text
    assert ("info DR004 ready for p=quarantine: 100.0% of 21,120 messages from your own sources passed DMARC "
            "in reports of 16 days; 800 messages came from other sources") in text
    assert "warning DR009 3 of 1,000 TLS sessions to maison-lumiere.example failed: certificate-expired (3)" in text


def test_reading_it_again_counts_nothing_twice(tmp_path, mailbox_of_reports):
    first = run_cli("reports", mailbox_of_reports, "--db", tmp_path / "r.db", "--format", "json")
    second = run_cli("reports", mailbox_of_reports, "--db", tmp_path / "r.db", "--format", "json")
    assert "(0 new, 17 already in the store)" in second.stderr
    assert first.stdout == second.stdout


def test_json_summary(tmp_path, mailbox_of_reports, zones):
    run = run_cli("reports", mailbox_of_reports, "--db", tmp_path / "r.db", "--format", "json", *zone_args(zones))
    dmarc, tls = [json.loads(line) for line in run.text.splitlines()]
    assert (dmarc["type"], dmarc["domain"], dmarc["messages"], dmarc["dmarc_pass"]) == ("dmarc", DOMAIN, 21920, 21120)
    assert [d["day"] for d in dmarc["per_day"]][:2] == ["2026-09-21", "2026-09-22"]
    assert dmarc["policy"] == {"p": "none", "sp": "none", "pct": 100, "adkim": "r", "aspf": "r"}
    by_ip = {s["ip"]: s for s in dmarc["sources"]}
    assert by_ip["198.51.100.7"]["provider"] == "Brevo" and by_ip["198.51.100.7"]["spf"] == "pass"
    assert by_ip["198.51.100.7"]["spf_mechanism"] == "include:spf.brevo.com"
    assert by_ip["209.85.220.41"]["reverse"] == "confirmed"
    assert by_ip["203.0.113.66"]["reverse"] == "unconfirmed" and by_ip["203.0.113.66"]["own"] is False
    assert [f["rule"] for f in dmarc["findings"]] == ["DR001", "DR002", "DR004"]
    assert tls["failed"] == 3 and tls["failures"] == [{"result_type": "certificate-expired", "sessions": 3}]


def test_without_dns_the_senders_are_not_checked(tmp_path, mailbox_of_reports):
    run = run_cli("reports", mailbox_of_reports, "--db", tmp_path / "r.db", "--format", "json")
    dmarc = json.loads(run.text.splitlines()[0])
    assert {s["spf"] for s in dmarc["sources"]} == {None}
    assert [f["rule"] for f in dmarc["findings"]] == ["DR003", "DR004"]


def test_own_mail_blocked_is_an_error(tmp_path):
    write(tmp_path / "r.xml", aggregate_xml(day_report(0, p="quarantine", blocked=40)))
    run = run_cli("reports", tmp_path / "r.xml", "--db", tmp_path / "r.db")
    assert run.exit_code == 1
    assert "error DR006 40 messages from your own sources were quarantined or rejected: 192.0.2.25 (40)" in run.text


def test_not_enough_days_for_advice(tmp_path):
    write(tmp_path / "r.xml", aggregate_xml(day_report(0)))
    run = run_cli("reports", tmp_path / "r.xml", "--db", tmp_path / "r.db")
    assert run.exit_code == 0
    assert "info DR007 p=none:" in run.text and "the advice needs 14 days and 100 of your messages" in run.text


def test_policy_not_ready_names_the_failing_sources(tmp_path):
    box = tmp_path / "in"
    for n in range(15):
        write(box / f"{n}.xml", aggregate_xml(report(f"r{n}", begin=START + n * DAY, records=(
            record("192.0.2.25", 90), record("192.0.2.25", 10, spf="fail", dkim="fail", dkim_domain=DOMAIN)))))
    run = run_cli("reports", box, "--db", tmp_path / "r.db")
    assert ("warning DR005 not ready for p=quarantine: 90.0% of 1,500 messages from your own sources passed DMARC "
            "in reports of 15 days; 0 messages came from other sources, below 98%; fix first: 192.0.2.25 "
            "(150 failed)") in run.text


def test_csv_rows_for_another_engine(tmp_path, mailbox_of_reports):
    spoofed = report("formula", org="=HYPERLINK(\"http://evil.example\")", records=(record(),))
    write(tmp_path / "formula.xml", aggregate_xml(spoofed))
    run = run_cli("reports", mailbox_of_reports, tmp_path / "formula.xml", "--db", tmp_path / "r.db",
                  "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.text)))
    assert len(rows) == 16 * 4 + 1
    assert rows[0]["source_ip"] == "192.0.2.25" and rows[0]["count"] == "1000" and rows[0]["begin"].endswith("Z")
    assert json.loads(rows[0]["dkim_results"]) == [{"domain": DOMAIN, "result": "pass", "selector": "lumiere2026"}]
    assert {r["reporter"] for r in rows} == {"google.com", "'=hyperlink(\"http://evil.example\")"}


def test_json_rows_of_tls_reports(tmp_path, mailbox_of_reports):
    run = run_cli("reports", mailbox_of_reports, "--db", tmp_path / "r.db", "--format", "json", "--rows", "tls")
    (row,) = [json.loads(line) for line in run.text.splitlines()]
    assert row["policy_domain"] == DOMAIN and row["failures"][0]["failed_session_count"] == 3


def test_filters(tmp_path, mailbox_of_reports):
    write(tmp_path / "other.xml", aggregate_xml(report("other", domain="autre.example")))
    run_cli("reports", mailbox_of_reports, tmp_path / "other.xml", "--db", tmp_path / "r.db")
    only = run_cli("reports", "--db", tmp_path / "r.db", "--format", "json", "--domain", "autre.example")
    assert [json.loads(line)["domain"] for line in only.text.splitlines()] == ["autre.example"]
    days = run_cli("reports", "--db", tmp_path / "r.db", "--format", "json", "--domain", DOMAIN,
                   "--since", "2026-09-23", "--until", "2026-09-25")
    dmarc = json.loads(days.text.splitlines()[0])
    assert [d["day"] for d in dmarc["per_day"]] == ["2026-09-23", "2026-09-24"]


def test_invalid_inputs_are_skipped_one_line_each(tmp_path):
    xml = aggregate_xml(report())
    write(tmp_path / "a.xml", xml.replace(b"<dkim>pass</dkim>", b"<dkim>PASS</dkim>", 1))
    line = xml[:xml.index(b"<dkim>pass</dkim>")].count(b"\n") + 1
    write(tmp_path / "b.xml", b"")
    write(tmp_path / "c.xml", aggregate_xml(report("fine")))
    run = run_cli("reports", tmp_path / "a.xml", tmp_path / "b.xml", tmp_path / "c.xml", "--db", tmp_path / "r.db")
    assert run.exit_code == 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in run.stderr
    assert lines[0].startswith(f"newsletter: skipped: {tmp_path / 'a.xml'}:{line}: <dkim> is 'PASS', not one of pass, "
                               "fail")
    assert lines[1] == f"newsletter: skipped: {tmp_path / 'b.xml'}: empty file: no report in it"
    assert "1 report read (1 new, 0 already in the store), 2 inputs skipped" in lines[2]


def test_nothing_readable_is_exit_2(tmp_path):
    write(tmp_path / "junk.txt", b"hello")
    run = run_cli("reports", tmp_path / "junk.txt", "--db", tmp_path / "r.db")
    assert run.exit_code == 2 and run.stdout == b""
    assert run.stderr.strip().splitlines()[-1] == (
        "newsletter: error: no DMARC aggregate or SMTP TLS report could be read from the inputs; see the lines "
        "above for each input's reason")


def test_nothing_readable_leaves_no_new_store_and_keeps_an_old_one(tmp_path):
    """A mistyped path must not leave an empty store behind; a store that was there stays."""
    run = run_cli("reports", tmp_path / "missing.xml", "--db", tmp_path / "new.db")
    assert run.exit_code == 2 and not (tmp_path / "new.db").exists()
    kept = tmp_path / "kept.db"
    assert run_cli("reports", "--db", kept).exit_code == 0 and kept.exists()
    assert run_cli("reports", tmp_path / "missing.xml", "--db", kept).exit_code == 2 and kept.exists()


@pytest.mark.parametrize("args, fragment", [
    (("--rows", "dmarc"), "--rows exports with --format json or csv, not text"),
    (("--since", "yesterday"), "--since 'yesterday' is not a day"),
    (("--zone", "missing.zone"), "cannot read zone file"),
])
def test_usage_errors_are_one_line(tmp_path, args, fragment):
    assert_one_line_error(run_cli("reports", "--db", tmp_path / "r.db", *args), fragment)


def test_a_store_that_is_not_one_is_one_line(tmp_path):
    write(tmp_path / "r.db", b"this is not a database, not at all" * 20)
    assert_one_line_error(run_cli("reports", "--db", tmp_path / "r.db"), "cannot open the report store")


def test_settings_name_the_esp_and_own_ranges(tmp_path, monkeypatch):
    write(tmp_path / "newsletter.toml", b'[reports]\nesp = "mailjet"\nown_ips = ["203.0.113.0/24"]\n'
                                        b'db = "data/reports.sqlite"\n')
    write(tmp_path / "r.xml", aggregate_xml(day_report(0)))
    monkeypatch.chdir(tmp_path)
    run = run_cli("reports", "r.xml", "--format", "json")
    assert (tmp_path / "data" / "reports.sqlite").is_file()
    sources = {s["ip"]: s for s in json.loads(run.text.splitlines()[0])["sources"]}
    assert sources["203.0.113.66"]["own"] is True and sources["203.0.113.66"]["provider"] == "Mailjet"


def test_the_default_store_is_beside_the_configuration(tmp_path, monkeypatch):
    write(tmp_path / "newsletter.toml", b'locale = "fr"\n')
    write(tmp_path / "sub" / "r.xml", aggregate_xml(report()))
    monkeypatch.chdir(tmp_path / "sub")
    assert run_cli("reports", "r.xml").exit_code == 0
    assert (tmp_path / "newsletter-reports.sqlite").is_file()


@pytest.mark.parametrize("toml, fragment", [
    (b'[reports]\nesp = "sendmail"\n', "'reports.esp' is 'sendmail', not a known provider"),
    (b'[reports]\nown_ip = []\n', "unknown key 'reports.own_ip'; did you mean 'own_ips'?"),
    (b'[reports]\nown_ips = ["192.0.2.300/24"]\n', "'reports.own_ips': '192.0.2.300/24' is not an IP range"),
])
def test_bad_settings_are_one_line(tmp_path, monkeypatch, toml, fragment):
    write(tmp_path / "newsletter.toml", toml)
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(run_cli("reports"), fragment)


def test_html_is_self_contained_and_escapes_what_reports_say(tmp_path, mailbox_of_reports):
    hostile = report("hostile", domain="<script>alert(1)</script>.example",
                     records=(record(header_from="x.example"),))
    write(tmp_path / "hostile.xml", aggregate_xml(hostile))
    target = tmp_path / "out" / "report.html"
    run = run_cli("reports", mailbox_of_reports, tmp_path / "hostile.xml", "--db", tmp_path / "r.db",
                  "--format", "html", "-o", target)
    assert run.exit_code == 0 and run.stdout == b""
    page = target.read_text()
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;.example" in page
    assert "default-src 'none'" in page and "http://" not in page and "https://" not in page.split("<main>")[0]
    assert page.count("<svg") == 4  # two charts per DMARC domain
    assert "DMARC pass rate per day" in page and "Volume per source" in page


def test_a_zip_in_a_message_in_a_maildir(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(report_message(zipped({"r.xml": aggregate_xml(report())}), "google.com!x!1!2.zip", subtype="zip"))
    run = run_cli("reports", tmp_path / "Maildir", "--db", tmp_path / "r.db", "--format", "json")
    assert json.loads(run.text.splitlines()[0])["messages"] == 10
