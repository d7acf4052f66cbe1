"""Sender authentication as the placement model sees it: a small typed summary of SPF, DKIM,
DMARC and the bulk-sender rules, whatever produced it.

`authenticate` is the one seam to `newsletter.auth` (DNS, zone files, DKIM verification). With
`--offline` nothing is looked up: a received message's own Authentication-Results (or, failing
that, ARC-Authentication-Results) say how its receiver judged it (`received_auth`, marked
`source: "headers"`); otherwise every status is `unknown` and contributes nothing.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from ..document.as_written import header_text, header_texts
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
    bulk_sender_compliant: bool | None = None  # every provider's bulk-sender rules, None: not judged
    bulk_verdicts: tuple[tuple[str, str], ...] = ()  # (provider name, pass/fail/unknown): Gmail, Yahoo, Microsoft
    domain: str | None = None
    findings: tuple[Finding, ...] = ()
    source: str | None = None  # "dns": checked now; "headers": read from the message's own results


    @property
    def checked(self) -> bool:
        return any(s is not AuthStatus.UNKNOWN for s in (self.spf, self.dkim, self.dmarc))

    def values(self) -> dict[str, float]:
        """The spam model's auth signals; unknown statuses give nothing."""
        return {
            "spf_fail": float(self.spf is AuthStatus.FAIL),
            "dkim_fail": float(self.dkim in (AuthStatus.FAIL, AuthStatus.NONE)),
            "dmarc_fail": float(self.dmarc is AuthStatus.FAIL),
            "dmarc_reject": float(self.dmarc is AuthStatus.FAIL and self.dmarc_policy == "reject"),
            "dmarc_quarantine": float(self.dmarc is AuthStatus.FAIL and self.dmarc_policy == "quarantine"),
            "dmarc_missing": float(self.dmarc is AuthStatus.NONE),
            "bulk_noncompliant": float(self.bulk_sender_compliant is False),
        }

    def to_json(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "source": self.source,
            "domain": self.domain,
            "spf": self.spf.value,
            "dkim": self.dkim.value,
            "dmarc": self.dmarc.value,
            "aligned": self.aligned,
            "dmarc_policy": self.dmarc_policy,
            "bulk_sender_compliant": self.bulk_sender_compliant,
            "bulk_sender": {name: verdict for name, verdict in self.bulk_verdicts},
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
    from ..auth import CheckOptions, check_domain
    from ..auth.lookup import dns_resolver

    nameservers = [request.nameserver] if request.nameserver else []
    with dns_resolver(request.zones, nameservers, origin=request.domain) as resolver:
        report = check_domain(request.domain, resolver, CheckOptions(
            selectors=signing_selectors(request.message, request.domain), ip=request.ip,
            mail_from=request.mail_from, message=request.message))
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
                       bulk_verdicts=tuple((v.name, v.verdict) for v in report.bulk_sender),
                       findings=tuple(report.findings), source="dns")


_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)([^;]*)", re.IGNORECASE)
_PROPERTY = re.compile(r"\b(smtp\.mailfrom|header\.[id]|header\.from)\s*=\s*([^\s;]+)", re.IGNORECASE)
_POLICY = re.compile(r"\bp=([a-z]+)", re.IGNORECASE)
_INSTANCE = re.compile(r"^\s*i\s*=\s*(\d+)\s*;")


def received_auth(message: Message | None, domain: str | None) -> AuthSignals:
    """How the receiving server judged the message, from the topmost Authentication-Results
    (RFC 8601; the one its own receiver added) or else the ARC-Authentication-Results of the
    highest instance (RFC 8617): SPF, DKIM and DMARC results, alignment with the From `domain`.
    UNCHECKED when the message carries neither."""
    from ..lint.content import site_of

    value = _first_header(message, "Authentication-Results") or _last_arc(message)
    if not value or not domain:
        return UNCHECKED
    results: dict[str, list[tuple[str, str]]] = {}
    for method, result, rest in _RESULT.findall(value):
        results.setdefault(method.lower(), []).append((result.lower(), rest))
    site = site_of(domain)

    def aligned(rest: str) -> bool:
        names = [v.rsplit("@", 1)[-1] for _, v in _PROPERTY.findall(rest)]
        return any(site_of(name) == site for name in names)

    spf = _combined(r for r, _ in results.get("spf", []))
    dkim = _combined(r for r, _ in results.get("dkim", []))
    passing = [rest for r, rest in results.get("spf", []) + results.get("dkim", []) if r == "pass"]
    is_aligned = any(aligned(rest) for rest in passing) if passing else (False if results else None)
    dmarc, policy = AuthStatus.UNKNOWN, None
    if results.get("dmarc"):
        result, rest = results["dmarc"][0]
        dmarc = _SPF.get(result, AuthStatus.FAIL if result in ("fail", "quarantine", "reject") else AuthStatus.UNKNOWN)
        found = _POLICY.search(rest)
        policy = found.group(1).lower() if found else None
    if not (spf or dkim) and dmarc is AuthStatus.UNKNOWN:
        return UNCHECKED
    return AuthSignals(spf=spf or AuthStatus.UNKNOWN, dkim=dkim or AuthStatus.NONE, dmarc=dmarc, aligned=is_aligned,
                       dmarc_policy=policy, domain=domain, source="headers")


def _combined(results) -> AuthStatus | None:
    """One status for a method's results: pass when any passes (a message may carry several
    DKIM signatures), else the first one's."""
    statuses = [_SPF.get(r, AuthStatus.FAIL if r in ("fail", "policy", "permerror") else AuthStatus.UNKNOWN)
                for r in results]
    if not statuses:
        return None
    return AuthStatus.PASS if AuthStatus.PASS in statuses else statuses[0]


def _first_header(message: Message | None, name: str) -> str:
    try:
        value = header_text(message, name) if message is not None else None
    except (ValueError, IndexError, TypeError):
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _last_arc(message: Message | None) -> str:
    try:
        values = [" ".join(v.split()) for v in header_texts(message, "ARC-Authentication-Results")] \
            if message is not None else []
    except (ValueError, IndexError, TypeError):
        return ""
    numbered = [(int(m.group(1)), v) for v in values if (m := _INSTANCE.match(v))]
    return max(numbered)[1] if numbered else ""


_SPF = {
    "pass": AuthStatus.PASS, "fail": AuthStatus.FAIL, "softfail": AuthStatus.FAIL,
    "permerror": AuthStatus.FAIL, "none": AuthStatus.NONE, "neutral": AuthStatus.NONE,
}
