"""A BIMI evidence document (mark certificate): VMC or CMC, from its markType, EKU, policy and
logotype extension (`checks/bimi.toml`). Reading is pure; `fetch_evidence` is the one network
call, made only when the user asks (`newsletter dns --network`)."""

from __future__ import annotations

import ssl
import tomllib
import urllib.request
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from ..checkfiles import read_check
from ..errors import NewsletterError
from ..limits import input_limits


@dataclass(frozen=True)
class MarkCertificate:
    kind: str  # VMC, CMC, or unknown (no markType this tool knows)
    mark_type: str | None  # Registered Mark, Prior Use Mark...
    subject: str
    not_after: str  # ISO date
    bimi_eku: bool  # extended key usage for BIMI
    mark_policy: bool  # the Mark Certificate policy
    logotype: bool  # carries the logo (RFC 9399 logotype extension)
    gmail_shows: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _knowledge() -> dict:
    return tomllib.loads(read_check("bimi.toml"))


def read_mark_certificate(data: bytes, *, source: str) -> MarkCertificate:
    """The leaf (first) certificate of a PEM evidence document. NewsletterError when `data` is
    not one."""
    most = input_limits("bimi")["max_evidence_bytes"]
    if len(data) > most:
        raise NewsletterError(f"BIMI evidence of {len(data):,} bytes: refused (at most {most:,})", path=source)
    try:
        certificate = x509.load_pem_x509_certificates(data)[0]
    except (ValueError, IndexError):
        raise NewsletterError("not a PEM certificate (a BIMI evidence document starts with "
                              "-----BEGIN CERTIFICATE-----)", path=source,
                              fix="give the .pem file that the BIMI record's a= points at") from None
    known = _knowledge()
    mark_types = [str(a.value) for a in certificate.subject
                  if a.oid.dotted_string == known["mark_type_oid"]]
    mark_type = mark_types[0] if mark_types else None
    kind = known["kinds"].get(mark_type or "", "unknown")
    return MarkCertificate(
        kind=kind, mark_type=mark_type, subject=certificate.subject.rfc4514_string(),
        not_after=certificate.not_valid_after_utc.date().isoformat(),
        bimi_eku=known["bimi_eku_oid"] in _extension_oids(certificate, ExtensionOID.EXTENDED_KEY_USAGE),
        mark_policy=known["mark_policy_oid"] in _extension_oids(certificate, ExtensionOID.CERTIFICATE_POLICIES),
        logotype=any(e.oid.dotted_string == known["logotype_oid"] for e in certificate.extensions),
        gmail_shows=known["gmail_shows"].get(kind))


def _extension_oids(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> set[str]:
    try:
        value = certificate.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return set()
    return {(getattr(item, "policy_identifier", None) or item).dotted_string for item in value}


def fetch_evidence(url: str, *, context: ssl.SSLContext | None = None) -> bytes:
    """The document at a BIMI record's a= URL (https only, bounded in size and time)."""
    if not url.lower().startswith("https://"):
        raise NewsletterError(f"BIMI a= {url!r} is not an https URL: not fetched")
    limits = input_limits("bimi")
    most = limits["max_evidence_bytes"]
    try:
        with urllib.request.urlopen(url, timeout=limits["fetch_timeout"],
                                    context=context or ssl.create_default_context()) as response:
            data = response.read(most + 1)
    except (OSError, ValueError) as exc:
        raise NewsletterError(f"cannot fetch the BIMI evidence {url}: {getattr(exc, 'reason', exc)}") from None
    if len(data) > most:
        raise NewsletterError(f"BIMI evidence at {url} is over {most:,} bytes: refused")
    return data
