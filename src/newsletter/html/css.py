"""The CSS of a `<style>` block, read the way Gmail's sanitiser reads it (with tinycss2).

Yields plain facts (declarations, @-rules, nesting, syntax errors) with their line inside the
block; the Gmail family decides what each fact means.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import tinycss2

from ..bounds import blank_comments_and_strings, css_excess


class Declaration(NamedTuple):  # a tuple: a stylesheet holds hundreds, built by the thousand per run
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
    """The facts of one `<style>` block. Cached: templates of one family repeat their blocks.
    A block past the bounds on untrusted CSS is not read: its one fact is that error."""
    excess = css_excess(css)
    if excess is not None:
        return StyleSheet((), (), (), ((excess.what, excess.line, excess.column),), ())
    sheet = _read_simple(_preprocess(css)) or _read_with_tinycss2(css)
    unclosed = _brace_balance(css)  # a stray '}' is already an error from tinycss2
    if unclosed > 0:
        sheet = dataclasses.replace(sheet, errors=(
            *sheet.errors, (f"{unclosed} unclosed '{{' at the end of the block", css.count("\n") + 1, 1)))
    return sheet


def read_declarations(style: str) -> tuple[tuple[str, str], ...] | None:
    """`(name, value)` of a style attribute's declarations as tinycss2 reads them, by the
    fast reader; None when the attribute is outside what it reads (tinycss2 must)."""
    if "{" in style or "}" in style:
        return None
    sheet = _read_simple("a{" + _preprocess(style) + "}")
    return None if sheet is None else tuple((d.name, d.value) for d in sheet.declarations)


def _preprocess(css: str) -> str:
    """tinycss2's own preprocessing, so lines and values agree on both paths."""
    return css.replace("\0", "\uFFFD").replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")


def _read_with_tinycss2(css: str) -> StyleSheet:
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
    return StyleSheet(tuple(declarations), tuple(at_rules), tuple(nested), tuple(errors), tuple(media))


def _brace_balance(css: str) -> int:
    """Opened minus closed braces outside comments and strings. tinycss2 closes blocks left
    open at the end silently, as browsers do; Gmail does not."""
    bare = blank_comments_and_strings(css)
    return bare.count("{") - bare.count("}")


# --- the fast path ---------------------------------------------------------------------------
# Most email stylesheets are plain rules, @media and @import with simple values. Those are read
# with regular expressions, to the same facts tinycss2 gives (a test compares the two on the
# corpus and on tricky cases); anything outside that subset, and every sheet with a syntax error,
# returns None and is read by tinycss2.

_WS = "[ \\t\\n]"
_IDENT = r"(?:--|-?[a-zA-Z_])[a-zA-Z0-9_-]*"
_COMMENT = r"/\*(?:[^*]|\*(?!/))*\*/"
# What gives a sheet its structure; the text between these tokens is selectors and values.
# The lookahead names every character a token starts with, so the search skips to the next
# one instead of trying each alternative at every character (three times faster).
_TOKENS = re.compile(rf"""(?=[/"'@{{}}();\[\]])(?:
    (?P<comment>{_COMMENT}) | (?P<string>"[^"\\\n]*"|'[^'\\\n]*')
  | (?P<at>@{_IDENT}(?![^\x00-\x7f])) | (?P<punct>[{{}}();\[\]]) | (?P<bad>["'@]|/\*)
)""", re.VERBOSE)
_URL = re.compile(r"url\(([^ \t\n'\"()\\\x00-\x1f\x7f]*)\)")
_ANY_URL = re.compile(r"url\(", re.IGNORECASE)
# Spaces and comments: from the start (`match`), and from a place to the end (`match(text, at)`;
# a search for them before the end would try again from every space).
_LEADING = re.compile(rf"(?:{_WS}|{_COMMENT})*+")
_TRAILING = re.compile(rf"(?:{_WS}|{_COMMENT})*+\Z")
_DECLARATION_NAME = re.compile(rf"(?:{_WS}|{_COMMENT})*({_IDENT}){_WS}*:")
_IMPORTANT = re.compile(rf"!{_WS}*important{_WS}*\Z", re.IGNORECASE | re.ASCII)
_VALUE_TOKENS = re.compile(rf"""
    (?P<sep>{_WS}+|[,/:]) | (?P<close>\)) | (?P<url>url\([^ \t\n'"()\\\x00-\x1f\x7f]*\))
  | (?P<open>(?:{_IDENT})?\() | (?P<string>"[^"\\\n]*"|'[^'"\\\n]*')
  | (?P<item>[+-]?(?:\d+\.\d+|\.\d+|\d+)(?:%|[a-zA-Z]+)?|\#[a-zA-Z0-9_-]+|{_IDENT})
""", re.VERBOSE)


