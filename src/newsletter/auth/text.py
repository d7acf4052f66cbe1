"""The `newsletter dns` report for people: one block per domain, grouped by record, each finding
with its fix under the record it concerns."""

from __future__ import annotations

from ..findings import Finding, catalogue
from .report import DomainReport
from .spf.check import LOOKUP_LIMIT, VOID_LIMIT

_LABEL = len("Microsoft") + 1  # the longest section label and a space: values line up


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


def format_report(report: DomainReport) -> str:
    """The text report: one block per domain, grouped by record, each finding with its fix."""
    lines = [report.domain]
    by_section: dict[str, list[Finding]] = {}
    for item in report.findings:
        by_section.setdefault(section_of(item), []).append(item)

    def row(label: str, text: str) -> None:
        lines.append(f"  {label:<{_LABEL}}{text}")

    def issues(section: str) -> None:
        for item in by_section.pop(section, ()):
            where = item.location.path if item.location and item.location.path else ""
            column = f":{item.location.column}" if item.location and item.location.column else ""
            lines.append(f"  {'':<{_LABEL}}{item.severity.value} {item.rule} {where}{column}: "
                         f"{item.message}")
            if item.fix:
                lines.append(f"  {'':<{_LABEL + 2}}fix: {item.fix}")

    if report.spf is not None:
        spf = report.spf
        text = spf.record or "(none)"
        if spf.record:
            text += f"   [DNS lookups {spf.lookups}/{LOOKUP_LIMIT}, void {spf.void_lookups}/{VOID_LIMIT}]"
        row("SPF", text)
        if report.spf_result is not None:
            row("", f"check_host({report.spf_result.domain}): {report.spf_result.result.value}"
                    f" — {report.spf_result.reason}")
    issues("SPF")
    if report.dkim is not None:
        if not report.dkim:
            row("DKIM", "(no key found)")
        for key in report.dkim:
            size = "revoked" if key.revoked else f"{key.key_type} {key.key_bits or '?'} bits"
            row("DKIM", f"{key.selector}: {size}")
    for sig in report.dkim_signatures or ():
        row("DKIM sig", f"d={sig.domain} s={sig.selector} {sig.algorithm}: {sig.result}"
                        + ("" if sig.result == "pass" else f" ({sig.reason})"))
    issues("DKIM")
    if report.dmarc is not None and "dmarc" in report.checked:
        d = report.dmarc
        if d.record:
            row("DMARC", f"{d.record.text}   [policy {d.applied_policy} from "
                         f"_dmarc.{d.policy_domain}, org {d.org_domain}]")
        else:
            row("DMARC", "(none)")
    if report.alignment is not None:
        a = report.alignment
        row("Aligned", f"DKIM {a.dkim_domain or '-'}: {'yes' if a.dkim_aligned else 'no'}; "
                       f"SPF {a.spf_domain or '-'}: {'yes' if a.spf_aligned else 'no'}")
    issues("DMARC")
    if report.mx is not None:
        row("MX", ", ".join(f"{m.preference} {m.host or '.'}" for m in report.mx) or "(none)")
    issues("MX")
    for label, record, check in (("BIMI", report.bimi, "bimi"), ("MTA-STS", report.mta_sts,
                                 "mta-sts"), ("TLS-RPT", report.tls_rpt, "tls-rpt")):
        if check in report.checked:
            row(label, record.record if record else "(none)")
        issues(label)
    if report.reverse_dns is not None:
        r = report.reverse_dns
        row("PTR", f"{r.ip} -> " + (f"(not checked: {r.error})" if r.error else
                                     f"{', '.join(r.names) or '(none)'}"
                                     + (" (forward-confirmed)" if r.ok else "")))
    issues("PTR")
    for verdict in report.bulk_sender:
        groups = [f"{status}: " + ", ".join(q.id for q in verdict.requirements
                                             if q.status == status)
                  for status in ("fail", "unknown")
                  if any(q.status == status for q in verdict.requirements)]
        row(verdict.name, verdict.verdict + (f" ({'; '.join(groups)})" if groups else ""))
    for section in list(by_section):
        issues(section)
    return "\n".join(lines) + "\n"
