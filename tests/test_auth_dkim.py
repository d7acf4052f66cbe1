"""DKIM keys and signatures: the corpus messages verified through a loopback DNS server, key
records parsed and sized, and the one-click-unsubscribe evidence of the bulk-sender verdict."""

from __future__ import annotations

import base64
import json

import dkim
import nacl.signing
import pytest
from hypothesis import given, settings, strategies as st

from auth_dnsserver import LoopbackDNSServer
from helpers import run_cli
from conftest import CORPUS, requires_shared
from newsletter.auth import (CheckOptions, MemoryResolver, NetworkResolver, check_domain,
                             lookup_keys, parse_key, verify_dkim)
from newsletter.auth.resolver import zone_from_records

SIGNED = CORPUS / "eml" / "dkimpy__rfc8463-football-simple.eml"
UNSIGNED = CORPUS / "eml" / "dkimpy__rfc8463-football-unsigned.eml"


def corpus_keys() -> dict[str, dict[str, list[str]]]:
    keys = json.loads((CORPUS / "eml" / "KEYS.json").read_text())
    return {name: {"TXT": [f'"{value}"']} for name, value in keys.items() if not name.startswith("_")}


@pytest.fixture(scope="module")
def key_server():
    if not CORPUS.is_dir():
        pytest.skip("shared corpus absent")
    with LoopbackDNSServer(zone_from_records(corpus_keys())) as server:
        yield server


@pytest.fixture
def network(key_server):
    key_server.drop = lambda name, rdtype: False
    resolver = NetworkResolver([key_server.address], timeout=0.3)
    yield resolver
    resolver.close()


@requires_shared
def test_corpus_message_verifies_ed25519_and_rsa_over_dns(network):
    results = verify_dkim(SIGNED.read_bytes(), network)
    assert [(r.selector, r.algorithm, r.result, r.key_bits) for r in results] == [
        ("brisbane", "ed25519-sha256", "pass", 256), ("test", "rsa-sha256", "pass", 1024)]
    assert "subject" in results[0].signed_headers


@requires_shared
def test_altered_body_fails(network):
    altered = SIGNED.read_bytes().replace(b"We lost the game", b"We won the game")
    assert {r.result for r in verify_dkim(altered, network)} == {"fail"}


@requires_shared
def test_altered_header_fails(network):
    altered = SIGNED.read_bytes().replace(b"Subject: Is dinner ready?", b"Subject: Dinner!")
    assert {r.result for r in verify_dkim(altered, network)} == {"fail"}


@requires_shared
def test_missing_key_is_permerror_and_timeout_is_temperror(key_server, network):
    results = verify_dkim(SIGNED.read_bytes(), MemoryResolver({}))
    assert {r.result for r in results} == {"permerror"}
    key_server.drop = lambda name, rdtype: True
    slow = NetworkResolver([key_server.address], timeout=0.2)
    assert {r.result for r in verify_dkim(SIGNED.read_bytes(), slow)} == {"temperror"}
    slow.close()


@requires_shared
def test_unsigned_message_gives_dkim009(network):
    report = check_domain("football.example.com", network,
                          CheckOptions(message=UNSIGNED.read_bytes(), only=frozenset({"dkim"}),
                                       selectors=("brisbane",)))
    assert report.dkim_signatures == ()
    assert "DKIM009" in {f.rule for f in report.findings}


