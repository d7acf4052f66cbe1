"""Sender authentication as the placement model sees it: a small typed summary of SPF, DKIM,
DMARC and the bulk-sender rules, whatever produced it.

`authenticate` is the one seam to `newsletter.auth` (DNS, zone files, DKIM verification). With
`--offline` nothing is looked up: every status is `unknown` and contributes nothing.
"""

from __future__ import annotations

import enum
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
    zone: Path | None = None
    nameserver: str | None = None


def authenticate(request: AuthRequest) -> AuthSignals:
    """Sender authentication of `request` (SPF for `ip`, DKIM signatures of `message`, DMARC and
    alignment for `domain`, the bulk-sender verdict), as `AuthSignals` with the auth findings.

    To be wired to `newsletter.auth` (`check_domain(domain, resolver, CheckOptions(ip=...,
    mail_from=..., message=...))` with a zone-file, nameserver or network resolver). Until that
    package is part of the build, asking for it is an error rather than a silent "unknown".
    """
    raise NewsletterError(
        "sender authentication is not available in this build (newsletter.auth is missing)",
        fix="pass --offline to check the message without DNS",
    )
