"""`newsletter dns` end to end: a real DNS server on loopback, zone files, exit codes, JSON Lines."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from auth_dnsserver import LoopbackDNSServer
from conftest import CORPUS, requires_shared
from newsletter.auth.resolver import zone_from_records
from newsletter.cli import main

GOOD = {
    "boutique.example": {"TXT": ['"v=spf1 ip4:192.0.2.0/24 include:_spf.esp.example -all"'],
                         "MX": ["10 mx.boutique.example."]},
    "mx.boutique.example": {"A": ["192.0.2.25"]},
    "_spf.esp.example": {"TXT": ['"v=spf1 ip4:198.51.100.0/24 -all"']},
    "_dmarc.boutique.example": {"TXT": ['"v=DMARC1; p=reject; rua=mailto:dmarc@boutique.example"']},
    "s1._domainkey.boutique.example": {
        "TXT": ['"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="']},
    "default._bimi.boutique.example": {"TXT": ['"v=BIMI1; l=https://boutique.example/logo.svg"']},
    "_mta-sts.boutique.example": {"TXT": ['"v=STSv1; id=20240101"']},
    "_smtp._tls.boutique.example": {"TXT": ['"v=TLSRPTv1; rua=mailto:tls@boutique.example"']},
    "25.2.0.192.in-addr.arpa": {"PTR": ["mx.boutique.example."]},
    "broken.example": {"TXT": ['"v=spf1 include:nowhere.example +all"']},
}


@pytest.fixture(scope="module")
def server():
    with LoopbackDNSServer(zone_from_records(GOOD)) as running:
        yield running


def run(*args: str):
    return CliRunner().invoke(main, ["dns", *args])


def ns(server) -> list[str]:
    return ["--nameserver", f"127.0.0.1:{server.port}", "--timeout", "0.5"]


def test_json_lines_one_object_per_domain_in_order(server):
    result = run("boutique.example", "broken.example", "--ip", "192.0.2.25", "--format", "json",
                 *ns(server))
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["domain"] for line in lines] == ["boutique.example", "broken.example"]
    good = lines[0]
    assert set(good) >= {"domain", "spf", "dkim", "dmarc", "mx", "bulk_sender", "findings"}
    assert good["spf"] == {"record": GOOD["boutique.example"]["TXT"][0].strip('"'),
                           "lookups": 1, "void_lookups": 0, "result": "pass",
                           "reason": "'ip4:192.0.2.0/24' matched in the record of boutique.example",
                           "explanation": None}
    assert good["dkim"][0] | {"record": None} == {"selector": "s1", "record": None,
                                                  "key_type": "ed25519", "key_bits": 256,
                                                  "revoked": False, "testing": False}
    assert good["dmarc"]["policy"] == "reject" and good["dmarc"]["org_domain"] == "boutique.example"
    assert good["mx"] == [{"preference": 10, "host": "mx.boutique.example",
                           "addresses": ["192.0.2.25"]}]
    assert good["ptr"]["confirmed"] == ["mx.boutique.example"]
    assert good["bulk_sender"]["gmail"]["verdict"] == "unknown"  # no message: DKIM unverified
    broken = {f["rule"] for f in lines[1]["findings"]}
    assert {"SPF006", "SPF012", "DMARC001", "SPF013"} <= broken
    assert result.exit_code == 1


def test_text_report_and_exit_0(server):
    result = run("boutique.example", "--only", "spf,dmarc,mx", *ns(server))
    assert result.exit_code == 0, result.output
    assert "SPF       v=spf1 ip4:192.0.2.0/24" in result.output
    assert "DMARC     v=DMARC1; p=reject" in result.output
    assert "Microsoft unknown" in result.output  # the longest label: every value starts at the same column
    assert "DKIM" not in result.output.replace("DKIM key", "")


def test_only_limits_the_queries(server):
    server.reset_counts()
    result = run("boutique.example", "--only", "mx", "--format", "json", *ns(server))
    data = json.loads(result.output)
    assert data["spf"] is None and data["dmarc"] is None and data["mx"]
    assert {q[1] for q in server.questions} <= {"MX", "A", "AAAA"}
    evidence = {r["id"]: r["evidence"] for r in data["bulk_sender"]["gmail"]["requirements"]}
    assert "not checked" in evidence["dkim"] and "not checked" in evidence["spf"]


@requires_shared
def test_message_verification_through_the_command(tmp_path):
    keys = json.loads((CORPUS / "eml" / "KEYS.json").read_text())
    zone = tmp_path / "football.zone"
    zone.write_text("$ORIGIN football.example.com.\n$TTL 300\n" + "".join(
        f'{name.split(".football")[0]} IN TXT "{value}"\n'
        for name, value in keys.items() if not name.startswith("_")))
    result = run("football.example.com", "--zone", str(zone), "--format", "json",
                 "--message", str(CORPUS / "eml" / "dkimpy__rfc8463-football-simple.eml"),
                 "--only", "dkim")
    data = json.loads(result.output)
    assert [s["result"] for s in data["dkim_signatures"]] == ["pass", "pass"]
    assert data["bulk_sender"]["gmail"]["requirements"][1]["status"] == "pass"


def test_zone_file_mode_needs_no_network(tmp_path):
    zone = tmp_path / "shop.zone"
    zone.write_text('$ORIGIN shop.example.\n$TTL 300\n@ IN TXT "v=spf1 ip4:192.0.2.1 ?all"\n'
                    '_dmarc IN TXT "v=DMARC1; p=none"\n')
    result = run("shop.example", "--zone", str(zone), "--format", "json", "--only", "spf,dmarc")
    data = json.loads(result.output)
    assert data["spf"]["record"] == "v=spf1 ip4:192.0.2.1 ?all"
    assert {"SPF007", "DMARC004"} <= {f["rule"] for f in data["findings"]}
    assert result.exit_code == 0


@pytest.mark.parametrize("args", [
    ["not a domain"], ["a..b.example"], ["bad-.example"], ["x" * 64 + ".example"], ["[192.0.2.5]"],
    ["A2345678"], ["shop.example", "--ip", "999.1.1.1"],
    ["shop.example", "--only", "spf,nope"], ["shop.example", "--nameserver", "ns.example"],
    ["shop.example", "--zone", "/nonexistent.zone"],
    ["shop.example", "--message", "/nonexistent.eml"],
])
def test_bad_input_is_one_line_and_exit_2(args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_message_that_is_not_an_email_is_exit_2(tmp_path):
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\xff not a message")
    result = run("shop.example", "--message", str(junk), "--zone", str(junk.with_suffix(".zone")))
    assert result.exit_code == 2
    junk.with_suffix(".zone").write_text("$ORIGIN shop.example.\n@ 300 IN A 192.0.2.1\n")
    result = run("shop.example", "--message", str(junk), "--zone", str(junk.with_suffix(".zone")))
    assert result.exit_code == 2 and "junk.eml" in result.output and "RFC 5322" in result.output


def test_unreadable_zone_file_says_where(tmp_path):
    zone = tmp_path / "bad.zone"
    zone.write_text("$ORIGIN shop.example.\n@ IN A not-an-address\n")
    result = run("shop.example", "--zone", str(zone))
    assert result.exit_code == 2 and "bad.zone" in result.output


def test_unreachable_nameserver_is_exit_2_quickly():
    started = time.monotonic()
    result = run("shop.example", "--nameserver", "127.0.0.1:9", "--timeout", "0.2", "--only", "spf")
    assert result.exit_code == 2 and "no answer from the nameserver" in result.output
    assert time.monotonic() - started < 3


def test_timeouts_give_temperror_findings_not_a_hang(server):
    server.drop = lambda name, rdtype: "boutique" in name.to_text()
    try:
        started = time.monotonic()
        result = run("boutique.example", "--only", "spf,dmarc", "--format", "json",
                     "--nameserver", f"127.0.0.1:{server.port}", "--timeout", "0.2")
    finally:
        server.drop = lambda name, rdtype: False
    assert time.monotonic() - started < 5
    rules = {f["rule"] for f in json.loads(result.output)["findings"]}
    assert {"SPF014", "DMARC013"} <= rules


def test_zone_file_with_nameserver_reads_includes_from_dns(server, tmp_path):
    zone = tmp_path / "new.zone"
    zone.write_text('$ORIGIN new.example.\n$TTL 300\n'
                    '@ IN TXT "v=spf1 include:_spf.esp.example include:nowhere.example -all"\n')
    offline = json.loads(run("new.example", "--zone", str(zone), "--only", "spf",
                             "--format", "json").output)
    assert {f["rule"] for f in offline["findings"]} == {"SPF014"}  # includes outside the zone
    layered = json.loads(run("new.example", "--zone", str(zone), "--only", "spf",
                             "--format", "json", *ns(server)).output)
    # nowhere.example has no SPF: a permerror at receivers, so the bulk-sender rules fail too
    assert {f["rule"] for f in layered["findings"]} == {"SPF012", "AUTH012"}
    assert layered["spf"]["lookups"] == 2


@pytest.mark.parametrize(("helo", "result"), [
    ("mta.shop.example", "pass"),
    ("[192.0.2.25]", "none"),  # an address literal: normal in SMTP, not a domain
    ("mta", "none"),  # not a FQDN
])
def test_null_sender_is_checked_by_its_helo_name(tmp_path, helo, result):
    """`--mail-from ''` is the null reverse-path: SPF checks postmaster@HELO (RFC 7208 2.4), not
    postmaster@DOMAIN; an invalid HELO gives 'none' (4.3), not a usage error."""
    zone = tmp_path / "shop.zone"
    zone.write_text('$ORIGIN shop.example.\n$TTL 300\n@ IN TXT "v=spf1 -all"\n'
                    '_dmarc IN TXT "v=DMARC1; p=reject"\nmta IN TXT "v=spf1 ip4:192.0.2.25 -all"\n')
    checked = run("shop.example", "--zone", str(zone), "--only", "spf", "--format", "json",
                  "--ip", "192.0.2.25", "--mail-from", "", "--helo", helo)
    spf = json.loads(checked.output)["spf"]
    assert (spf["result"], checked.exit_code) == (result, 0 if result == "pass" else 1)
    assert helo in spf["reason"]