_OPEN, _CLOSE, _STRUCTURE = frozenset("(["), frozenset(")]"), frozenset("{};")


class _NotSimple(Exception):
    """The stylesheet needs the real tokenizer."""


def _plain_value(text: str) -> str:
    """`text` as tinycss2 serializes it, for values made of numbers, names, colours, strings,
    urls and functions separated by spaces or `, / :`. Raises `_NotSimple` otherwise."""
    position, depth, after_item, out = 0, 0, False, []
    while position < len(text):
        match = _VALUE_TOKENS.match(text, position)
        if match is None:
            raise _NotSimple
        kind, token = match.lastgroup, match.group()
        if kind == "sep":
            after_item = False
        elif kind == "close":
            depth -= 1
            after_item = True
            if depth < 0:
                raise _NotSimple
        elif after_item:
            raise _NotSimple  # two tokens side by side: tinycss2 may serialize them apart
        elif kind == "open":
            depth += 1
            if token[:-1].lower() == "url" and text[match.end(): match.end() + 1] not in ("'", '"'):
                raise _NotSimple  # url( x ) is a URL token, serialized without its spaces
        else:
            after_item = True
            if kind == "string" and token[0] == "'":
                token = f'"{token[1:-1]}"'  # tinycss2 writes every string in double quotes
        out.append(token)
        position = match.end()
    if depth:
        raise _NotSimple
    return "".join(out)


def _read_simple(css: str) -> StyleSheet | None:
    if "\\" in css or "<!--" in css or "-->" in css:
        return None
    for match in _ANY_URL.finditer(css):
        url = _URL.match(css, match.start())
        if not (url and "/*" not in url.group(1)) and css[match.end(): match.end() + 1] not in ("'", '"'):
            return None
    tokens: list[tuple[str, int, int]] = []
    for match in _TOKENS.finditer(css):
        kind = match.lastgroup
        if kind == "bad":
            return None  # an unclosed string or comment, a stray '@'
        tokens.append((match.group() if kind == "punct" else kind, match.start(), match.end()))
    try:
        return _SimpleReader(css, tokens).read()
    except _NotSimple:
        return None


