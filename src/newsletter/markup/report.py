"""The text report: the item tree with each finding beside what it is about, then what Gmail
would display. Presentation only; the findings and lines come from the library."""

from __future__ import annotations

from ..findings import Finding, Location
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


def text_report(path: str, kind: str | None, markup: Markup, findings: tuple[Finding, ...], shown: tuple[str, ...]) -> str:
    pending = _Pending(findings)
    out = [f"{path} ({kind or 'kind not declared'})"]
    if not markup.items:
        out.append("  no schema.org markup")
    for item in markup.items:
        _item(item, out, pending, depth=1, label=None)
        out += [_finding_line(f, 2) for f in pending.within(item)]
    for f in pending.left.values():
        out.append(_finding_line(f, 1))
    if shown:
        out.append("  Gmail would display:")
        out += [f"    {line}" for line in shown]
    return "\n".join(out)


def _item(item: Item, out: list[str], pending: _Pending, depth: int, label: str | None) -> None:
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


def _beside(location: Location | None, out: list[str], pending: _Pending, depth: int) -> None:
    if location is None or location.line is None:
        return
    out += [_finding_line(f, depth) for f in pending.at_location(location)]


def _literal(value: Literal) -> str:
    text = value.text
    return repr(text) if isinstance(value.value, str) else text


def _finding_line(f: Finding, depth: int) -> str:
    return f"{'  ' * depth}{_MARK[f.severity.value]} {f.severity.value} {f.rule} {f.message}"
