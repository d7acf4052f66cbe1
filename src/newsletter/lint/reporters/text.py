"""Text for people: findings grouped by file, aligned, coloured on a terminal, then the counts."""

from __future__ import annotations

from typing import Sequence

import click

from ...findings import Severity
from ...i18n import Messages, messages
from ..model import LintResult

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def format_text(results: Sequence[LintResult], *, show_fixes: bool = False, texts: Messages | None = None) -> str:
    """ANSI colours are always written; `click.echo` removes them when stdout is not a terminal."""
    t = texts or messages()
    width = max(len(t.severity(s)) for s in Severity)
    lines: list[str] = []
    for result in results:
        if not result.findings:
            continue
        lines.append(click.style(result.path, bold=True))
        for item in result.findings:
            location = item.location
            where = ""
            if location and location.line:
                where = f"{location.line}:{location.column}" if location.column else str(location.line)
            severity = click.style(f"{t.severity(item.severity):<{width}}", fg=_COLOURS[item.severity])
            lines.append(f"  {where:>8}  {severity}  {click.style(item.rule, bold=True)}  {t.message(item.message)}")
            if show_fixes and item.fix:
                lines.append(f"  {'':>8}  {click.style(t.text('report.fix', fix=t.fix(item)), dim=True)}")
        lines.append("")
    lines.append(summary(results, t))
    return "\n".join(lines) + "\n"


def summary(results: Sequence[LintResult], texts: Messages | None = None) -> str:
    t = texts or messages()
    counts = {severity: 0 for severity in Severity}
    for result in results:
        for item in result.findings:
            counts[item.severity] += 1
    with_findings = sum(1 for r in results if r.findings)
    files = t.plural("lint.files", len(results))
    if not with_findings:
        return click.style(t.text("lint.no_findings", files=files), fg="green")
    parts = [t.plural(f"lint.{s.value}", n) for s, n in counts.items()]
    return t.text("lint.counts", counts=", ".join(parts), with_findings=with_findings, files=files)
