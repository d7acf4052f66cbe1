"""Inline suppression: `{# newsletter: ignore[C001,A002] #}` in a template,
`<!-- newsletter: ignore[C001] -->` in HTML.

Scope, decided by where the comment stands:
- before any content (only whitespace, a doctype or other comments above it): the whole file;
- alone on its line: the next line;
- after content on a line: that line.
Without brackets (`newsletter: ignore`) every rule is suppressed in that scope. Ids and prefixes
work as in `--ignore` (`ignore[G]` silences every Gmail rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..findings import Finding

_DIRECTIVE = re.compile(
    r"(?:\{#-?|<!--)\s*newsletter:\s*ignore(?:\[([^\]]*)\])?\s*(?:-?#\}|-->)", re.IGNORECASE
)
# One piece of what may stand before any content: spaces, a doctype, a comment.
_PREAMBLE_PIECE = re.compile(r"\s+|<!doctype[^>]*>|<!--.*?-->|\{#.*?#\}", re.IGNORECASE | re.DOTALL)
_NON_BLANK = re.compile(r"\S")
_EVERY_RULE = ("",)


@dataclass(frozen=True)
class Suppressions:
    whole_file: tuple[str, ...] = ()
    by_line: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def hides(self, item: Finding) -> bool:
        if _matches(item.rule, self.whole_file):
            return True
        line = item.location.line if item.location else None
        return line is not None and any(n == line and _matches(item.rule, rules) for n, rules in self.by_line)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if not self.hides(f)]


def _matches(rule: str, prefixes: tuple[str, ...]) -> bool:
    return any(rule.startswith(prefix) for prefix in prefixes)


def read_suppressions(source: str | None) -> Suppressions:
    if not source or "newsletter:" not in source:
        return Suppressions()
    preamble = _preamble_ends(source)
    whole: list[str] = []
    by_line: list[tuple[int, tuple[str, ...]]] = []
    line, counted, line_start, line_end = 1, 0, 0, -1
    for match in _DIRECTIVE.finditer(source):
        rules = tuple(r.strip().upper() for r in match.group(1).split(",") if r.strip()) if match.group(1) else _EVERY_RULE
        if match.start() in preamble:
            whole.extend(rules)
            continue
        # Lines counted on from the last directive: a file of directives is read once.
        line += source.count("\n", counted, match.start())
        line_start = max(line_start, source.rfind("\n", counted, match.start()) + 1)
        counted = match.start()
        if line_end < match.end():
            line_end = source.find("\n", match.end())
            line_end = line_end if line_end >= 0 else len(source)
        alone = not _NON_BLANK.search(source, line_start, match.start()) and not _NON_BLANK.search(
            source, match.end(), line_end)
        end_line = line + match.group(0).count("\n")
        by_line.append((end_line + 1 if alone else line, rules))
    return Suppressions(tuple(whole), tuple(by_line))


def _preamble_ends(source: str) -> set[int]:
    """The offsets where the text before them is only spaces, a doctype and comments."""
    ends = {0}
    at = 0
    while (piece := _PREAMBLE_PIECE.match(source, at)) is not None:
        at = piece.end()
        ends.add(at)
    return ends
