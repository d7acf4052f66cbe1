"""The CSS of a `<style>` block, read the way Gmail's sanitiser reads it (with tinycss2).

Yields plain facts (declarations, @-rules, nesting, syntax errors) with their line inside the
block; the Gmail family decides what each fact means.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from functools import lru_cache

import tinycss2


@dataclass(frozen=True)
class Declaration:
    name: str
    value: str
    line: int


@dataclass(frozen=True)
class StyleSheet:
    declarations: tuple[Declaration, ...]
    at_rules: tuple[tuple[str, int], ...]  # (name, line), every level
    nested: tuple[tuple[str, int], ...]  # (what, line) of rules nested where Gmail refuses them
    errors: tuple[tuple[str, int, int], ...]  # (message, line, column)
    media_queries: tuple[tuple[str, int], ...]  # (prelude, line)


@lru_cache(maxsize=256)
def read_stylesheet(css: str) -> StyleSheet:
    declarations: list[Declaration] = []
    at_rules: list[tuple[str, int]] = []
    nested: list[tuple[str, int]] = []
    errors: list[tuple[str, int, int]] = []
    media: list[tuple[str, int]] = []

    def rules(items, depth: int) -> None:
        for item in items:
            if item.type == "error":
                errors.append((item.message, item.source_line, item.source_column))
            elif item.type == "at-rule":
                at_rules.append((item.lower_at_keyword, item.source_line))
                if depth:
                    nested.append((f"@{item.lower_at_keyword} inside another @-rule", item.source_line))
                if item.lower_at_keyword == "media":
                    media.append((tinycss2.serialize(item.prelude).strip(), item.source_line))
                if item.content is not None:
                    inner = tinycss2.parse_rule_list(item.content, skip_comments=True, skip_whitespace=True)
                    if item.lower_at_keyword in ("font-face", "page"):
                        body(item.content, item.source_line)
                    else:
                        rules(inner, depth + 1)
            elif item.type == "qualified-rule":
                body(item.content, item.source_line)

    def body(content, line: int) -> None:
        for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
            if item.type == "declaration":
                value = tinycss2.serialize(item.value).strip()
                declarations.append(Declaration(item.lower_name, value, item.source_line))
            elif item.type == "error":
                errors.append((f"invalid declaration ({item.message})", item.source_line, item.source_column))
            elif item.type in ("qualified-rule", "at-rule"):
                nested.append(("a rule nested inside another rule (CSS nesting)", item.source_line))

    rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), depth=0)
    unclosed = _brace_balance(css)  # a stray '}' is already an error from tinycss2
    if unclosed > 0:
        errors.append((f"{unclosed} unclosed '{{' at the end of the block", css.count("\n") + 1, 1))
    return StyleSheet(tuple(declarations), tuple(at_rules), tuple(nested), tuple(errors), tuple(media))


_COMMENTS_AND_STRINGS = re.compile(r"/\*.*?(?:\*/|$)|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", re.DOTALL)


def _brace_balance(css: str) -> int:
    """Opened minus closed braces outside comments and strings. tinycss2 closes blocks left
    open at the end silently, as browsers do; Gmail does not."""
    bare = _COMMENTS_AND_STRINGS.sub("", css)
    return bare.count("{") - bare.count("}")
