"""Fuzzing the DNS inputs through the commands a user runs (issue 12): random and hostile zone
files through `--zone`, and a hostile DNS server on loopback (random SPF, DKIM, DMARC, BIMI,
MTA-STS and TLS-RPT records, CNAME chains, truncated, malformed and missing answers) through
`newsletter dns` and `newsletter check --nameserver`. Whatever comes in: no traceback, exit status
0, 1 or 2 (with one line on stderr), and bounded time per run."""

from __future__ import annotations

import base64
import itertools

import dkim
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset
import dns.zone
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from auth_dnsserver import LoopbackDNSServer
from helpers import Run, run_cli

DOMAIN = "victim.example"
FUZZ = settings(max_examples=75, deadline=15_000,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def assert_well_behaved(run: Run) -> None:
    """Exit 0 or 1 with a report, or exit 2 with one line on stderr; never a traceback."""
    assert run.exit_code in (0, 1, 2), (run.exit_code, run.stderr)
    event(f"exit {run.exit_code}")
    assert "Traceback" not in run.stderr and "maximum recursion depth" not in run.text
    if run.exit_code == 2:
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    else:
        assert run.stdout


# --- what records say -------------------------------------------------------------------------

PIECES = st.sampled_from([
    "v=spf1", "v=DMARC1", "v=DKIM1", "v=BIMI1", "v=STSv1", "v=TLSRPTv1", " ", ";", "=", ":", ",",
    "include:", "redirect=", "exp=", "a", "mx", "ptr", "exists:", "ip4:192.0.2.0/24", "ip6:::1/0",
    "-all", "+all", "?all", "%{d}", "%{i}", "%{l1r-}", "%{p}", "%{h}", "%%", "%", "/33", "//0",
    "inc.example", f"{DOMAIN}", "loop.example", "p=", "k=rsa", "k=ed25519", "t=y", "s=email",
    "h=sha1", "sp=", "pct=200", "rua=", "ruf=", "mailto:r@report.example", "!10m", "https://",
    "l=", "a=", "id=", "mode=enforce", "adkim=s", "fo=1", "np=reject", "AAAA", "11qYAYKxCrfVS/7T",
    "é", "€", "\\", "\"", "\x00", "\xff",
])
TEXT = st.lists(PIECES, max_size=12).map("".join)


def record_text(version: str, separator: str, terms: list[str]) -> st.SearchStrategy[str]:
    """A record that starts as one of its kind (and goes wrong as it may), or any text."""
    kind = st.lists(st.one_of(st.sampled_from(terms), st.sampled_from(terms), TEXT),
                    max_size=8).map(lambda chosen: separator.join([version, *chosen]))
    return st.one_of(kind, kind, kind, TEXT)


SPF = record_text("v=spf1", " ", [
    "include:inc.example", f"include:{DOMAIN}", "redirect=inc.example", "redirect=%{d}", "a",
    "mx", "ptr", "a:mx.victim.example", "mx:%{d}/24", "exists:%{i}.inc.example", "exp=inc.example",
    "ip4:192.0.2.1", "ip4:192.0.2.0/33", "ip6:2001:db8::/32", "-all", "~all", "?all", "+all",
    "include:%{l}.inc.example", "a:%{h}", "foo=bar"])
RECORDS = {  # what each name of the victim publishes, roughly
    DOMAIN: SPF,
    "inc.example": SPF,
    f"_dmarc.{DOMAIN}": record_text("v=DMARC1", "; ", [
        "p=reject", "p=none", "p=quarantine", "sp=none", "pct=50", "pct=200", "adkim=s",
        "aspf=r", "rua=mailto:r@report.example", "rua=mailto:r@victim.example!10m", "ruf=x",
        "fo=1", "np=reject", "t=y", "psd=y", "p="]),
    f"s1._domainkey.{DOMAIN}": record_text("v=DKIM1", "; ", [
        "k=ed25519", "k=rsa", "p=", "p=AAAA", "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        "t=y", "t=s", "s=email", "s=tlsrpt", "h=sha1", "h=sha256", "n=note"]),
    f"default._bimi.{DOMAIN}": record_text("v=BIMI1", "; ", [
        "l=https://victim.example/logo.svg", "l=http://x", "l=", "a=https://victim.example/a.pem",
        "a=", "avp=brand"]),
    f"_mta-sts.{DOMAIN}": record_text("v=STSv1", "; ", ["id=20240101", "id=", "id=x!y"]),
    f"_smtp._tls.{DOMAIN}": record_text("v=TLSRPTv1", "; ", [
        "rua=mailto:tls@victim.example", "rua=https://victim.example/r", "rua=ftp://x", "rua="]),
    f"{DOMAIN}._report._dmarc.report.example": record_text("v=DMARC1", "; ", ["p=none"]),
}
NAMES = [*RECORDS, f"mx.{DOMAIN}", "1.2.0.192.in-addr.arpa"]


def strings(text: str) -> list[bytes]:
    """A record's text as DNS character-strings of at most 255 bytes."""
    raw = text.encode("utf-8")
    return [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]


ODD_ANSWERS = ["endless", "nxdomain", "nodata", "servfail", "refused", "truncated", "garbage",
               "cut", "wrong-id", "wrong-name", "wrong-type"]


def server_plans(odd_answers: list[str]) -> st.SearchStrategy[dict[str, tuple[str, object]]]:
    """What the server does for each name: its records (mostly), a CNAME, or an odd answer."""
    def behaviour(name: str) -> st.SearchStrategy[tuple[str, object]]:
        text = RECORDS.get(name, TEXT)
        binary = st.lists(st.binary(max_size=255), min_size=1, max_size=3)
        records = st.tuples(st.just("records"), st.lists(
            st.one_of(text.map(strings), text.map(strings), binary), min_size=1, max_size=2))
        return st.one_of(
            records, records, records,
            st.tuples(st.just("cname"), st.sampled_from(NAMES + ["elsewhere.example"])),
            st.tuples(st.sampled_from(odd_answers), st.none()))
    return st.fixed_dictionaries({name: behaviour(name) for name in NAMES})


_hops = itertools.count()


def hostile_responder(plan: dict[str, tuple[str, object]]):
    """The server's answer to each query, as `plan` says for its name (others: NXDOMAIN)."""
    def respond(query: dns.message.Message):
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True)
        endless = ("endless", None) if name.endswith(".endless.example") else ("nxdomain", None)
        kind, value = plan.get(name, endless)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if kind == "records":  # TXT records (other types: no data)
            if question.rdtype == dns.rdatatype.TXT:
                response.answer.append(dns.rrset.from_rdata_list(question.name, 300, [
                    dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings)
                    for strings in value]))
        elif kind == "cname":
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "CNAME",
                                                       f"{value}."))
        elif kind == "endless":  # a CNAME to a new name, each time
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "CNAME",
                                                       f"hop{next(_hops)}.endless.example."))
        elif kind == "nxdomain":
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif kind in ("servfail", "refused"):
            response.set_rcode(dns.rcode.SERVFAIL if kind == "servfail" else dns.rcode.REFUSED)
        elif kind == "drop":
            return None
        elif kind == "truncated":
            response.flags |= dns.flags.TC
        elif kind == "garbage":
            return b"\x00\x01garbage" * 3
        elif kind == "cut":
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "TXT", '"cut"'))
            return response.to_wire()[:-3]
        elif kind == "wrong-id":
            response.id = (query.id + 1) % 65536
        elif kind == "wrong-name":
            response.answer.append(dns.rrset.from_text("other.example.", 300, "IN", "TXT", '"x"'))
        elif kind == "wrong-type":
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "A", "192.0.2.1"))
        return response
    return respond


