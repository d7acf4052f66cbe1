"""One finding model for every check, and the rule catalogue it draws on.

Every check yields `Finding`s; every reporter consumes them. Rules live as data in
`checks/rules/*.toml` (id, name, severity, title, why, fix, source), so a finding only names
its rule id and says what it found; the default severity and fix come from the catalogue.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any, Iterable

from .checkfiles import checks_dir


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Location:
    path: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.path or "<input>"
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "column": self.column}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    title: str
    why: str
    fix: str
    source: str | None = None
    # The part of a report the rule belongs to (the dns report's SPF, DKIM, MX, …): the id's
    # prefix unless the catalogue says otherwise.
    section: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    location: Location | None = None
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "location": (self.location or Location()).to_json(),
            "fix": self.fix,
        }

    def format(self) -> str:
        """`path:line:col: severity RULE message (fix: ...)`, the text reporters' line."""
        text = f"{self.location or Location()}: {self.severity.value} {self.rule} {self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text


@cache
def catalogue() -> dict[str, Rule]:
    """Every rule shipped in `checks/rules/*.toml`, by id."""
    rules: dict[str, Rule] = {}
    folder = checks_dir() / "rules"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for raw in data.get("rule", []):
            rule = Rule(
                id=raw["id"],
                name=raw["name"],
                severity=Severity(raw["severity"]),
                title=raw["title"],
                why=raw["why"],
                fix=raw["fix"],
                source=raw.get("source"),
                section=raw.get("section"),
            )
            if rule.id in rules:
                raise ValueError(f"duplicate rule id {rule.id} in {entry.name}")
            rules[rule.id] = rule
    return rules


def finding(
    rule_id: str,
    message: str,
    location: Location | None = None,
    *,
    fix: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of a catalogued rule; severity and fix default to the catalogue's."""
    rule = catalogue()[rule_id]
    return Finding(rule.id, severity or rule.severity, message, location, fix or rule.fix)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
