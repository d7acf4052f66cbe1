"""Untrusted HTML and CSS measured against `[html]` and `[css]` of `checks/input-limits.toml`
before a parser sees them.

The parsers behind the commands recurse once per nesting level (tinycss2, our CSS reader,
premailer's cssutils), turn digits into integers (Python refuses more than 4,300) or slow down
with size; one linear pass here keeps each of them within bounds no real email reaches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import NewsletterError
from .limits import input_limits

_MB = 1024 * 1024
# Comments and strings (unclosed ones run to the end), whose brackets and digits are no CSS.
_COMMENTS_AND_STRINGS = re.compile(r"/\*.*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?", re.DOTALL)
_BRACKETS = re.compile(r"[{}()\[\]]")
_CLOSING = {"{": "}", "(": ")", "[": "]"}


@dataclass(frozen=True)
class Excess:
    """Where CSS first goes past a bound (1-based line and column inside the CSS), and which."""

    what: str
    line: int
    column: int


def check_html_size(size: int, path: str | Path | None, what: str = "HTML") -> None:
    """Refuse HTML of `size` bytes over the bound, before anything parses it."""
    limit = input_limits("html")["max_bytes"]
    if size > limit:
        raise NewsletterError(
            f"{what} is {size / _MB:.1f} MB, over the {limit / _MB:.0f} MB this tool reads", path=path,
            fix="Gmail clips a message's HTML after 102 KB anyway: send less (embedded images, unused CSS)")


def check_message_size(size: int, path: str | Path | None) -> None:
    """Refuse an .eml file of `size` bytes over the bound, before it is parsed."""
    limit = input_limits("html")["max_message_bytes"]
    if size > limit:
        raise NewsletterError(f"message is {size / _MB:.1f} MB, over the {limit / _MB:.0f} MB this tool reads",
                              path=path, fix="check the message without its attachments")


def blank_comments_and_strings(css: str) -> str:
    """`css` with its comments and strings made spaces: brackets and digits left are CSS's own,
    at their offsets."""
    return _COMMENTS_AND_STRINGS.sub(lambda m: " " * len(m.group()), css)


def css_excess(css: str) -> Excess | None:
    """The first bound a `<style>` block or a style attribute goes past, None within all."""
    limits = input_limits("css")
    digits = _digit_run(limits["max_digits"]).search(css)
    if digits:
        return excess_at(css, digits.start(),
                         f"a number of {len(digits.group())} digits (this tool reads up to {limits['max_digits']})")
    deepest = limits["max_nesting"]
    if sum(css.count(c) for c in _CLOSING) <= deepest:
        return None  # too few brackets to nest deeper
    expected: list[str] = []  # the closing bracket of each open level; others close nothing
    for bracket in _BRACKETS.finditer(blank_comments_and_strings(css)):
        char = bracket.group()
        if char in _CLOSING:
            expected.append(_CLOSING[char])
            if len(expected) > deepest:
                return excess_at(css, bracket.start(),
                                 f"blocks, functions or brackets nested more than {deepest} deep (the most this tool reads)")
        elif expected and char == expected[-1]:
            expected.pop()
    return None


@lru_cache(maxsize=None)
def _digit_run(longest: int) -> re.Pattern[str]:
    return re.compile(rf"\d{{{longest + 1},}}")


def excess_at(css: str, offset: int, what: str) -> Excess:
    """`what` at `offset` of `css`, with its line and column."""
    line = css.count("\n", 0, offset) + 1
    return Excess(what, line, offset - (css.rfind("\n", 0, offset) + 1) + 1)
