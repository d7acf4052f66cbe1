"""One domain's sender-authentication report: every check, its findings, the bulk-sender verdict.

`check_domain` is the entry point the CLI and the pre-send check use; `check_domains` runs many
domains concurrently over one resolver (its cache shares common includes and TLD lookups).
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Sequence

from ..errors import NewsletterError
from ..findings import Finding, Location, finding
from .alignment import Alignment, check_alignment
from .bulk import FAIL, PASS, UNKNOWN, BulkEvidence, ProviderVerdict, bulk_sender_verdict
from .dkim import DkimKey, DkimSignatureResult, common_selectors, lookup_keys, signature_findings, \
    verify_dkim
from .dmarc import DmarcDiscovery, discover_dmarc, dmarc_findings, walk_targets
from .records import (MxHost, ReverseDns, TagRecord, check_bimi, check_mta_sts, check_mx, dns_error,
                      check_reverse_dns, check_tls_rpt)
from .resolver import Resolver, dns_name
from .spf import SpfEvaluation, SpfResult, check_sender, valid_domain
from .spf.lint import SpfLint, lint_spf, lookup_failed

CHECKS = ("spf", "dkim", "dmarc", "mx", "bimi", "mta-sts", "tls-rpt", "ptr")


@dataclass(frozen=True)
class CheckOptions:
    selectors: tuple[str, ...] = ()  # empty: probe the common selectors
    ip: str | None = None
    mail_from: str | None = None  # None: the message's Return-Path, else postmaster@<domain>;
                                  # "" or "<>": the null sender, whose SPF identity is the HELO
    helo: str = ""
    message: bytes | None = None  # a raw RFC 5322 message (.eml)
    message_path: str | None = None
    only: frozenset[str] = field(default_factory=lambda: frozenset(CHECKS))


@dataclass(frozen=True)
class DomainReport:
    domain: str
    spf: SpfLint | None
    spf_result: SpfEvaluation | None
    dkim: tuple[DkimKey, ...] | None
    dkim_signatures: tuple[DkimSignatureResult, ...] | None
    dmarc: DmarcDiscovery | None
    alignment: Alignment | None
    mx: tuple[MxHost, ...] | None
    bimi: TagRecord | None
    mta_sts: TagRecord | None
    tls_rpt: TagRecord | None
    reverse_dns: ReverseDns | None
    bulk_sender: tuple[ProviderVerdict, ...]
    findings: tuple[Finding, ...]
    checked: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        return report_json(self)


def validate_domain(text: str) -> str:
    """A domain given by a user, in its ASCII (A-label) form; NewsletterError if it is not one."""
    name = text.strip().rstrip(".").lower()
    try:
        ascii_name = dns_name(name).to_text(omit_final_dot=True) if name else ""
    except ValueError:
        ascii_name = ""
    if not valid_domain(ascii_name) or not all(
            re.fullmatch(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", label) for label in ascii_name.split(".")):
        raise NewsletterError(f"invalid domain name {text!r}",
                              fix="give a domain such as boutique.example")
    return ascii_name


def parse_headers(message: bytes) -> Message:
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(message,
                                                                            headersonly=True)


def _prefetch(domain: str, options: CheckOptions) -> list[tuple[str, str]]:
    """The first queries of every check, sent at once so the checks mostly hit the cache."""
    only = options.only
    pairs: list[tuple[str, str]] = []
    if "spf" in only:
        pairs += [(domain, "TXT"), (domain, "SPF")]
    if {"dmarc", "bimi"} & only or options.message or options.ip:
        pairs += [(f"_dmarc.{t}", "TXT") for t in walk_targets(domain)]
    if "mx" in only:
        pairs.append((domain, "MX"))
    if "bimi" in only:
        pairs.append((f"default._bimi.{domain}", "TXT"))
    if "mta-sts" in only:
        pairs.append((f"_mta-sts.{domain}", "TXT"))
    if "tls-rpt" in only:
        pairs.append((f"_smtp._tls.{domain}", "TXT"))
    if "dkim" in only:
        pairs += [(f"{s}._domainkey.{domain}", "TXT")
                  for s in options.selectors or common_selectors()]
    return pairs


def check_domain(domain: str, resolver: Resolver, options: CheckOptions = CheckOptions()
                 ) -> DomainReport:
    """Every check of `options.only` for one From domain."""
    only = options.only
    findings: list[Finding] = []
    resolver.query_many(_prefetch(domain, options))

    spf = spf_result = None
    if "spf" in only:
        spf = lint_spf(domain, resolver)
        findings += spf.findings
    mail_from = options.mail_from
    headers = parse_headers(options.message) if options.message is not None else None
    if mail_from is None and headers is not None:
        mail_from = str(headers.get("Return-Path", "") or "").strip().strip("<>") or None
    if options.ip and "spf" in only:
        spf_result = check_sender(resolver, options.ip,
                                  f"postmaster@{domain}" if mail_from is None else mail_from,
                                  options.helo)
        findings += _spf_result_findings(spf_result)

    keys: tuple[DkimKey, ...] | None = None
    if "dkim" in only:
        keys, key_findings = lookup_keys(domain, resolver, options.selectors)
        findings += key_findings
    signatures = None
    if options.message is not None:
        signatures = verify_dkim(options.message, resolver, options.message_path)
        findings += signature_findings(signatures, options.message_path)

    dmarc = None
    if {"dmarc", "bimi"} & only or options.message or options.ip:
        dmarc = discover_dmarc(domain, resolver)
        if "dmarc" in only:
            findings += dmarc.findings
            findings += dmarc_findings(dmarc, resolver)

    alignment, alignment_status = _alignment(domain, dmarc, signatures, spf_result, resolver)
    if alignment_status == FAIL:
        findings.append(finding("DMARC011", f"From {domain}: no aligned pass (DKIM "
                                            f"{alignment.dkim_domain or 'none'}, SPF "  # type: ignore[union-attr]
                                            f"{alignment.spf_domain or 'none'})",  # type: ignore[union-attr]
                                Location(options.message_path or f"_dmarc.{domain} TXT")))

    mx = bimi = mta_sts = tls_rpt = reverse = None
    if "mx" in only:
        mx, more = check_mx(domain, resolver)
        findings += more
    if "bimi" in only:
        bimi, more = check_bimi(domain, resolver, dmarc)
        findings += more
    if "mta-sts" in only or "tls-rpt" in only:
        mta_sts, more = check_mta_sts(domain, resolver)
        findings += more if "mta-sts" in only else ()
    if "tls-rpt" in only:
        tls_rpt, more = check_tls_rpt(domain, resolver, mta_sts)
        findings += more
    if options.ip and "ptr" in only:
        reverse, more = check_reverse_dns(options.ip, resolver)
        findings += more

    evidence = BulkEvidence(spf=spf, spf_result=spf_result, dkim_keys=keys or (),
                            dkim_selectors_given=bool(options.selectors),
                            dkim_signatures=signatures, dmarc=dmarc, alignment=alignment,
                            alignment_status=alignment_status, reverse_dns=reverse,
                            headers=headers, checked=only)
    if resolver.exhausted:
        findings.append(dns_error(f"{resolver.exhausted}; later lookups were not made, "
                                  "so this report is incomplete", Location(domain)))
    verdicts = bulk_sender_verdict(evidence)
    failing = sorted({r.id for v in verdicts for r in v.requirements if r.status == FAIL})
    if failing:
        names = [v.name for v in verdicts if v.verdict == FAIL]
        providers = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        findings.append(finding("AUTH012", f"{providers}: fails {', '.join(failing)}",
                                Location(domain)))
    return DomainReport(domain, spf, spf_result, keys, signatures, dmarc, alignment, mx, bimi,
                        mta_sts, tls_rpt, reverse, verdicts, tuple(findings), only)


def _spf_result_findings(result: SpfEvaluation) -> list[Finding]:
    where = Location(f"{result.domain} TXT")
    if result.result is SpfResult.PASS:
        return []
    if result.result is SpfResult.TEMPERROR:
        return [lookup_failed(result.reason, where)]
    return [finding("SPF013", f"{result.result.value}: {result.reason}", where)]


def _alignment(domain: str, dmarc: DmarcDiscovery | None,
               signatures: tuple[DkimSignatureResult, ...] | None,
               spf_result: SpfEvaluation | None, resolver: Resolver
               ) -> tuple[Alignment | None, str]:
    if signatures is None and spf_result is None:
        return None, UNKNOWN
    record = dmarc.record if dmarc else None
    dkim_domains = tuple(s.domain for s in signatures or () if s.result == "pass")
    spf_domain = spf_result.domain if spf_result and spf_result.result is SpfResult.PASS else None
    alignment = check_alignment(domain, dkim_domains, spf_domain, resolver,
                                adkim=record.adkim if record else "r",
                                aspf=record.aspf if record else "r")
    if alignment.aligned:
        return alignment, PASS
    both_known = signatures is not None and spf_result is not None
    return alignment, FAIL if both_known else UNKNOWN


def check_domains(domains: Sequence[str], resolver: Resolver, options: CheckOptions = CheckOptions(),
                  *, workers: int = 32) -> list[DomainReport]:
    """Many domains at once, in input order."""
    if len(domains) <= 1:
        return [check_domain(d, resolver, options) for d in domains]
    with ThreadPoolExecutor(max_workers=min(workers, len(domains))) as pool:
        return list(pool.map(lambda d: check_domain(d, resolver, options), domains))


def report_json(r: DomainReport) -> dict[str, Any]:
    """The documented JSON Lines object of `newsletter dns` (docs/dns.md)."""
    spf = None
    if r.spf is not None:
        spf = {"record": r.spf.record, "lookups": r.spf.lookups,
               "void_lookups": r.spf.void_lookups,
               "result": r.spf_result.result.value if r.spf_result else None,
               "reason": r.spf_result.reason if r.spf_result else None,
               "explanation": r.spf_result.explanation if r.spf_result else None}
    dmarc = None
    if r.dmarc is not None and "dmarc" in r.checked:
        rec = r.dmarc.record
        dmarc = {"record": rec.text if rec else None, "policy": rec.policy if rec else None,
                 "subdomain_policy": rec.subdomain_policy if rec else None,
                 "applied_policy": r.dmarc.applied_policy, "policy_domain": r.dmarc.policy_domain,
                 "org_domain": r.dmarc.org_domain}
    return {
        "domain": r.domain,
        "spf": spf,
        "dkim": None if r.dkim is None else [
            {"selector": k.selector, "record": k.record, "key_type": k.key_type,
             "key_bits": k.key_bits, "revoked": k.revoked, "testing": k.testing} for k in r.dkim],
        "dkim_signatures": None if r.dkim_signatures is None else [
            {"domain": s.domain, "selector": s.selector, "algorithm": s.algorithm,
             "result": s.result, "reason": s.reason, "key_bits": s.key_bits}
            for s in r.dkim_signatures],
        "dmarc": dmarc,
        "alignment": None if r.alignment is None else {
            "from_domain": r.alignment.from_domain, "dkim_domain": r.alignment.dkim_domain,
            "dkim_aligned": r.alignment.dkim_aligned, "spf_domain": r.alignment.spf_domain,
            "spf_aligned": r.alignment.spf_aligned},
        "mx": None if r.mx is None else [
            {"preference": m.preference, "host": m.host, "addresses": list(m.addresses)}
            for m in r.mx],
        "bimi": _tag_json(r.bimi),
        "mta_sts": _tag_json(r.mta_sts),
        "tls_rpt": _tag_json(r.tls_rpt),
        "ptr": None if r.reverse_dns is None else {
            "ip": r.reverse_dns.ip, "names": list(r.reverse_dns.names),
            "confirmed": list(r.reverse_dns.confirmed)},
        "bulk_sender": {v.provider: {"verdict": v.verdict, "requirements": [
            {"id": q.id, "title": q.title, "status": q.status, "evidence": q.evidence}
            for q in v.requirements]} for v in r.bulk_sender},
        "findings": [f.to_json() for f in r.findings],
    }


def _tag_json(record: TagRecord | None) -> dict[str, Any] | None:
    return None if record is None else {"record": record.record, "tags": dict(record.tags)}
