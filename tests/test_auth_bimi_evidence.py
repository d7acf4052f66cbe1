"""`newsletter dns --bimi-evidence FILE` and `--network`: VMC or CMC from certificates made here
with the Mark Certificate fields, and the a= URL fetched from an HTTPS server on loopback only
when asked."""

from __future__ import annotations

import datetime
import http.server
import json
import ssl
import threading

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newsletter.auth.bimi_evidence import read_mark_certificate
from newsletter.cli import main

from smtp_server import make_certificate

MARK_TYPE, BIMI_EKU, MARK_POLICY, LOGOTYPE = ("1.3.6.1.4.1.53087.1.13", "1.3.6.1.5.5.7.3.31",
                                              "1.3.6.1.4.1.53087.1.1", "1.3.6.1.5.5.7.1.12")


def mark_certificate(mark_type: str | None, *, bimi: bool = True) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Maison Lumière")]
    if mark_type:
        names.append(x509.NameAttribute(x509.ObjectIdentifier(MARK_TYPE), mark_type))
    name = x509.Name(names)
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now)
               .not_valid_after(now + datetime.timedelta(days=365)))
    if bimi:
        builder = (builder
                   .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(BIMI_EKU)]), critical=False)
                   .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                       x509.ObjectIdentifier(MARK_POLICY), None)]), critical=False)
                   .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(LOGOTYPE), b"\x30\x00"),
                                  critical=False))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("mark_type, kind", [("Registered Mark", "VMC"), ("Government Mark", "VMC"),
                                             ("Prior Use Mark", "CMC"), ("Modified Registered Mark", "CMC")])
def test_the_mark_type_says_vmc_or_cmc(mark_type, kind):
    certificate = read_mark_certificate(mark_certificate(mark_type), source="vmc.pem")
    assert (certificate.kind, certificate.mark_type) == (kind, mark_type)
    assert certificate.bimi_eku and certificate.mark_policy and certificate.logotype
    assert certificate.not_after == "2027-01-01"
    assert ("checkmark" in certificate.gmail_shows) and (("without" in certificate.gmail_shows) == (kind == "CMC"))


def test_a_certificate_that_is_no_mark_certificate():
    certificate = read_mark_certificate(mark_certificate(None, bimi=False), source="tls.pem")
    assert certificate.kind == "unknown" and not (certificate.bimi_eku or certificate.mark_policy or certificate.logotype)


ZONE = ('$ORIGIN shop.example.\n$TTL 300\n_dmarc IN TXT "v=DMARC1; p=quarantine"\n'
        'default._bimi IN TXT "v=BIMI1; l=https://shop.example/logo.svg; a={a}"\n')


def dns(tmp_path, *args: str, a: str = "https://shop.example/vmc.pem"):
    zone = tmp_path / "shop.zone"
    zone.write_text(ZONE.format(a=a))
    return CliRunner().invoke(main, ["dns", "shop.example", "--zone", str(zone), "--only", "dmarc,bimi", *args])


def test_evidence_file_in_text_and_json(tmp_path):
    pem = tmp_path / "cmc.pem"
    pem.write_bytes(mark_certificate("Prior Use Mark"))
    text = dns(tmp_path, "--bimi-evidence", str(pem)).output
    assert "BIMI cert CMC (Prior Use Mark), valid until 2027-01-01; BIMI key usage, mark policy, logotype" in text
    data = json.loads(dns(tmp_path, "--bimi-evidence", str(pem), "--format", "json").output)
    assert data["bimi_evidence"]["kind"] == "CMC"


def test_a_file_that_is_not_a_certificate_is_one_line_and_exit_2(tmp_path):
    junk = tmp_path / "logo.svg"
    junk.write_text("<svg/>")
    result = dns(tmp_path, "--bimi-evidence", str(junk))
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "not a PEM certificate" in result.output


class _Evidence(http.server.BaseHTTPRequestHandler):
    body = b""
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/pem-certificate-chain")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def https_server(tmp_path, monkeypatch):
    ca, cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the default context trusts the test CA
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evidence)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _Evidence.body, _Evidence.requests = mark_certificate("Registered Mark"), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/vmc.pem"
    server.shutdown()
    server.server_close()


def test_network_fetches_the_a_url_and_nothing_is_fetched_without_it(tmp_path, https_server):
    quiet = dns(tmp_path, "--format", "json", a=https_server)
    assert "bimi_evidence" not in json.loads(quiet.output) and _Evidence.requests == []
    fetched = json.loads(dns(tmp_path, "--network", "--format", "json", a=https_server).output)
    assert fetched["bimi_evidence"]["kind"] == "VMC" and _Evidence.requests == ["/vmc.pem"]


def test_network_refuses_an_http_a_url(tmp_path):
    result = dns(tmp_path, "--network", a="http://127.0.0.1:9/vmc.pem")
    assert result.exit_code == 2 and "is not an https URL" in result.output
