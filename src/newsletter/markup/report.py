"""The text report: the item tree with each finding beside what it is about, then what Gmail
would display. Presentation only; the findings and lines come from the library."""

from __future__ import annotations

import unicodedata

from ..findings import Finding, Location
from ..i18n import Messages, messages
from .model import Item, Literal, Markup

_MARK = {"error": "✗", "warning": "!", "info": "i"}


class _Pending:
    """The findings not printed yet, in their order, found by location or by line at once (a
    list searched for each property made a report of thousands of items quadratic)."""

    def __init__(self, findings: tuple[Finding, ...]) -> None:
        self.left = dict(enumerate(findings))
        self.at: dict[Location, list[int]] = {}
        self.on_line: dict[int, list[int]] = {}
        for index, f in self.left.items():
            if f.location is not None and f.location.line is not None:
                self.at.setdefault(f.location, []).append(index)
                self.on_line.setdefault(f.location.line, []).append(index)

    def take(self, indexes) -> list[Finding]:
        return [self.left.pop(i) for i in sorted(set(indexes)) if i in self.left]

    def at_location(self, location: Location) -> list[Finding]:
        return self.take(self.at.get(location, ()))

    def within(self, item: Item) -> list[Finding]:
        if not (item.location and item.location.line):
            return []
        lines = range(item.location.line, (item.end_line or item.location.line) + 1)
        return self.take(i for line in lines for i in self.on_line.get(line, ()))


def text_report(path: str, kind: str | None, markup: Markup, findings: tuple[Finding, ...], shown: tuple[str, ...],
                texts: Messages | None = None) -> str:
    t = texts or messages()
    pending = _Pending(findings)
    kind_text = t.text(f"report.kind.{kind}") if kind in ("promotional", "transactional") else kind
    out = [t.text("report.heading", input=path, kind=kind_text or t.text("display.no_kind"))]
    if not markup.items:
        out.append("  " + t.text("display.no_markup"))
    for item in markup.items:
        _item(item, out, pending, depth=1, label=None, t=t)
        out += [_finding_line(f, 2, t) for f in pending.within(item)]
    for f in pending.left.values():
        out.append(_finding_line(f, 1, t))
    if shown:
        out.append("  " + t.text("display.heading"))
        out += [f"    {line}" for line in shown]
    return "\n".join(out)


def _item(item: Item, out: list[str], pending: _Pending, depth: int, label: str | None, t: Messages) -> None:
    pad = "  " * depth
    where = f"  [{item.syntax.value}, line {item.location.line}]" if item.location and item.location.line and label is None else ""
    out.append(f"{pad}{label + ': ' if label else ''}{item.type or '(no type)'}{where}")
    _beside(item.location, out, pending, depth + 1, t)
    for prop in item.properties:
        for value in prop.values:
            if isinstance(value, Item):
                _item(value, out, pending, depth + 1, prop.name, t)
            else:
                out.append(f"{pad}  {prop.name}: {_literal(value)}")
        _beside(prop.location, out, pending, depth + 2, t)


def _beside(location: Location | None, out: list[str], pending: _Pending, depth: int, t: Messages) -> None:
    if location is None or location.line is None:
        return
    out += [_finding_line(f, depth, t) for f in pending.at_location(location)]


def _literal(value: Literal) -> str:
    """A string in quotes, as Python writes it (control characters escaped), except the spaces
    French typography puts in values (`-30\u00a0%`), which are shown as spaces."""
    text = value.text
    if not isinstance(value.value, str):
        return text
    quoted = repr(text)
    for space in {c for c in text if c != " " and unicodedata.category(c) == "Zs"}:
        quoted = quoted.replace(repr(space)[1:-1], space)
    return quoted


def _finding_line(f: Finding, depth: int, t: Messages) -> str:
    return f"{'  ' * depth}{_MARK[f.severity.value]} {t.severity(f.severity)} {f.rule} {t.message(f.message)}"
