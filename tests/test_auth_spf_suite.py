"""The RFC 7208 conformance suite (openspf.org, 203 cases), through a real DNS server on loopback.

Suite conventions (see the comments in the YAML and pyspf's driver): an SPF record also answers
as TXT unless the name has TXT data of its own (`TXT: NONE` counts as having it, with no records);
`TIMEOUT` means queries for a type with no records at that name get no answer at all; a TXT record
with no strings cannot be sent and is left out.
"""

from __future__ import annotations

import json

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.SPF
import dns.rdtypes.ANY.TXT
import dns.rdata
import dns.zone
import pytest

from auth_dnsserver import LoopbackDNSServer
from conftest import SHARED
from helpers import run_cli
from newsletter.auth import validate_domain
from newsletter.auth.resolver import NetworkResolver, dns_name
from newsletter.auth.spf import check_sender
from newsletter.errors import NewsletterError

yaml = pytest.importorskip("yaml")

SUITE = SHARED / "conformance" / "spf" / "rfc7208-tests.yml"


def _scenarios() -> list[dict]:
    if not SUITE.is_file():
        return []
    return [doc for doc in yaml.safe_load_all(SUITE.read_text(encoding="utf-8")) if doc]


def _bytes(text: str) -> bytes:
    return text.encode("latin-1") if all(ord(c) < 256 for c in text) else text.encode("utf-8")


def _txt(rdtype: int, value: str | list[str]) -> dns.rdata.Rdata | None:
    strings = [value] if isinstance(value, str) else list(value)
    if not strings:
        return None
    cls = dns.rdtypes.ANY.TXT.TXT if rdtype == dns.rdatatype.TXT else dns.rdtypes.ANY.SPF.SPF
    return cls(dns.rdataclass.IN, rdtype, [_bytes(s) for s in strings])


def _rdata(kind: str, value) -> dns.rdata.Rdata | None:
    if kind in ("TXT", "SPF"):
        return _txt(dns.rdatatype.from_text(kind), value)
    if kind == "MX":
        preference, host = value
        return dns.rdata.from_text("IN", "MX", f"{preference} {dns_name(host or '.')}")
    if kind in ("PTR", "CNAME"):
        return dns.rdata.from_text("IN", kind, dns_name(value).to_text())
    return dns.rdata.from_text("IN", kind, str(value))


def build_zone(zonedata: dict) -> tuple[dns.zone.Zone, set[dns.name.Name]]:
    zone = dns.zone.Zone(dns.name.root, relativize=False)
    timeouts: set[dns.name.Name] = set()
    for name, entries in zonedata.items():
        owner = dns_name(name)
        node = zone.find_node(owner, create=True)
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        for entry in entries:
            if entry == "TIMEOUT":
                timeouts.add(owner)
                continue
            for kind, value in entry.items():
                if value == "NONE":
                    continue
                kinds = [kind] + (["TXT"] if kind == "SPF" and not has_txt else [])
                for rdtype in kinds:
                    rdata = _rdata(rdtype, value)
                    if rdata is not None:
                        node.find_rdataset(dns.rdataclass.IN, rdata.rdtype, create=True).add(
                            rdata, 300)
    return zone, timeouts


def _cases() -> list:
    params = []
    for scenario in _scenarios():
        zone = build_zone(scenario["zonedata"])
        title = scenario["description"]
        for name, case in scenario["tests"].items():
            params.append(pytest.param(zone, case, id=f"{title}/{name}"))
    return params


CASES = _cases()


@pytest.fixture(scope="module")
def server():
    with LoopbackDNSServer(dns.zone.Zone(dns.name.root, relativize=False)) as running:
        yield running


def test_suite_is_complete():
    if not SUITE.is_file():
        pytest.skip(f"SPF suite not found at {SUITE}")
    assert len(CASES) == 203


def serve(server: LoopbackDNSServer, zone) -> None:
    """Point the server at a scenario's zone; its TIMEOUT names never answer a type they lack."""
    server.zone, timeouts = zone

    def drop(name: dns.name.Name, rdtype: int) -> bool:
        if name not in timeouts:
            return False
        node = server.zone.get_node(name)
        return node is None or node.get_rdataset(dns.rdataclass.IN, rdtype) is None

    server.drop = drop


def expected_results(case: dict) -> list[str]:
    return case["result"] if isinstance(case["result"], list) else [case["result"]]


@pytest.mark.parametrize(("zone", "case"), CASES)
def test_rfc7208(server: LoopbackDNSServer, zone, case: dict) -> None:
    serve(server, zone)
    resolver = NetworkResolver([server.address], timeout=0.3)
    try:
        evaluation = check_sender(resolver, case["host"], case["mailfrom"], case.get("helo", ""))
    finally:
        resolver.close()
    assert evaluation.result.value in expected_results(case), evaluation.reason
    if "explanation" in case and evaluation.result.value == "fail":
        if case["explanation"] == "DEFAULT":
            assert evaluation.explanation is None
        else:  # %{i} of IPv6 gives lower-case nibbles (RFC 7208 7.4); the suite writes upper case
            assert (evaluation.explanation or "").lower() == case["explanation"].lower()


def report_domain(case: dict) -> str:
    """The DOMAIN a user would name: the identity's own domain, or, where that is not a domain at
    all (a 64-byte or empty label, a HELO that is no FQDN, an address literal), another one: SPF
    still checks the identity given with --mail-from and --helo."""
    identity = case["mailfrom"].rpartition("@")[2] or case.get("helo", "")
    try:
        return validate_domain(identity)
    except NewsletterError:
        return "example.com"


@pytest.mark.parametrize(("zone", "case"), CASES)
def test_rfc7208_through_the_command(server: LoopbackDNSServer, zone, case: dict) -> None:
    """Issue 12 item 19: the same 203 cases through `newsletter dns --ip --mail-from --helo`."""
    serve(server, zone)
    run = run_cli("dns", report_domain(case), "--only", "spf", "--format", "json",
                  "--ip", case["host"], "--mail-from", case["mailfrom"],
                  "--helo", case.get("helo", ""),
                  "--nameserver", f"127.0.0.1:{server.port}", "--timeout", "0.3")
    assert run.exit_code in (0, 1), run.stderr
    spf = json.loads(run.text)["spf"]
    assert spf["result"] in expected_results(case), spf["reason"]
