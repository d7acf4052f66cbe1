"""The DNS seam against a real DNS server on loopback (UDP, TCP, truncation, timeouts) and zone files."""

from __future__ import annotations

import ipaddress
import time
from concurrent.futures import ThreadPoolExecutor

import dns.name
import pytest

from auth_dnsserver import LoopbackDNSServer
from newsletter.auth.resolver import (MemoryResolver, Mx, NetworkResolver, Status, Txt,
                                      ZoneResolver, parse_nameserver, zone_from_records)
from newsletter.errors import NewsletterError
from newsletter.limits import input_limits

RECORDS = {
    "shop.example": {"TXT": ['"v=spf1 " "-all"', '"hello"'], "MX": ["10 mx.shop.example."],
                     "A": ["192.0.2.1"], "AAAA": ["2001:db8::1"]},
    "mx.shop.example": {"A": ["192.0.2.25"]},
    "www.shop.example": {"CNAME": ["shop.example."]},
    "loop1.shop.example": {"CNAME": ["loop2.shop.example."]},
    "loop2.shop.example": {"CNAME": ["loop1.shop.example."]},
    "a.b.deep.example": {"A": ["192.0.2.9"]},
    "big.example": {"TXT": [f'"{"x" * 200} {i}"' for i in range(6)]},
    "slow.example": {"TXT": ['"v=spf1 -all"']},
}


@pytest.fixture(scope="module")
def server():
    with LoopbackDNSServer(zone_from_records(RECORDS)) as running:
        yield running


@pytest.fixture
def resolver(server):
    server.truncate = False
    server.drop = lambda name, rdtype: False
    network = NetworkResolver([server.address], timeout=0.5)
    yield network
    network.close()


def test_records_typed(resolver):
    txt = resolver.query("shop.example", "TXT")
    assert txt.status is Status.RECORDS
    assert sorted(r.joined for r in txt.records) == [b"hello", b"v=spf1 -all"]
    assert Txt((b"v=spf1 ", b"-all")) in txt.records  # strings kept apart
    assert resolver.query("shop.example", "MX").records == (Mx(10, "mx.shop.example"),)
    assert resolver.query("shop.example", "AAAA").records == (ipaddress.ip_address("2001:db8::1"),)


def test_nxdomain_nodata_and_empty_non_terminal(resolver):
    assert resolver.query("nowhere.shop.example", "TXT").status is Status.NXDOMAIN
    assert resolver.query("mx.shop.example", "TXT").status is Status.NODATA
    assert resolver.query("b.deep.example", "A").status is Status.NODATA


def test_cname_followed_and_loop_is_temperror(resolver):
    assert resolver.query("WWW.shop.example", "A").records == (ipaddress.ip_address("192.0.2.1"),)
    loop = resolver.query("loop1.shop.example", "A")
    assert loop.status is Status.TEMPERROR and "loop" in loop.error


def test_large_answer_over_udp_limit_retries_over_tcp(server, resolver):
    server.reset_counts()
    answer = resolver.query("big.example", "TXT")
    assert answer.status is Status.RECORDS and len(answer.records) == 6
    assert server.received["tcp"] == 1


def test_truncated_answers_fall_back_to_tcp(server, resolver):
    server.truncate = True
    server.reset_counts()
    assert resolver.query("mx.shop.example", "A").records == (ipaddress.ip_address("192.0.2.25"),)
    assert server.received == {"udp": 1, "tcp": 1}


def test_timeout_is_a_quick_temperror(server):
    server.drop = lambda name, rdtype: name == dns.name.from_text("slow.example")
    network = NetworkResolver([server.address], timeout=0.2)
    started = time.monotonic()
    answer = network.query("slow.example", "TXT")
    assert answer.status is Status.TEMPERROR and "timeout" in answer.error
    assert time.monotonic() - started < 1.0
    network.close()


