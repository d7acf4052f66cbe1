"""The providers' bulk-sender requirements (Gmail and Yahoo 2024, Microsoft 2025): pass / fail / unknown.

The requirements and which provider asks for which live in `checks/bulk-senders.toml`; this module
only turns the evidence gathered by the other checks into a status for each.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from email.message import Message
from functools import cache

from ..checkfiles import checks_dir
from ..dkimkeys import rsa_key_sizes
from .alignment import Alignment
from .dkim import DkimKey, DkimSignatureResult
from .dmarc import DmarcDiscovery
from .records import ReverseDns
from .spf import SpfEvaluation, SpfResult
from .spf.lint import SpfLint

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
_SPF_BROKEN = {"SPF001", "SPF002", "SPF003", "SPF004", "SPF005", "SPF012"}


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    status: str  # pass, fail, unknown
    evidence: str


@dataclass(frozen=True)
class ProviderVerdict:
    provider: str  # gmail, yahoo, microsoft
    name: str
    verdict: str  # fail if any requirement fails, else unknown if any is unknown, else pass
    requirements: tuple[Requirement, ...]
    source: str


@dataclass(frozen=True)
class BulkEvidence:
    """What the other checks found; None means 'not checked'. `checked` names the checks run
    (report.CHECKS), so an unchecked family reads 'not checked', not 'missing'."""

    spf: SpfLint | None = None
    spf_result: SpfEvaluation | None = None
    dkim_keys: tuple[DkimKey, ...] = ()
    dkim_selectors_given: bool = False
    dkim_signatures: tuple[DkimSignatureResult, ...] | None = None  # None: no message
    dmarc: DmarcDiscovery | None = None
    alignment: Alignment | None = None
    alignment_status: str = UNKNOWN
    reverse_dns: ReverseDns | None = None
    headers: Message | None = None
    checked: frozenset[str] = frozenset()


@cache
def _catalogue() -> dict:
    data = checks_dir() / "bulk-senders.toml"
    return tomllib.loads(data.read_text("utf-8"))


def bulk_sender_verdict(evidence: BulkEvidence) -> tuple[ProviderVerdict, ...]:
    catalogue = _catalogue()
    statuses: dict[str, tuple[str, str]] = {}
    verdicts = []
    for provider, spec in catalogue["provider"].items():
        requirements = []
        for rid in spec["requirements"]:
            info = catalogue["requirement"][rid]
            if rid not in statuses:
                statuses[rid] = _evaluate(info["check"], info, evidence)
            status, text = statuses[rid]
            requirements.append(Requirement(rid, info["title"], status, text))
        states = {r.status for r in requirements}
        verdict = FAIL if FAIL in states else UNKNOWN if UNKNOWN in states else PASS
        verdicts.append(ProviderVerdict(provider, spec["name"], verdict, tuple(requirements),
                                        spec["source"]))
    return tuple(verdicts)


def _evaluate(check: str, info: dict, e: BulkEvidence) -> tuple[str, str]:
    return {
        "spf": _spf, "dkim": _dkim, "dmarc": _dmarc, "alignment": _alignment, "ptr": _ptr,
        "one-click-unsubscribe": _unsubscribe, "dkim-key-size": _key_size,
    }.get(check, lambda _: (UNKNOWN, info.get("evidence", "not checked")))(e)


def _spf(e: BulkEvidence) -> tuple[str, str]:
    if e.spf_result is not None:
        status = {SpfResult.PASS: PASS, SpfResult.TEMPERROR: UNKNOWN}.get(e.spf_result.result, FAIL)
        return status, f"check_host: {e.spf_result.result.value} ({e.spf_result.reason})"
    if e.spf is None:
        return UNKNOWN, "SPF not checked"
    broken = [f.rule for f in e.spf.findings if f.rule in _SPF_BROKEN]
    if broken:
        return FAIL, f"SPF record broken ({', '.join(sorted(set(broken)))})"
    return UNKNOWN, f"record published ({e.spf.record}); give --ip to evaluate the sending IP"


def _dkim(e: BulkEvidence) -> tuple[str, str]:
    if e.dkim_signatures is not None:
        passing = [s for s in e.dkim_signatures if s.result == "pass"]
        if passing:
            return PASS, ", ".join(f"d={s.domain} s={s.selector} pass" for s in passing)
        if not e.dkim_signatures:
            return FAIL, "the message is not DKIM-signed"
        return FAIL, "; ".join(f"d={s.domain} s={s.selector}: {s.result}"
                               for s in e.dkim_signatures)
    if "dkim" not in e.checked:
        return UNKNOWN, "DKIM not checked; give --message to verify a signature"
    usable = [k for k in e.dkim_keys if not k.revoked and k.key_bits]
    if usable:
        return UNKNOWN, (f"key published at {', '.join(k.selector for k in usable)}; "
                         "give --message to verify a signature")
    if e.dkim_selectors_given:
        return FAIL, "no usable key at the given selectors"
    return UNKNOWN, "no key at the common selectors; give --selector or --message"


def _dmarc(e: BulkEvidence) -> tuple[str, str]:
    if e.dmarc is None:
        return UNKNOWN, "DMARC not checked"
    if e.dmarc.record is None:
        temporary = any(f.rule == "DMARC013" for f in e.dmarc.findings)
        return (UNKNOWN, "DNS error") if temporary else (FAIL, "no DMARC record")
    return PASS, f"p={e.dmarc.applied_policy} at _dmarc.{e.dmarc.policy_domain}"


def _alignment(e: BulkEvidence) -> tuple[str, str]:
    a = e.alignment
    if a is None:
        return UNKNOWN, "give --message (DKIM d=) or --ip with --mail-from (SPF) to check"
    parts = []
    if a.dkim_domain:
        parts.append(f"DKIM d={a.dkim_domain} {'aligned' if a.dkim_aligned else 'not aligned'}")
    if a.spf_domain:
        parts.append(f"SPF {a.spf_domain} {'aligned' if a.spf_aligned else 'not aligned'}")
    text = f"From {a.from_domain}: " + ("; ".join(parts) or "no authenticated domain")
    return e.alignment_status, text


def _ptr(e: BulkEvidence) -> tuple[str, str]:
    r = e.reverse_dns
    if r is None:
        if "ptr" not in e.checked:
            return UNKNOWN, "reverse DNS not checked"
        return UNKNOWN, "give --ip to check the sending IP's reverse DNS"
    if r.error:
        return UNKNOWN, f"PTR lookup for {r.ip} failed: {r.error}"
    if r.ok:
        return PASS, f"{r.ip} -> {', '.join(r.confirmed)} -> {r.ip}"
    if not r.names:
        return FAIL, f"{r.ip} has no PTR record"
    return FAIL, f"{r.ip} -> {', '.join(r.names)}, not confirmed by A/AAAA"


def _unsubscribe(e: BulkEvidence) -> tuple[str, str]:
    headers = e.headers
    if headers is None:
        return UNKNOWN, "give --message to check List-Unsubscribe (transactional mail is exempt)"
    link = str(headers.get("List-Unsubscribe", "") or "")
    post = str(headers.get("List-Unsubscribe-Post", "") or "")
    if not re.search(r"<https://[^>]+>", link):
        return FAIL, "no https URL in List-Unsubscribe (required for marketing mail)"
    if post.replace(" ", "").lower() != "list-unsubscribe=one-click":
        return FAIL, "List-Unsubscribe-Post: List-Unsubscribe=One-Click is missing"
    covered = [s for s in e.dkim_signatures or () if s.result == "pass"
               and {"list-unsubscribe", "list-unsubscribe-post"} <= set(s.signed_headers)]
    if not covered:
        return FAIL, "both List-Unsubscribe headers present, but no passing DKIM signature covers them"
    return PASS, f"RFC 8058 headers, signed by d={covered[0].domain}"


def _key_size(e: BulkEvidence) -> tuple[str, str]:
    sizes = [(k.selector, k.key_bits) for k in e.dkim_keys if k.key_type == "rsa" and k.key_bits]
    sizes += [(s.selector, s.key_bits) for s in e.dkim_signatures or ()
              if s.algorithm.startswith("rsa") and s.key_bits]
    if not sizes and not any(k.key_type == "ed25519" for k in e.dkim_keys):
        return UNKNOWN, "no DKIM key found to measure" if "dkim" in e.checked else \
            "DKIM not checked"
    weak = [f"{sel}: {bits} bits" for sel, bits in sizes if bits < rsa_key_sizes().min_bits]
    if weak:
        return FAIL, ", ".join(weak)
    return PASS, ", ".join(sorted({f"{sel}: {bits} bits" for sel, bits in sizes})) or "ed25519"
