"""Zone files given to --zone are untrusted input: the reproductions of issue 12 item 14 (empty,
not UTF-8, `$GENERATE 1-2000000`, /dev/zero) and their neighbours, through `dns` and `check`."""

from __future__ import annotations

import os
import time

import pytest

from helpers import assert_one_line_error, run_cli
from newsletter.auth import CheckOptions, ZoneResolver, check_domain
from newsletter.auth.resolver import Status
from newsletter.limits import input_limits

HEAD = "$ORIGIN shop.example.\n$TTL 300\n"
MESSAGE = (b"From: Shop <news@shop.example>\r\nTo: a@b.example\r\nSubject: Hello\r\n"
           b"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@shop.example>\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello, your order has shipped.\r\n")


@pytest.fixture
def message(tmp_path):
    path = tmp_path / "hello.eml"
    path.write_bytes(MESSAGE)
    return path


def zone_file(tmp_path, content: str | bytes, name: str = "shop.zone"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, newline="")
    return path


def both_commands(zone, message):
    """The same zone through `newsletter dns` and `newsletter check`: (run, run)."""
    return (run_cli("dns", "shop.example", "--zone", zone, "--only", "spf"),
            run_cli("check", message, "--zone", zone))


def test_empty_zone_file_is_one_line_not_a_type_error(tmp_path, message):
    for content in ("", "; just a comment\n\n"):
        zone = zone_file(tmp_path, content)
        for run in both_commands(zone, message):
            assert_one_line_error(run, "shop.zone", "no records")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_zone_file_not_utf8_names_line_and_column(tmp_path, message, bom):
    zone = zone_file(tmp_path, bom + HEAD.encode() + b'@ IN TXT "v=spf1 -all"\n'
                                                     b'www IN TXT "caf\xe9"\n')
    for run in both_commands(zone, message):
        assert_one_line_error(run, "shop.zone:4:16", "not UTF-8", "0xe9", "UTF-8")


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    zone = zone_file(tmp_path, b"\xef\xbb\xbf" + HEAD.encode() + b'@ IN TXT "v=spf1 -all"\n')
    run = run_cli("dns", "shop.example", "--zone", zone, "--only", "spf")
    assert run.exit_code == 0 and "v=spf1 -all" in run.text


def test_generate_two_million_stops_at_the_record_limit_quickly(tmp_path, message):
    limit = input_limits("zone")["max_records"]
    zone = zone_file(tmp_path, HEAD + '@ IN TXT "v=spf1 -all"\n$GENERATE 1-2000000 h$ A 192.0.2.1\n')
    for run in both_commands(zone, message):
        started = time.monotonic()
        assert_one_line_error(run, "shop.zone:4:", f"more than {limit} records", "max_records")
        assert time.monotonic() - started < 30


def test_dev_zero_stops_at_the_size_limit(message):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    limit = input_limits("zone")["max_bytes"]
    for run in both_commands("/dev/zero", message):
        assert_one_line_error(run, "/dev/zero", f"larger than {limit} bytes", "max_bytes")


def test_file_just_over_the_size_limit_is_refused_and_one_under_is_read(tmp_path):
    limit = input_limits("zone")["max_bytes"]
    body = HEAD + '@ IN TXT "v=spf1 -all"\n'
    fits = zone_file(tmp_path, body + ";" * (limit - len(body) - 1) + "\n", "fits.zone")
    assert ZoneResolver.from_files([fits]).query("shop.example", "TXT").status is Status.RECORDS
    over = zone_file(tmp_path, body + ";" * (limit - len(body)) + "\n", "over.zone")
    assert_one_line_error(run_cli("dns", "shop.example", "--zone", over), "over.zone", "larger than")


def test_include_is_refused_it_would_read_any_file(tmp_path):
    zone = zone_file(tmp_path, HEAD + '@ IN TXT "v=spf1 -all"\n$INCLUDE /etc/passwd\n')
    assert_one_line_error(run_cli("dns", "shop.example", "--zone", zone), "shop.zone:4:",
                          "$INCLUDE", "its own --zone")


