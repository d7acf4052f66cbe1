"""The text report of `newsletter check`: a headline per input (tab, confidence, spam risk,
bulk-sender rules), the reasons, then the findings grouped by area with their fixes."""

from __future__ import annotations

from itertools import groupby

from ..findings import Severity
from ..lint.docs import area_of
from .check import CheckReport
from .model import Reason

_TABS = {"primary": "Primary", "updates": "Updates", "promotions": "Promotions", "unknown": "unknown"}


def format_report(report: CheckReport, *, reasons: int = 6) -> str:
    lines = [f"{report.input} ({report.kind.value if report.kind else 'unknown kind'}"
             f"{', ' + report.kind_source if report.kind_source else ''})"]
    placement = report.placement
    if placement is not None:
        lines.append(f"  tab: {_tab(placement)}"
                     f"   spam risk: {placement.spam_risk.value} ({placement.spam_probability:.0%})"
                     f"   bulk-sender rules: {_bulk(report)}")
        tab_reasons = [r for r in placement.reasons if r.score != "spam"]
        lines += _reasons("why this tab", tab_reasons[:reasons])
        lines += _reasons("spam risk", list(placement.reasons_for("spam"))[:reasons])
    if report.spamassassin is not None:
        sa = report.spamassassin
        hits = ", ".join(f"{r.name} {r.score:+.1f}" for r in sa.rules if r.score)
        lines.append(f"  SpamAssassin: {sa.score:.1f} / {sa.threshold:.1f}{' (spam)' if sa.is_spam else ''}"
                     + (f": {hits}" if hits else ""))
    ordered = sorted(report.findings, key=lambda f: (area_of(f.rule), -f.severity.rank, f.rule))
    fixed: set[str] = set()
    for area, group in groupby(ordered, key=lambda f: area_of(f.rule)):
        items = list(group)
        lines.append(f"  {area} ({len(items)})")
        for item in items:
            where = f"{item.location.line}: " if item.location and item.location.line else ""
            lines.append(f"    {where}{item.severity.value} {item.rule} {item.message}")
            if item.fix and item.severity is not Severity.INFO and item.rule not in fixed:
                lines.append(f"      fix: {item.fix}")  # once per rule: the same fix repeated is noise
                fixed.add(item.rule)
    return "\n".join(lines) + "\n"


def _tab(placement) -> str:
    if placement.tab.value == "unknown":
        likelier = max(placement.probabilities, key=placement.probabilities.get)
        return f"unknown (too little evidence; likeliest {_TABS[likelier]} {placement.probabilities[likelier]:.0%})"
    return f"{_TABS[placement.tab.value]} ({placement.confidence:.0%})"


def _bulk(report: CheckReport) -> str:
    auth = report.auth
    if auth.source == "headers":
        return "not checked (offline; authentication as the message's receiver recorded it)"
    if not auth.checked:
        return "not checked (offline)"
    overall = "unknown" if auth.bulk_sender_compliant is None else "met" if auth.bulk_sender_compliant else "NOT met"
    each = ", ".join(f"{name} {_VERDICTS[verdict]}" for name, verdict in auth.bulk_verdicts)
    return f"{overall} ({each})" if each else overall


_VERDICTS = {"pass": "met", "fail": "NOT met", "unknown": "unknown"}


def _reasons(title: str, reasons: list[Reason]) -> list[str]:
    if not reasons:
        return []
    return [f"  {title}:"] + [f"    {r.score:<10} {r.contribution:+.1f}  {r.text}" for r in reasons]


def summary(reports: list[CheckReport]) -> str:
    """One closing line: how many inputs per tab and how many with high spam risk."""
    counts: dict[str, int] = {}
    for report in reports:
        key = report.placement.tab.value if report.placement else "unpredicted"
        counts[key] = counts.get(key, 0) + 1
    high = sum(1 for r in reports if r.placement and r.placement.spam_risk.value == "high")
    parts = ", ".join(f"{n} {_TABS.get(k, k)}" for k, n in sorted(counts.items()))
    return f"{len(reports)} input{'s' if len(reports) != 1 else ''}: {parts}; {high} at high spam risk\n"
