"""Sender authentication as the placement model sees it: a small typed summary of SPF, DKIM,
DMARC and the bulk-sender rules, whatever produced it.

`authenticate` is the one seam to `newsletter.auth` (DNS, zone files, DKIM verification). With
`--offline` nothing is looked up: every status is `unknown` and contributes nothing.
"""

from __future__ import annotations

import enum
from email.parser import BytesHeaderParser
from email.policy import compat32
from dataclasses import dataclass
from pathlib import Path

from ..errors import NewsletterError
from ..findings import Finding


class AuthStatus(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    NONE = "none"  # no record, no signature
    UNKNOWN = "unknown"  # not checked (offline) or not decidable (DNS error, no sending IP)


@dataclass(frozen=True)
class AuthSignals:
    spf: AuthStatus = AuthStatus.UNKNOWN
    dkim: AuthStatus = AuthStatus.UNKNOWN
    dmarc: AuthStatus = AuthStatus.UNKNOWN
    aligned: bool | None = None  # SPF or DKIM passes for a domain aligned with From
    dmarc_policy: str | None = None  # none, quarantine, reject
    bulk_sender_compliant: bool | None = None  # Gmail's and Yahoo's 2024 rules, None: not judged
    domain: str | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def checked(self) -> bool:
        return any(s is not AuthStatus.UNKNOWN for s in (self.spf, self.dkim, self.dmarc))

    def values(self) -> dict[str, float]:
        """The spam model's auth signals; unknown statuses give nothing."""
        return {
            "spf_fail": float(self.spf is AuthStatus.FAIL),
            "dkim_fail": float(self.dkim in (AuthStatus.FAIL, AuthStatus.NONE)),
            "dmarc_fail": float(self.dmarc is AuthStatus.FAIL),
            "dmarc_missing": float(self.dmarc is AuthStatus.NONE),
            "bulk_noncompliant": float(self.bulk_sender_compliant is False),
        }

    def to_json(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "domain": self.domain,
            "spf": self.spf.value,
            "dkim": self.dkim.value,
            "dmarc": self.dmarc.value,
            "aligned": self.aligned,
            "dmarc_policy": self.dmarc_policy,
            "bulk_sender_compliant": self.bulk_sender_compliant,
        }


UNCHECKED = AuthSignals()


@dataclass(frozen=True)
class AuthRequest:
    """What to authenticate: the From domain, and optionally the sending IP (for SPF), the
    envelope sender, the raw message (for its DKIM signatures); where DNS answers come from."""

    domain: str
    ip: str | None = None
    mail_from: str | None = None
    message: bytes | None = None
    zones: tuple[Path, ...] = ()
    nameserver: str | None = None


def authenticate(request: AuthRequest) -> AuthSignals:
    """Sender authentication of `request` (SPF for `ip`, DKIM signatures of `message`, DMARC and
    alignment for `domain`, the bulk-sender verdict), as `AuthSignals` with the auth findings.
    DNS answers come from the zone files, then the nameserver or the system's resolver."""
    from ..auth import (CheckOptions, LayeredResolver, NetworkResolver, ZoneResolver, check_domain,
                        parse_nameserver)

    zone = ZoneResolver.from_files(list(request.zones), origin=request.domain + ".") if request.zones else None
    network = None
    if zone is None or request.nameserver:
        network = NetworkResolver([parse_nameserver(request.nameserver)] if request.nameserver else None)
    resolver = LayeredResolver(zone, network) if zone and network else (zone or network)
    try:
        report = check_domain(request.domain, resolver, CheckOptions(
            selectors=signing_selectors(request.message, request.domain), ip=request.ip,
            mail_from=request.mail_from, message=request.message))
    finally:
        if network is not None:
            network.close()
    if network is not None and network.queries and not network.responses:
        raise NewsletterError("no answer from the DNS server", fix="check --nameserver, or use --zone or --offline")
    return signals_from_report(report)


def signing_selectors(message: bytes | None, domain: str) -> tuple[str, ...]:
    """The s= of the message's DKIM signatures for `domain`: the keys worth looking up (empty:
    probe the common selectors)."""
    if not message:
        return ()
    headers = BytesHeaderParser(policy=compat32).parsebytes(message)
    selectors = []
    for value in headers.get_all("DKIM-Signature") or []:
        tags = dict(tag.strip().split("=", 1) for tag in "".join(str(value).split()).split(";") if "=" in tag)
        if tags.get("d", "").lower().rstrip(".") == domain and tags.get("s"):
            selectors.append(tags["s"])
    return tuple(dict.fromkeys(selectors))


def signals_from_report(report) -> AuthSignals:  # report: newsletter.auth.DomainReport
    """What the placement model needs of an authentication report."""
    spf = _SPF.get(report.spf_result.result.value, AuthStatus.UNKNOWN) if report.spf_result else AuthStatus.UNKNOWN
    dkim = AuthStatus.UNKNOWN
    if report.dkim_signatures is not None:
        results = {signature.result for signature in report.dkim_signatures}
        dkim = (AuthStatus.NONE if not results else AuthStatus.PASS if "pass" in results
                else AuthStatus.UNKNOWN if results == {"temperror"} else AuthStatus.FAIL)
    dmarc = AuthStatus.UNKNOWN
    policy = report.dmarc.applied_policy if report.dmarc else None
    alignment = report.alignment
    if report.dmarc is not None and report.dmarc.record is None:
        dmarc = AuthStatus.NONE
    elif alignment is not None:
        passes = ((alignment.dkim_aligned and dkim is AuthStatus.PASS)
                  or (alignment.spf_aligned and spf is AuthStatus.PASS))
        if passes:
            dmarc = AuthStatus.PASS
        elif spf is not AuthStatus.UNKNOWN and dkim is not AuthStatus.UNKNOWN:
            dmarc = AuthStatus.FAIL
    verdicts = {verdict.verdict for verdict in report.bulk_sender}
    compliant = False if "fail" in verdicts else True if verdicts == {"pass"} else None
    return AuthSignals(spf=spf, dkim=dkim, dmarc=dmarc, aligned=alignment.aligned if alignment else None,
                       dmarc_policy=policy, bulk_sender_compliant=compliant, domain=report.domain,
                       findings=tuple(report.findings))


_SPF = {
    "pass": AuthStatus.PASS, "fail": AuthStatus.FAIL, "softfail": AuthStatus.FAIL,
    "permerror": AuthStatus.FAIL, "none": AuthStatus.NONE, "neutral": AuthStatus.NONE,
}
