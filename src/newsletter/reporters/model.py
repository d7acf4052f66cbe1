"""What every reporter reads: the findings of one input (a file, a message, a domain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from ..findings import Finding


class Findings(Protocol):
    """Anything with the input's name and its findings: `InputFindings`, lint's results."""

    @property
    def path(self) -> str | None: ...

    @property
    def findings(self) -> Sequence[Finding]: ...


@dataclass(frozen=True)
class InputFindings:
    """The findings of one input. `path` is None for what is not a file (a domain's DNS)."""

    path: str | None
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {"input": self.path, "findings": [f.to_json() for f in self.findings]}
