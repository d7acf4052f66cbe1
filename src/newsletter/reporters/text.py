"""Text for people: findings grouped by file, aligned, coloured on a terminal, then the counts."""

from __future__ import annotations

from typing import Sequence

import click

from ..findings import Severity
from .model import Findings

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def format_text(results: Sequence[Findings], *, show_fixes: bool = False) -> str:
    """ANSI colours are always written; `click.echo` removes them when stdout is not a terminal."""
    lines: list[str] = []
    for result in results:
        if not result.findings:
            continue
        lines.append(click.style(result.path or "", bold=True))
        for item in result.findings:
            location = item.location
            where = ""
            if location and location.line:
                where = f"{location.line}:{location.column}" if location.column else str(location.line)
            severity = click.style(f"{item.severity.value:<7}", fg=_COLOURS[item.severity])
            lines.append(f"  {where:>8}  {severity}  {click.style(item.rule, bold=True)}  {item.message}")
            if show_fixes and item.fix:
                lines.append(f"  {'':>8}  {click.style('fix: ' + item.fix, dim=True)}")
        lines.append("")
    lines.append(summary(results))
    return "\n".join(lines) + "\n"


def summary(results: Sequence[Findings]) -> str:
    counts = {severity: 0 for severity in Severity}
    for result in results:
        for item in result.findings:
            counts[item.severity] += 1
    with_findings = sum(1 for r in results if r.findings)
    files = f"{len(results)} file{'s' if len(results) != 1 else ''}"
    if not with_findings:
        return click.style(f"No findings in {files}.", fg="green")
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items()]
    return f"{', '.join(parts)} in {with_findings} of {files}."