@pytest.fixture(scope="module")
def server():
    with LoopbackDNSServer(dns.zone.Zone(dns.name.root)) as running:
        yield running


@pytest.fixture(scope="module")
def signed_message(tmp_path_factory):
    """A message from the victim domain signed with selector s1 (whose key the server fuzzes)."""
    seed = b"\x07" * 32
    body = (f"From: Shop <news@{DOMAIN}>\r\nTo: a@b.example\r\nSubject: Hello\r\n"
            "Content-Type: text/plain\r\n\r\nYour order has shipped.\r\n").encode()
    signature = dkim.sign(body, b"s1", DOMAIN.encode(), base64.b64encode(seed),
                          signature_algorithm=b"ed25519-sha256")
    path = tmp_path_factory.mktemp("fuzz") / "signed.eml"
    path.write_bytes(signature + body)
    return path


@FUZZ
@given(plan=server_plans(ODD_ANSWERS + ["drop"]))
def test_dns_against_a_hostile_server(server, plan):
    server.respond = hostile_responder(plan)
    run = run_cli("dns", DOMAIN, "--selector", "s1", "--ip", "192.0.2.1", "--format", "json",
                  "--nameserver", f"127.0.0.1:{server.port}", "--timeout", "0.1")
    assert_well_behaved(run)


