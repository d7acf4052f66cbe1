"""The text report: the item tree with each finding beside what it is about, then what Gmail
would display. Presentation only; the findings and lines come from the library."""

from __future__ import annotations

from ..findings import Finding, Location
from .model import Item, Literal, Markup

_MARK = {"error": "✗", "warning": "!", "info": "i"}


def text_report(path: str, kind: str | None, markup: Markup, findings: tuple[Finding, ...], shown: tuple[str, ...]) -> str:
    pending = list(findings)
    out = [f"{path} ({kind or 'kind not declared'})"]
    if not markup.items:
        out.append("  no schema.org markup")
    for item in markup.items:
        _item(item, out, pending, depth=1, label=None)
        inside = [f for f in pending if _within(f.location, item)]
        for f in inside:
            out.append(_finding_line(f, 2))
            pending.remove(f)
    for f in pending:
        out.append(_finding_line(f, 1))
    if shown:
        out.append("  Gmail would display:")
        out += [f"    {line}" for line in shown]
    return "\n".join(out)


def _item(item: Item, out: list[str], pending: list[Finding], depth: int, label: str | None) -> None:
    pad = "  " * depth
    where = f"  [{item.syntax.value}, line {item.location.line}]" if item.location and item.location.line and label is None else ""
    out.append(f"{pad}{label + ': ' if label else ''}{item.type or '(no type)'}{where}")
    _beside(item.location, out, pending, depth + 1)
    for prop in item.properties:
        for value in prop.values:
            if isinstance(value, Item):
                _item(value, out, pending, depth + 1, prop.name)
            else:
                out.append(f"{pad}  {prop.name}: {_literal(value)}")
        _beside(prop.location, out, pending, depth + 2)


def _beside(location: Location | None, out: list[str], pending: list[Finding], depth: int) -> None:
    if location is None or location.line is None:
        return
    for f in [f for f in pending if f.location == location]:
        out.append(_finding_line(f, depth))
        pending.remove(f)


def _literal(value: Literal) -> str:
    text = value.text
    return repr(text) if isinstance(value.value, str) else text


def _within(location: Location | None, item: Item) -> bool:
    if not (location and location.line and item.location and item.location.line):
        return False
    return item.location.line <= location.line <= (item.end_line or item.location.line)


def _finding_line(f: Finding, depth: int) -> str:
    return f"{'  ' * depth}{_MARK[f.severity.value]} {f.severity.value} {f.rule} {f.message}"
