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
_PREAMBLE = re.compile(r"\A(?:\s+|<!doctype[^>]*>|<!--.*?-->|\{#.*?#\})*\Z", re.IGNORECASE | re.DOTALL)
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
    whole: list[str] = []
    by_line: list[tuple[int, tuple[str, ...]]] = []
    for match in _DIRECTIVE.finditer(source):
        rules = tuple(r.strip().upper() for r in match.group(1).split(",") if r.strip()) if match.group(1) else _EVERY_RULE
        before = source[: match.start()]
        if _PREAMBLE.match(before):
            whole.extend(rules)
            continue
        line = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        line_end = source.find("\n", match.end())
        rest = source[match.end(): line_end if line_end >= 0 else len(source)]
        alone = not source[line_start: match.start()].strip() and not rest.strip()
        end_line = line + match.group(0).count("\n")
        by_line.append((end_line + 1 if alone else line, rules))
    return Suppressions(tuple(whole), tuple(by_line))
