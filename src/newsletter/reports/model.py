"""What the receivers' reports say, as typed values: DMARC aggregate reports (RFC 7489 appendix C
and RFC 9990) and SMTP TLS reports (RFC 8460). The parsers make them; the store keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

# The values each schema allows, lower case as the RFCs write them: 'Pass' is not 'pass'.
DISPOSITIONS = ("none", "pass", "quarantine", "reject")  # "pass": RFC 9990
POLICIES = ("none", "quarantine", "reject")
DMARC_RESULTS = ("pass", "fail")
DKIM_RESULTS = ("none", "pass", "fail", "policy", "neutral", "temperror", "permerror")
SPF_RESULTS = ("none", "neutral", "pass", "fail", "softfail", "temperror", "permerror")
# RFC 7489 appendix C: "TempError commonly implemented as 'unknown'", "PermError ... as 'error'".
SPF_RESULT_ALIASES = {"unknown": "temperror", "error": "permerror"}
SPF_SCOPES = ("helo", "mfrom")
ALIGNMENTS = ("r", "s")
YES_NO = ("y", "n")
PSD_VALUES = ("y", "n", "u")
DISCOVERY_METHODS = ("psl", "treewalk")


def utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


@dataclass(frozen=True)
class PolicyPublished:
    """The DMARC record the receiver found (`policy_published`); None where the report is silent."""

    domain: str
    p: str
    sp: str | None = None
    np: str | None = None  # non-existent subdomains (RFC 9091, RFC 9990)
    pct: int | None = None  # RFC 7489 only
    adkim: str | None = None
    aspf: str | None = None
    fo: str | None = None
    testing: str | None = None  # RFC 9990: the record's t= (y/n)
    psd: str | None = None  # RFC 9990: the record's psd= (y/n/u)
    discovery_method: str | None = None  # RFC 9990: psl or treewalk


@dataclass(frozen=True)
class ReportMetadata:
    org_name: str
    email: str
    report_id: str
    begin: int  # seconds since the epoch, UTC
    end: int
    extra_contact_info: str | None = None
    generator: str | None = None  # RFC 9990
    errors: tuple[str, ...] = ()  # RFC 9990 <error>: what the receiver found wrong in the record

    @property
    def reporter(self) -> str:
        """Who sent the report: the organisation, or its address when the name is empty."""
        return (self.org_name.strip() or self.email.strip()).lower()


@dataclass(frozen=True)
class DkimAuth:
    domain: str
    result: str
    selector: str | None = None
    human_result: str | None = None


@dataclass(frozen=True)
class SpfAuth:
    domain: str
    result: str
    scope: str | None = None
    human_result: str | None = None


@dataclass(frozen=True)
class PolicyOverride:
    type: str
    comment: str | None = None


@dataclass(frozen=True)
class DmarcRecord:
    """One row: `count` messages from `source_ip` that met the same fate."""

    source_ip: str
    count: int
    disposition: str
    dkim: str  # DMARC-aligned DKIM result: pass or fail
    spf: str  # DMARC-aligned SPF result
    header_from: str
    envelope_from: str | None = None
    envelope_to: str | None = None
    reasons: tuple[PolicyOverride, ...] = ()
    dkim_results: tuple[DkimAuth, ...] = ()
    spf_results: tuple[SpfAuth, ...] = ()

    @property
    def dmarc_pass(self) -> bool:
        return self.dkim == "pass" or self.spf == "pass"

    @property
    def dkim_auth(self) -> str:
        """The best DKIM result, aligned or not: pass if any signature passed."""
        results = [d.result for d in self.dkim_results]
        return "pass" if "pass" in results else (results[0] if results else "none")

    @property
    def spf_auth(self) -> str:
        """The SPF result of the MAIL FROM identity (else the first one given)."""
        chosen = next((s for s in self.spf_results if s.scope in (None, "mfrom")), None)
        chosen = chosen or (self.spf_results[0] if self.spf_results else None)
        return chosen.result if chosen else "none"


@dataclass(frozen=True)
class AggregateHeader:
    """Everything in an aggregate report but its records."""

    format: str  # "rfc7489" or "rfc9990"
    metadata: ReportMetadata
    policy: PolicyPublished
    version: str | None = None


@dataclass(frozen=True)
class AggregateReport:
    header: AggregateHeader
    records: tuple[DmarcRecord, ...]


@dataclass(frozen=True)
class TlsFailure:
    result_type: str
    failed_session_count: int
    sending_mta_ip: str | None = None
    receiving_mx_hostname: str | None = None
    receiving_mx_helo: str | None = None
    receiving_ip: str | None = None
    additional_information: str | None = None
    failure_reason_code: str | None = None


@dataclass(frozen=True)
class TlsPolicy:
    policy_type: str  # sts, tlsa, no-policy-found
    policy_domain: str
    successful: int
    failed: int
    policy_strings: tuple[str, ...] = ()
    mx_hosts: tuple[str, ...] = ()
    failures: tuple[TlsFailure, ...] = ()


@dataclass(frozen=True)
class TlsReport:
    organization_name: str
    report_id: str
    begin: int
    end: int
    contact_info: str | None
    policies: tuple[TlsPolicy, ...]

    @property
    def reporter(self) -> str:
        return self.organization_name.strip().lower()
