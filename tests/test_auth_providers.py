"""The providers' bulk-sender verdicts: Microsoft's (Outlook.com, since May 2025) beside Gmail's
and Yahoo's, in `newsletter dns` and `newsletter check`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from newsletter.auth.bulk import _catalogue
from newsletter.cli import main

ZONE = ('$ORIGIN shop.example.\n$TTL 300\n@ IN TXT "v=spf1 ip4:192.0.2.1 -all"\n'
        '_dmarc IN TXT "v=DMARC1; p=none"\n')


def dns(tmp_path, *args: str):
    zone = tmp_path / "shop.zone"
    zone.write_text(ZONE)
    return CliRunner().invoke(main, ["dns", "shop.example", "--zone", str(zone), *args])


def test_microsoft_asks_spf_dkim_dmarc_and_alignment_and_cites_its_post():
    microsoft = _catalogue()["provider"]["microsoft"]
    assert microsoft["requirements"] == ["spf", "dkim", "dmarc", "alignment"]
    assert microsoft["source"].startswith("https://techcommunity.microsoft.com/")
    assert "5.7.515" in microsoft["enforced"] and "5,000" in microsoft["threshold"]


def test_microsoft_verdict_beside_gmail_and_yahoo(tmp_path):
    data = json.loads(dns(tmp_path, "--ip", "203.0.113.9", "--format", "json").output)
    assert list(data["bulk_sender"]) == ["gmail", "yahoo", "microsoft"]
    microsoft = data["bulk_sender"]["microsoft"]
    assert [r["id"] for r in microsoft["requirements"]] == ["spf", "dkim", "dmarc", "alignment"]
    assert microsoft["requirements"][0]["status"] == "fail"  # 203.0.113.9 is not in the SPF record
    assert microsoft["verdict"] == "fail"


def test_microsoft_does_not_ask_for_ptr_where_gmail_does(tmp_path):
    data = json.loads(dns(tmp_path, "--ip", "192.0.2.1", "--format", "json").output)
    gmail, microsoft = data["bulk_sender"]["gmail"], data["bulk_sender"]["microsoft"]
    assert "ptr" in {r["id"] for r in gmail["requirements"]}
    assert "ptr" not in {r["id"] for r in microsoft["requirements"]}
    assert microsoft["requirements"][0]["status"] == "pass" and microsoft["requirements"][2]["status"] == "pass"


def test_text_report_has_a_microsoft_row(tmp_path):
    result = dns(tmp_path, "--ip", "203.0.113.9")
    assert any(line.strip().startswith("Microsoft fail") for line in result.output.splitlines()), result.output


def test_check_gives_each_providers_verdict(tmp_path):
    zone = tmp_path / "shop.zone"
    zone.write_text(ZONE)
    message = tmp_path / "m.eml"
    message.write_text("From: Shop <news@shop.example>\nTo: a@b.example\nSubject: Hello\nMessage-ID: <1@shop.example>\n"
                       "Date: Sun, 29 Nov 2026 10:00:00 +0000\nContent-Type: text/plain\n\nHello there.\n")
    result = CliRunner().invoke(main, ["check", str(message), "--zone", str(zone), "--ip", "203.0.113.9",
                                       "--format", "json"])
    record = json.loads(result.output.splitlines()[0])
    assert record["auth"]["bulk_sender"] == {"Gmail": "fail", "Yahoo": "fail", "Microsoft": "fail"}
    text = CliRunner().invoke(main, ["check", str(message), "--zone", str(zone), "--ip", "203.0.113.9"]).output
    assert "bulk-sender rules: NOT met (Gmail NOT met, Yahoo NOT met, Microsoft NOT met)" in text