class _SimpleReader:
    def __init__(self, css: str, tokens: list[tuple[str, int, int]]) -> None:
        self.css, self.tokens, self.at = css, tokens, 0
        self.newlines = [m.start() for m in re.finditer("\n", css)]
        self.declarations: list[Declaration] = []
        self.at_rules: list[tuple[str, int]] = []
        self.nested: list[tuple[str, int]] = []
        self.media: list[tuple[str, int]] = []

    def read(self) -> StyleSheet:
        self.rules(depth=0)
        return StyleSheet(tuple(self.declarations), tuple(self.at_rules), tuple(self.nested), (), tuple(self.media))

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def rules(self, depth: int) -> None:
        """A rule list, up to the end of the sheet (depth 0) or the '}' closing the block."""
        while self.at < len(self.tokens):
            kind, start, _ = self.tokens[self.at]
            if not self.blank_before(start):
                kind = "selector"
            if kind == "comment":
                self.at += 1
            elif kind == "}":
                if not depth:
                    raise _NotSimple  # a stray '}': tinycss2 reports it
                return
            elif kind == "at":
                self.at_rule(depth)
            else:
                self.until("{")  # a qualified rule: its selector is not needed
                self.body()
        if depth or not self.blank_before(len(self.css)):
            raise _NotSimple  # a block left open, or text after the last rule

    def blank_before(self, offset: int) -> bool:
        """Only whitespace between the last token read and `offset`."""
        previous = self.tokens[self.at - 1][2] if self.at else 0
        return not self.css[previous:offset].strip(" \t\n")

    def at_rule(self, depth: int) -> None:
        start, end = self.tokens[self.at][1:]
        name, line = self.css[start + 1: end].lower(), self.line(start)
        self.at += 1
        prelude_end = self.until("{", ";")
        self.at_rules.append((name, line))
        if depth:
            self.nested.append((f"@{name} inside another @-rule", line))
        if name == "media":
            self.media.append((_plain_value(_stripped(self.css[end:prelude_end])), line))
        if self.tokens[self.at - 1][0] == "{":
            if name in ("font-face", "page"):
                self.body()
            else:
                self.rules(depth + 1)
                self.at += 1  # the closing '}'

    def until(self, *ends: str) -> int:
        """Skip to the first of `ends` outside brackets, step past it, return its offset."""
        depth = 0
        while self.at < len(self.tokens):
            kind, start, _ = self.tokens[self.at]
            self.at += 1
            if kind in _OPEN:
                depth += 1
            elif kind in _CLOSE:
                depth -= 1
            elif kind in ends and not depth:
                return start
            elif kind in _STRUCTURE or (kind == "at" and depth):
                raise _NotSimple
        raise _NotSimple  # end of the sheet inside a rule

    def body(self) -> None:
        """The declarations of a rule, up to its '}'; nested rules and @-rules are not simple."""
        start = self.tokens[self.at - 1][2]
        depth = 0
        while self.at < len(self.tokens):
            kind, offset, end = self.tokens[self.at]
            self.at += 1
            if kind in _OPEN:
                depth += 1
            elif kind in _CLOSE:
                depth -= 1
            elif depth and kind in _STRUCTURE:
                raise _NotSimple
            elif kind in (";", "}"):
                self.declaration(start, offset)
                start = end
                if kind == "}":
                    return
            elif kind in ("{", "at"):
                raise _NotSimple
        raise _NotSimple

    def declaration(self, start: int, end: int) -> None:
        read = declaration_parts(self.css[start:end])
        if read is _NOT_SIMPLE:
            raise _NotSimple
        if read is not None:
            name, value, offset = read
            self.declarations.append(Declaration(name, value, self.line(start + offset)))


_NOT_SIMPLE = ("", "", 0)


@lru_cache(maxsize=4096)
def declaration_parts(text: str) -> tuple[str, str, int] | None:
    """(name, value, offset of the name) of the source of one declaration, None for blank
    source, `_NOT_SIMPLE` outside the fast path. Cached: stylesheets of one family repeat
    their declarations (a run reads five times fewer distinct ones than it meets)."""
    try:
        if not _stripped(text):
            return None
        name = _DECLARATION_NAME.match(text)
        if name is None:
            return _NOT_SIMPLE
        value = _stripped(text[name.end():])
        important = _IMPORTANT.search(value)
        if important:
            value = value[: important.start()]
            if "!" in value:
                return _NOT_SIMPLE
        return name.group(1).lower(), _plain_value(value.strip()), name.start(1)
    except _NotSimple:
        return _NOT_SIMPLE


def _stripped(text: str) -> str:
    """The text without the spaces and comments around it; a comment inside is not simple
    (tinycss2 drops it and may join what it separated)."""
    text = text.strip(" \t\n")
    if "/*" not in text:
        return text
    text = text[_LEADING.match(text).end():]
    first = text.find("/*")
    if first < 0:
        return text
    if not _TRAILING.match(text, first):
        raise _NotSimple
    return text[:first].rstrip(" \t\n")
