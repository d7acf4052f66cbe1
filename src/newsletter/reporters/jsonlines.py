"""JSON Lines: one `{"input": path, "findings": [...]}` object per input, in order."""

from __future__ import annotations

import json
from typing import Sequence

from .model import Findings


def format_json(results: Sequence[Findings]) -> str:
    return "".join(json.dumps({"input": r.path, "findings": [f.to_json() for f in r.findings]}, ensure_ascii=False)
                   + "\n" for r in results)