def test_generate_width_cannot_build_huge_names(tmp_path):
    zone = zone_file(tmp_path, HEAD + "$GENERATE 1-2 h${0,999999999,d} A 192.0.2.1\n")
    assert_one_line_error(run_cli("dns", "shop.example", "--zone", zone), "shop.zone:3:", "width")


@pytest.mark.parametrize(("records", "line"), [
    ("@ IN MX xx\n; a comment\n\n", 3),  # dnspython itself says 4: it has read the newline
    ('@ IN TXT "unterminated\n@ IN A 192.0.2.1\n', 3),
    ("@ IN A 1.2.3\r\n@ IN A 192.0.2.1\r\n", 3),
    ("@ IN SOA ( ns h 1 2\n 3 4 x )\n", 4),
    ("@ IN A 192.0.2.1\nx IN SOA ns h 1 2 3 4 5\n", 4),  # an SOA off the origin (a ValueError)
])
def test_syntax_errors_name_the_line_they_are_on(tmp_path, records, line):
    zone = zone_file(tmp_path, HEAD + records)
    assert_one_line_error(run_cli("dns", "shop.example", "--zone", zone),
                          f"shop.zone:{line}: invalid zone file")


def test_zones_within_the_limits_still_work(tmp_path):
    reverse = zone_file(tmp_path, "$ORIGIN 2.0.192.in-addr.arpa.\n$TTL 300\n"
                                  "$GENERATE 1-254 $ PTR host$.shop.example.\n", "reverse.zone")
    shop = zone_file(tmp_path, HEAD + '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
                                      '_dmarc IN TXT "v=DMARC1; p=reject"\n'
                                      "$GENERATE 1-254 host$ A 192.0.2.$\n")
    run = run_cli("dns", "shop.example", "--zone", shop, "--zone", reverse, "--only", "spf,ptr",
                  "--ip", "192.0.2.77")
    assert run.exit_code == 0, run.stderr
    assert "192.0.2.77 -> host77.shop.example (forward-confirmed)" in run.text


def test_record_longer_than_dns_can_carry_is_refused(tmp_path):
    text = " ".join(f'"{"a" * 250}"' for _ in range(300))  # 75,300 bytes of TXT
    zone = zone_file(tmp_path, HEAD + f"@ IN TXT {text}\n")
    assert_one_line_error(run_cli("dns", "shop.example", "--zone", zone), "shop.zone",
                          "TXT record of shop.example", "65535 bytes")


def test_large_zone_answers_in_constant_time_per_query(tmp_path):
    """Telling NXDOMAIN from an empty non-terminal scanned every name of the zone: 20,000
    lookups in a zone of 5,000 names took minutes."""
    zone = zone_file(tmp_path, HEAD + "".join(f"h{i}.hosts IN A 192.0.2.1\n" for i in range(4999)))
    resolver = ZoneResolver.from_files([zone])
    started = time.monotonic()
    answers = [resolver.query(f"n{i}.shop.example", "A") for i in range(20_000)]
    assert time.monotonic() - started < 10
    assert {a.status for a in answers} == {Status.NXDOMAIN}
    assert resolver.query("hosts.shop.example", "A").status is Status.NODATA


def test_spf_lint_queries_only_the_terms_evaluation_reaches(tmp_path):
    """A record of 2,700 literal a: terms made the lint look up every one (and void-count them);
    evaluation stops after 10 DNS-querying terms, so does the lint."""
    terms = " ".join(f"a:x{i}.shop.example" for i in range(2700))
    text = " ".join(f'"{terms[i:i + 250]}"' for i in range(0, len(terms), 250))
    zone = zone_file(tmp_path, HEAD + f'@ IN TXT "v=spf1 " {text}\n')
    resolver = ZoneResolver.from_files([zone])
    report = check_domain("shop.example", resolver, CheckOptions(ip="192.0.2.1",
                                                                 only=frozenset({"spf"})))
    assert report.spf.lookups == 2700 and report.spf_result.result.value == "permerror"
    assert resolver.queries < 100
