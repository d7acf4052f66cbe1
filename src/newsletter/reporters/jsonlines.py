"""JSON Lines: one `{"input": path, "findings": [...]}` object per input, in order."""

from __future__ import annotations

from typing import Sequence

from .model import Findings
from ..json_lines import json_line


def format_json(results: Sequence[Findings]) -> str:
    return "".join(json_line({"input": r.path, "findings": [f.to_json() for f in r.findings]}) + "\n" for r in results)