def rsa_key_record(bits: int) -> str:
    """A syntactically valid RSA SubjectPublicKeyInfo with a modulus of `bits` bits."""
    def der(tag: int, body: bytes) -> bytes:
        size = len(body)
        length = bytes([size]) if size < 128 else \
            bytes([0x80 | ((size.bit_length() + 7) // 8)]) + size.to_bytes((size.bit_length() + 7) // 8, "big")
        return bytes([tag]) + length + body

    modulus = (1 << (bits - 1)) | 1
    rsa = der(0x30, der(0x02, b"\x00" + modulus.to_bytes(bits // 8, "big")) + der(0x02, b"\x01\x00\x01"))
    algorithm = der(0x30, der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    spki = der(0x30, algorithm + der(0x03, b"\x00" + rsa))
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(spki).decode()


@pytest.mark.parametrize(("record", "bits", "expected"), [
    (rsa_key_record(512), 512, ["DKIM004"]),
    (rsa_key_record(1024), 1024, ["DKIM005"]),
    (rsa_key_record(2048), 2048, []),
    (rsa_key_record(2048) + "; t=y", 2048, ["DKIM007"]),
    (rsa_key_record(2048) + "; h=sha1", 2048, ["DKIM010"]),
    ("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 256, []),
    ("v=DKIM1; k=rsa; p=", None, ["DKIM006"]),
    (rsa_key_record(2048) + "; s=tlsrpt", 2048, ["DKIM003"]),
    (rsa_key_record(2048) + "; s=email:tlsrpt", 2048, []),
    ("v=DKIM1; k=rsa; p=not base64!", None, ["DKIM003"]),
    ("v=DKIM1; k=dsa; p=AAAA", None, ["DKIM003"]),
    ("v=DKIM2; p=AAAA", None, ["DKIM003", "DKIM003"]),
    ("k=rsa p=AAAA", None, ["DKIM003"]),
])
def test_key_records(record, bits, expected):
    key, findings = parse_key("s1", "shop.example", record)
    assert key.key_bits == bits
    assert sorted(f.rule for f in findings) == expected


def quoted(text: str) -> str:
    """TXT rdata text: strings of at most 255 bytes, as DNS requires."""
    return " ".join(f'"{text[i:i + 255]}"' for i in range(0, len(text), 255))


def test_probe_common_selectors_and_given_selectors():
    resolver = MemoryResolver({"s1._domainkey.shop.example": {"TXT": [quoted(rsa_key_record(2048))]}})
    keys, findings = lookup_keys("shop.example", resolver)
    assert [k.selector for k in keys] == ["s1"] and findings == ()
    keys, findings = lookup_keys("other.example", resolver)
    assert keys == () and [f.rule for f in findings] == ["DKIM002"]
    keys, findings = lookup_keys("shop.example", resolver, ("s1", "custom"))
    assert [f.rule for f in findings] == ["DKIM001"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_key_parser_never_raises(text):
    parse_key("s", "d.example", text)


def signed_message(headers: str, seed: bytes = b"k" * 32) -> tuple[bytes, dict]:
    message = (headers + "From: Boutique <news@boutique.example>\r\nTo: a@b.example\r\n"
               "Subject: Soldes -50 %\r\n\r\nBonjour\r\n").encode()
    private = base64.b64encode(seed)
    signature = dkim.sign(message, b"s1", b"boutique.example", private,
                          signature_algorithm=b"ed25519-sha256",
                          include_headers=[b"from", b"to", b"subject", b"list-unsubscribe",
                                           b"list-unsubscribe-post"])
    public = base64.b64encode(bytes(nacl.signing.SigningKey(seed).verify_key)).decode()
    zone = {"s1._domainkey.boutique.example": {"TXT": [f'"v=DKIM1; k=ed25519; p={public}"']},
            "_dmarc.boutique.example": {"TXT": ['"v=DMARC1; p=reject"']},
            "boutique.example": {"TXT": ['"v=spf1 ip4:192.0.2.10 -all"']}}
    return signature + message, zone


def bulk_requirement(report, rid):
    gmail = next(v for v in report.bulk_sender if v.provider == "gmail")
    return next(r for r in gmail.requirements if r.id == rid)


def test_one_click_unsubscribe_signed_passes_and_unsigned_fails():
    message, zone = signed_message("List-Unsubscribe: <https://boutique.example/u/1>\r\n"
                                   "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    report = check_domain("boutique.example", MemoryResolver(zone), CheckOptions(message=message))
    assert bulk_requirement(report, "dkim").status == "pass"
    assert bulk_requirement(report, "one-click-unsubscribe").status == "pass"
    assert report.alignment.dkim_aligned and bulk_requirement(report, "alignment").status == "pass"
    missing, zone = signed_message("List-Unsubscribe: <mailto:u@boutique.example>\r\n")
    report = check_domain("boutique.example", MemoryResolver(zone), CheckOptions(message=missing))
    assert bulk_requirement(report, "one-click-unsubscribe").status == "fail"
    assert "AUTH012" in {f.rule for f in report.findings}


def test_ip_and_message_give_full_alignment_verdict():
    message, zone = signed_message("")
    zone["10.2.0.192.in-addr.arpa"] = {"PTR": ["mta.boutique.example."]}
    zone["mta.boutique.example"] = {"A": ["192.0.2.10"]}
    report = check_domain("boutique.example", MemoryResolver(zone),
                          CheckOptions(message=message, ip="192.0.2.10",
                                       mail_from="bounce@boutique.example"))
    statuses = {r.id: r.status for r in next(iter(report.bulk_sender)).requirements}
    assert statuses["spf"] == statuses["ptr"] == statuses["alignment"] == "pass"
    other = check_domain("boutique.example", MemoryResolver(zone),
                         CheckOptions(message=message, ip="198.51.100.7"))
    assert other.spf_result.result.value == "fail"
    assert {"SPF013", "AUTH010"} <= {f.rule for f in other.findings}


@pytest.mark.parametrize("header", [
    b"DKIM-Signature: v=1; a=rsa-sha256\r\n",  # tags missing
    b"DKIM-Signature: junk\r\n",
    b"DKIM-Signature: v=1; a=rsa-sha512; d=x.example; s=s; h=from; bh=AA==; b=AA==\r\n",
])
def test_malformed_signatures_are_permerror(header):
    message = header + b"From: a@x.example\r\n\r\nbody\r\n"
    (result,) = verify_dkim(message, MemoryResolver({}))
    assert result.result == "permerror"


UNUSABLE_KEYS = {  # issue 12 item 15: each crashed `check` and `dns --message` with AttributeError
    "revoked": ("v=DKIM1; k=ed25519; p=", "selector s1 is revoked"),
    "truncated": ("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwI", "p= is not valid base64"),
    "p=AAAA": ("v=DKIM1; p=AAAA", "p= is not an RSA public key"),
    "no tags": ("nothing here", "'nothing here' is not a tag=value pair"),
    "empty": ("", "no p= tag (public key)"),
}


@pytest.mark.parametrize(("record", "reason"), UNUSABLE_KEYS.values(), ids=list(UNUSABLE_KEYS))
def test_unusable_key_is_a_permerror_finding_not_a_crash(tmp_path, record, reason):
    message, zone = signed_message("")
    zone["s1._domainkey.boutique.example"] = {"TXT": [f'"{record}"']}
    (result,) = verify_dkim(message, MemoryResolver(zone))
    assert (result.result, result.selector) == ("permerror", "s1")
    assert result.reason == f"key record unusable: {reason}"

    eml = tmp_path / "soldes.eml"
    eml.write_bytes(message)
    zone_file = tmp_path / "boutique.zone"
    zone_file.write_text("$ORIGIN boutique.example.\n$TTL 300\n"
                         f's1._domainkey IN TXT "{record}"\n_dmarc IN TXT "v=DMARC1; p=reject"\n')
    dns_run = run_cli("dns", "boutique.example", "--zone", zone_file, "--message", eml,
                      "--only", "dkim", "--format", "json")
    (signature,) = json.loads(dns_run.text)["dkim_signatures"]
    assert (dns_run.exit_code, signature["result"]) == (1, "permerror") and reason in signature["reason"]

    check_run = run_cli("check", eml, "--zone", zone_file, "--format", "json")
    report = json.loads(check_run.text)
    assert check_run.exit_code == 1 and report["auth"]["dkim"] == "fail"
    assert any(f["rule"] == "DKIM008" and "permerror" in f["message"] and reason in f["message"]
               for f in report["findings"])
