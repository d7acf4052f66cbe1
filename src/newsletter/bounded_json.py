"""JSON from files users hand us (`--data`, JSON Lines recipients), within the `[data]` limits.

Python's `json` recurses once per nesting level (100,000 levels: a `RecursionError`), converts an
integer of any length (past 4,300 digits: a `ValueError`), and the values it returns go on into
Jinja and the renderer, which recurse too. Here a document over a limit is one `JsonLimitError`
saying where and what, and what passes nests no deeper than `max_depth`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .limits import input_limits

# Strings, brackets and numbers: enough to find where a limit is passed, once one is.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|-?[0-9][0-9.eE+-]*')


class JsonLimitError(ValueError):
    """A JSON document over one of the `[data]` limits, with where (1-based) when known."""

    def __init__(self, what: str, fix: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix
        self.line = line
        self.column = column


class _NumberTooLong(Exception):
    pass


def loads(text: str) -> Any:
    """`json.loads` within the limits. Raises `json.JSONDecodeError` or `JsonLimitError`."""
    limits = input_limits("data")
    try:
        value = json.loads(text, parse_int=_bounded(int), parse_float=_bounded(float))
    except RecursionError:
        raise _too_deep(text, limits["max_depth"]) from None
    except _NumberTooLong:
        raise _number_too_long(text, limits["max_number_chars"]) from None
    if _deeper_than(value, limits["max_depth"]):
        raise _too_deep(text, limits["max_depth"])
    return value


def _bounded(convert):
    limit = input_limits("data")["max_number_chars"]

    def parse(literal: str):
        if len(literal) > limit:
            raise _NumberTooLong
        return convert(literal)

    return parse


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` deep (without recursing)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _too_deep(text: str, limit: int) -> JsonLimitError:
    what, fix = f"JSON nested more than {limit} levels deep", f"nest objects and lists at most {limit} deep"
    depth = 0
    for token in _TOKEN.finditer(text):
        if token.group() in "[{":
            depth += 1
            if depth > limit:
                return _at(text, token.start(), what, fix)
        elif token.group() in "]}":
            depth -= 1
    return JsonLimitError(what, fix)


def _number_too_long(text: str, limit: int) -> JsonLimitError:
    fix = 'write a long identifier (an order or card number) as a string, in quotes'
    for token in _TOKEN.finditer(text):
        literal = token.group()
        if literal[0] not in '"[]{}' and len(literal) > limit:
            return _at(text, token.start(), f"a number of {len(literal):,} characters (at most {limit})", fix)
    return JsonLimitError(f"a number longer than {limit} characters", fix)


def _at(text: str, position: int, what: str, fix: str) -> JsonLimitError:
    line = text.count("\n", 0, position) + 1
    return JsonLimitError(what, fix, line, position - text.rfind("\n", 0, position))
