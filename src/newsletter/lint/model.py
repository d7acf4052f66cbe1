"""What lint adds to a document: its results, sorted by line. A rule family is a function
`(LintInput) -> Iterable[Finding]`, where a `LintInput` is the document every command reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..document.model import Document, Origin, TemplateSource
from ..findings import Finding

LintInput = Document  # the name the rule families know it by

__all__ = ["LintInput", "LintResult", "Origin", "TemplateSource", "sort_findings"]


@dataclass(frozen=True)
class LintResult:
    """The findings of one input, sorted by line, after selection and suppression."""

    path: str
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {"input": self.path, "findings": [f.to_json() for f in self.findings]}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    def key(item: Finding) -> tuple[int, int, str]:
        location = item.location
        return ((location.line or 0) if location else 0, (location.column or 0) if location else 0, item.rule)

    return sorted(findings, key=key)