def test_answers_are_cached_and_concurrent_duplicates_share_one_query(server, resolver):
    server.delay = 0.05
    server.reset_counts()
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: resolver.query("shop.example", "A"), range(8)))
    finally:
        server.delay = 0
    assert {a.status for a in answers} == {Status.RECORDS}
    assert server.total_queries == 1
    resolver.query("shop.example", "A")
    assert server.total_queries == 1


def test_query_many_runs_in_parallel(server, resolver):
    server.delay = 0.1
    try:
        started = time.monotonic()
        answers = resolver.query_many([(f"n{i}.shop.example", "A") for i in range(10)])
        elapsed = time.monotonic() - started
    finally:
        server.delay = 0
    assert all(a.status is Status.NXDOMAIN for a in answers)
    assert elapsed < 0.6  # ten sequential answers would take a second


def test_unreachable_nameserver_gives_temperror():
    network = NetworkResolver([("127.0.0.1", 9)], timeout=0.2)
    answer = network.query("shop.example", "A")
    assert answer.status is Status.TEMPERROR
    assert network.responses == 0
    network.close()


def test_second_nameserver_used_when_first_is_silent(server):
    network = NetworkResolver([("127.0.0.1", 9), server.address], timeout=0.2)
    assert network.query("shop.example", "A").status is Status.RECORDS
    network.close()


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1", ("127.0.0.1", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)),
    ("[::1]:5353", ("::1", 5353)), ("::1", ("::1", 53)),
])
def test_parse_nameserver(text, expected):
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["ns.example", "127.0.0.1:0", "127.0.0.1:abc", "[::1]:99999"])
def test_parse_nameserver_rejects(text):
    with pytest.raises(NewsletterError):
        parse_nameserver(text)


ZONE = """$ORIGIN shop.example.
$TTL 300
@    IN SOA ns hostmaster 1 7200 3600 1209600 300
@    IN NS ns
@    IN TXT "v=spf1 include:_spf.esp.example -all"
ns   IN A 192.0.2.53
www  IN CNAME @
s1._domainkey IN TXT "v=DKIM1; p="
"""


def test_zone_file_resolver(tmp_path):
    path = tmp_path / "shop.zone"
    path.write_text(ZONE)
    zone = ZoneResolver.from_files([path])
    assert zone.query("shop.example", "TXT").records[0].text.startswith("v=spf1")
    assert zone.query("www.shop.example", "TXT").status is Status.RECORDS
    assert zone.query("_domainkey.shop.example", "TXT").status is Status.NODATA
    assert zone.query("nope.shop.example", "TXT").status is Status.NXDOMAIN
    outside = zone.query("_spf.esp.example", "TXT")
    assert outside.status is Status.TEMPERROR and "outside" in outside.error


def test_zone_file_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.zone"
    bad.write_text("$ORIGIN shop.example.\n@ IN MX not-a-number mx\n")
    with pytest.raises(NewsletterError) as error:
        ZoneResolver.from_files([bad])
    assert "bad.zone" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(NewsletterError, match="cannot read"):
        ZoneResolver.from_files([tmp_path / "missing.zone"])


def test_memory_resolver_temporary_failures_and_invalid_names():
    memory = MemoryResolver({"ok.example": {"A": ["192.0.2.1"]}},
                            temporary_failures=["down.example"])
    assert memory.query("down.example", "A").status is Status.TEMPERROR
    assert memory.query("a..b.example", "A").status is Status.NXDOMAIN
    assert memory.query("x" * 64 + ".example", "A").status is Status.NXDOMAIN


def test_zone_cname_chain_stops_at_the_limit():
    limit = input_limits("dns")["max_cname_chain"]

    def chain(hops: int) -> MemoryResolver:
        records = {f"h{i}.chain.example": {"CNAME": [f"h{i + 1}.chain.example."]}
                   for i in range(hops)}
        return MemoryResolver({**records, f"h{hops}.chain.example": {"TXT": ['"end"']}})

    assert chain(limit).query("h0.chain.example", "TXT").status is Status.RECORDS
    answer = chain(limit + 1).query("h0.chain.example", "TXT")
    assert answer.status is Status.TEMPERROR and f"more than {limit} CNAMEs" in answer.error