@FUZZ
@given(plan=server_plans(ODD_ANSWERS))  # no timeouts: `check` waits its fixed 2 s for each
def test_check_against_a_hostile_server(server, signed_message, plan):
    server.respond = hostile_responder(plan)
    run = run_cli("check", signed_message, "--ip", "192.0.2.1", "--format", "json",
                  "--nameserver", f"127.0.0.1:{server.port}")
    assert_well_behaved(run)


# --- zone files -------------------------------------------------------------------------------

def quoted(text: str) -> str:
    """TXT rdata in master-file syntax: quoted strings of at most 60 characters (255 bytes)."""
    return " ".join('"' + text[i:i + 60].replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for i in range(0, len(text), 60)) or '""'


OWNERS = st.sampled_from(["@", "_dmarc", "s1._domainkey", "default._bimi", "_mta-sts",
                          "_smtp._tls", "inc", "mx", "*", f"{DOMAIN}."])
RECORD = st.one_of(  # lines a zone file may well hold
    *[st.builds(lambda text, owner=owner: f"{owner} IN TXT {quoted(text)}", records)
      for owner, records in (("@", SPF), ("inc", SPF), *(
          (name.removesuffix(f".{DOMAIN}"), RECORDS[name]) for name in RECORDS
          if name.endswith(f".{DOMAIN}")))],
    st.builds(lambda owner, rdata: f"{owner} IN {rdata}", OWNERS, st.sampled_from([
        "MX 10 mx", "MX 0 .", "A 192.0.2.1", "AAAA 2001:db8::1", 'SPF "v=spf1 -all"',
        'CAA 0 issue "ca.example"'])),
    st.builds(lambda n, target: f"alias{n} IN CNAME {target}", st.integers(0, 3),
              st.sampled_from(["inc", "@", "alias0", "alias1", "elsewhere.example."])))
HOSTILE = st.one_of(  # lines that are broken or try to make the reader work too hard
    st.sampled_from([
        "$GENERATE 1-2000000 h$ A 192.0.2.1", "$GENERATE 1-3 @ TXT \"v=spf1 $\"",
        "$GENERATE 1-2 h${0,999999999,d} A 192.0.2.1", "$GENERATE 5-1 h$ A 192.0.2.1",
        "$INCLUDE /etc/passwd", "$INCLUDE /dev/zero", "$ORIGIN other.example.", "$ORIGIN .",
        "$TTL x", "@ IN SOA ns h 1 2 3 4 5", "x IN SOA ns h 1 2 3 4 5", "@ IN MX xx",
        "@ IN A 1.2.3", '@ IN TXT "' + "x" * 300 + '"', '@ IN TXT "unterminated', "@ IN TXT (",
        "@ IN TYPE65534 \\# 2 0001", "@ IN BOGUS x", "a" * 64 + " IN A 192.0.2.1",
        "\\000 IN A 192.0.2.1", "é IN A 192.0.2.1", "@ 2147483648 IN A 192.0.2.1"]),
    TEXT)
ZONE_TEXT = st.builds(
    lambda head, lines, hostile, at, end: (
        head + end.join(lines[:at] + hostile + lines[at:]) + end).encode("utf-8"),
    st.sampled_from([f"$ORIGIN {DOMAIN}.\n$TTL 300\n", f"\ufeff$ORIGIN {DOMAIN}.\n$TTL 300\n",
                     "$TTL 300\n"]),
    st.lists(RECORD, min_size=1, max_size=12),
    st.one_of(st.just([]), st.just([]), HOSTILE.map(lambda line: [line])), st.integers(0, 12),
    st.sampled_from(["\n", "\r\n", "\r"]))
ZONE_BYTES = st.one_of(ZONE_TEXT, ZONE_TEXT, ZONE_TEXT,
                       ZONE_TEXT.map(lambda text: text + b"\xff\xfe\n"), st.binary(max_size=200))


@FUZZ
@given(content=ZONE_BYTES)
def test_dns_with_random_zone_files(tmp_path_factory, content):
    zone = tmp_path_factory.mktemp("zone") / "fuzz.zone"
    zone.write_bytes(content)
    run = run_cli("dns", DOMAIN, "--zone", zone, "--selector", "s1", "--ip", "192.0.2.1",
                  "--format", "json")
    assert_well_behaved(run)


@FUZZ
@given(content=ZONE_BYTES)
def test_check_with_random_zone_files(tmp_path_factory, signed_message, content):
    zone = tmp_path_factory.mktemp("zone") / "fuzz.zone"
    zone.write_bytes(content)
    run = run_cli("check", signed_message, "--zone", zone, "--ip", "192.0.2.1", "--format", "json")
    assert_well_behaved(run)
