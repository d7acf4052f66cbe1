"""JSON Lines records that stay one line however they are read.

`json.dumps(..., ensure_ascii=False)` keeps text readable but leaves U+0085, U+2028 and U+2029
raw; Python's `str.splitlines`, JavaScript and many editors break lines on them, so a hostile
value (a recipient's field, a header) would split one record in two. They are escaped here.
"""

from __future__ import annotations

import json
import re

_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def escape_line_breaks(json_text: str) -> str:
    """JSON text with the line separators JSON leaves raw written as escapes (same value)."""
    if json_text.isascii():  # the usual record: none of them, known without reading it
        return json_text
    return _LINE_BREAKS.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


def json_line(value: object) -> str:
    """One record, UTF-8 readable, without its newline."""
    return escape_line_breaks(json.dumps(value, ensure_ascii=False))
