"""The `newsletter dns` report for people: one block per domain, grouped by record, each finding
with its fix under the record it concerns."""

from __future__ import annotations

from ..findings import Finding, catalogue
from ..i18n import Messages, messages
from .bimi_evidence import MarkCertificate
from .report import DomainReport
from .spf.check import LOOKUP_LIMIT, VOID_LIMIT

_LABEL = len("Microsoft") + 1  # the longest English section label and a space


# A rule raised for any record (a DNS error) belongs to the section of the name it was raised for.
_RECORD_SECTIONS = (("_bimi.", "BIMI"), ("_mta-sts.", "MTA-STS"), ("_smtp._tls.", "TLS-RPT"),
                    (".arpa", "PTR"), (" MX", "MX"))
_PREFIXES = ("SPF", "DKIM", "DMARC")  # ids that carry their section


def section_of(item: Finding) -> str:
    """Which block of the text report a finding belongs to: its rule's catalogued section, the
    id's prefix, else the record it was found in."""
    rule = catalogue().get(item.rule)
    if rule is not None and rule.section:
        return rule.section
    prefix = next((p for p in _PREFIXES if item.rule.startswith(p)), None)
    if prefix:
        return prefix
    path = item.location.path if item.location and item.location.path else ""
    return next((section for marker, section in _RECORD_SECTIONS if marker in path), "Bulk")


def format_report(report: DomainReport, texts: Messages | None = None,
                  certificate: MarkCertificate | None = None) -> str:
    """The text report: one block per domain, grouped by record, each finding with its fix, in
    the reader's words (record names, tags and SPF results as the records write them)."""
    t = texts or messages()
    lines = [report.domain]
    by_section: dict[str, list[Finding]] = {}
    for item in report.findings:
        by_section.setdefault(section_of(item), []).append(item)

    width = max(_LABEL, len(t.text("dns.aligned")) + 1)  # the longest label and a space: values line up

    def row(label: str, text: str) -> None:
        lines.append(f"  {label:<{width}}{text}")

    def issues(section: str) -> None:
        for item in by_section.pop(section, ()):
            where = item.location.path if item.location and item.location.path else ""
            column = f":{item.location.column}" if item.location and item.location.column else ""
            lines.append(f"  {'':<{width}}" + t.text("dns.finding", severity=t.severity(item.severity), rule=item.rule,
                                                where=f"{where}{column}", message=t.message(item.message)))
            if item.fix:
                lines.append(f"  {'':<{width + 2}}" + t.text("report.fix", fix=t.fix(item)))

    none = t.text("dns.none")
    if report.spf is not None:
        spf = report.spf
        text = spf.record or none
        if spf.record:
            text += "   " + t.text("dns.lookups", lookups=spf.lookups, lookup_limit=LOOKUP_LIMIT,
                                  voids=spf.void_lookups, void_limit=VOID_LIMIT)
        row("SPF", text)
        if report.spf_result is not None:
            row("", t.text("dns.check_host", domain=report.spf_result.domain, result=report.spf_result.result.value,
                           reason=t.message(report.spf_result.reason)))
    issues("SPF")
    if report.dkim is not None:
        if not report.dkim:
            row("DKIM", t.text("dns.no_key"))
        for key in report.dkim:
            size = t.text("dns.revoked") if key.revoked else t.text("dns.key", type=key.key_type, bits=key.key_bits or "?")
            row("DKIM", f"{key.selector}: {size}")
    for sig in report.dkim_signatures or ():
        row("DKIM sig", t.text("dns.signature", domain=sig.domain, selector=sig.selector, algorithm=sig.algorithm,
                               result=sig.result) + ("" if sig.result == "pass" else f" ({t.message(sig.reason)})"))
    issues("DKIM")
    if report.dmarc is not None and "dmarc" in report.checked:
        d = report.dmarc
        if d.record:
            row("DMARC", f"{d.record.text}   " + t.text("dns.dmarc_policy", policy=d.applied_policy,
                                                          domain=d.policy_domain, org=d.org_domain))
        else:
            row("DMARC", none)
    if report.alignment is not None:
        a = report.alignment
        row(t.text("dns.aligned"), t.text("dns.alignment", dkim=a.dkim_domain or "-", spf=a.spf_domain or "-",
                                          dkim_aligned=t.text(f"dns.{'yes' if a.dkim_aligned else 'no'}"),
                                          spf_aligned=t.text(f"dns.{'yes' if a.spf_aligned else 'no'}")))
    issues("DMARC")
    if report.mx is not None:
        row("MX", ", ".join(f"{m.preference} {m.host or '.'}" for m in report.mx) or none)
    issues("MX")
    for label, record, check in (("BIMI", report.bimi, "bimi"), ("MTA-STS", report.mta_sts,
                                 "mta-sts"), ("TLS-RPT", report.tls_rpt, "tls-rpt")):
        if check in report.checked:
            row(label, record.record if record else none)
        if label == "BIMI" and certificate is not None:
            lines.append("  " + _certificate(certificate, t))
            if certificate.gmail_shows:
                row("", t.message(certificate.gmail_shows))
        issues(label)
    if report.reverse_dns is not None:
        r = report.reverse_dns
        row("PTR", f"{r.ip} -> " + (t.text("dns.not_checked", error=t.message(r.error)) if r.error else
                                     f"{', '.join(r.names) or none}" + (t.text("dns.confirmed") if r.ok else "")))
    issues("PTR")
    for verdict in report.bulk_sender:
        groups = [t.text("formats.detail", text=t.text(f"dns.requirement.{status}"),
                         detail=", ".join(q.id for q in verdict.requirements if q.status == status))
                  for status in ("fail", "unknown")
                  if any(q.status == status for q in verdict.requirements)]
        row(verdict.name, t.text(f"dns.status.{verdict.verdict}")
            + (f" ({t.text('formats.list_separator').join(groups)})" if groups else ""))
    for section in list(by_section):
        issues(section)
    return "\n".join(lines) + "\n"


def _certificate(c: MarkCertificate, t: Messages) -> str:
    """The BIMI mark certificate given or fetched: its kind and what it holds."""
    checks = ", ".join(t.text(f"dns.{'' if ok else 'no_'}{what}") for what, ok in
                       (("bimi_eku", c.bimi_eku), ("mark_policy", c.mark_policy), ("logotype", c.logotype)))
    what = f"{c.kind} ({c.mark_type})" if c.mark_type else t.text("dns.not_a_mark")
    return t.text("dns.certificate", what=what, until=c.not_after, checks=checks)
