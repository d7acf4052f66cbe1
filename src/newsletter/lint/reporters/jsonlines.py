"""JSON Lines: one `{"input": path, "findings": [...]}` object per input, in order."""

from __future__ import annotations

import json
from typing import Sequence

from ..model import LintResult


def format_json(results: Sequence[LintResult]) -> str:
    return "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in results)
