"""JSON-LD blocks: found in the raw HTML (so positions are exact) and parsed strictly.

Gmail rejects a block that is not strict JSON, so we do too: Python's own JSON parser (no
trailing commas, no comments, no single quotes, and here no NaN, Infinity or lone surrogate),
with its error position moved into the file. The pure-Python scanner is used so that every
object records where it starts. A block past the `[jsonld]` bounds of `checks/input-limits.toml`
(size, nesting, digits) is one M001 finding, found before the parser (which recurses once per
level and refuses integers of over 4,300 digits) sees it.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import JSONObject, scanstring
from json.scanner import py_make_scanner
from typing import Any

from ..findings import Finding, Location, finding
from ..limits import input_limits
from .model import Item, Literal, Property, Syntax, Value

# A script or a comment runs to its end tag or to the end of the document, as an HTML parser
# reads it: a start that always matches is never tried again from the next '<' (quadratic).
_SCRIPT = re.compile(
    r"<script\b([^>]*)(?:>|\Z)(.*?)(?:</script\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_TYPE_ATTR = re.compile(r"""\btype\s*=\s*(["']?)\s*application/ld\+json\s*\1""", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# What every match of `_SCRIPT` opens with. Blanking comments only makes spaces, so a document
# without it anywhere has no block: neither blanked nor scanned (most mail has no script).
_SCRIPT_START = re.compile(r"<script\b", re.IGNORECASE)
# What the bounds look at, outside strings: brackets, digits in a row, NaN and Infinity.
_BOUNDED = re.compile(r'"(?:[^"\\]|\\.)*"?|(?P<open>[\[{])|(?P<close>[\]}])|(?P<digits>\d+)|(?P<constant>NaN|-?Infinity)')
_SURROGATE = re.compile(r"[\ud800-\udfff]")
SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")


class _Positioned(dict):
    """A JSON object that remembers the offset of its `{` and the end of its `}`."""

    start: int = 0
    end: int = 0


class _Decoder(json.JSONDecoder):
    def __init__(self) -> None:
        super().__init__(strict=True)

        def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
            start = s_and_end[1] - 1
            pairs, end = JSONObject(s_and_end, strict, scan_once, None, list, memo)
            if any(_SURROGATE.search(key) for key, _ in pairs):
                raise json.JSONDecodeError("a key holds a lone surrogate (half a \\u pair), not a character",
                                           s_and_end[0], start)
            result = _Positioned(pairs)
            result.start, result.end = start, end
            return result, end

        def parse_string(text, end, strict):
            value, after = scanstring(text, end, strict)
            if _SURROGATE.search(value):
                raise json.JSONDecodeError("a lone surrogate (half a \\u pair) is not a character", text, end - 1)
            return value, after

        self.parse_object = parse_object
        self.parse_string = parse_string
        self.scan_once = py_make_scanner(self)


class _Lines:
    """1-based line and column of offsets in one text, its line starts found once."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def _blank(match: re.Match[str]) -> str:
    """A comment replaced by spaces of the same length (newlines kept), so offsets hold."""
    return re.sub(r"[^\n]", " ", match.group(0))


def extract_json_ld(html: str, path: str | None = None) -> tuple[tuple[Item, ...], tuple[Finding, ...]]:
    """Every item of every `<script type="application/ld+json">` outside HTML comments."""
    if not _SCRIPT_START.search(html):
        return (), ()
    searchable = _COMMENT.sub(_blank, html)
    lines: _Lines | None = None
    items: list[Item] = []
    findings: list[Finding] = []
    for script in _SCRIPT.finditer(searchable):
        if not _TYPE_ATTR.search(script.group(1)):
            continue
        body, offset = script.group(2), script.start(2)
        lines = lines or _Lines(html)
        block = _Block(html, path, offset, lines)
        if not body.strip():
            findings.append(finding("M001", "empty JSON-LD block", block.location(0)))
            continue
        excess = _excess(body)
        if excess is not None:
            message, pos = excess
            findings.append(finding("M001", message, block.location(pos)))
            continue
        try:
            data, end = _Decoder().raw_decode(body, len(body) - len(body.lstrip()))
            if body[end:].strip():
                raise json.JSONDecodeError("Extra data after the JSON value", body, end + len(body[end:]) - len(body[end:].lstrip()))
        except json.JSONDecodeError as exc:
            message, pos = _explain(body, exc)
            findings.append(finding("M001", f"invalid JSON: {message}", block.location(pos)))
            continue
        except RecursionError:
            findings.append(finding("M001", "invalid JSON: nested too deeply", block.location(0)))
            continue
        block.roots(data, items, findings)
    return tuple(items), tuple(findings)


def _excess(body: str) -> tuple[str, int] | None:
    """(message, offset) of the first place `body` goes past the `[jsonld]` bounds or holds
    NaN or Infinity (Python reads them; JSON has no such values), None within them."""
    limits = input_limits("jsonld")
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > limits["max_bytes"]:
        return (f"JSON-LD block of {size / 1024:,.0f} KB, over the {limits['max_bytes'] // 1024:,} KB this tool "
                "reads (an order of fifty lines takes about 20 KB)"), 0
    depth = 0
    for token in _BOUNDED.finditer(body):
        kind = token.lastgroup
        if kind == "open":
            depth += 1
            if depth > limits["max_nesting"]:
                return f"JSON-LD nested more than {limits['max_nesting']} deep (the most this tool reads)", token.start()
        elif kind == "close":
            depth -= 1
        elif kind == "digits" and len(token.group()) > limits["max_digits"]:
            return (f"a number of {len(token.group()):,} digits (this tool reads up to {limits['max_digits']}; "
                    "write a long identifier as a string)"), token.start()
        elif kind == "constant":
            return f"invalid JSON: {token.group()} is not a JSON number", token.start()
    return None


class _Block:
    """One script's text and its place in the file, turning JSON values into items."""

    def __init__(self, html: str, path: str | None, offset: int, lines: _Lines) -> None:
        self.html, self.path, self.offset, self.lines = html, path, offset, lines

    def location(self, pos: int) -> Location:
        line, column = self.lines.position(self.offset + pos)
        return Location(self.path, line, column)

    def roots(self, data: Any, items: list[Item], findings: list[Finding]) -> None:
        objects = data if isinstance(data, list) else [data]
        if isinstance(data, dict) and "@graph" in data:
            objects = data["@graph"] if isinstance(data["@graph"], list) else [data["@graph"]]
            context = data.get("@context")
            objects = [
                o if not isinstance(o, dict) or "@context" in o else _with_context(o, context)
                for o in objects
            ]
        for obj in objects:
            if not isinstance(obj, dict):
                findings.append(finding("M002", "top-level JSON-LD value is not an object", self.location(0)))
                continue
            where = self.location(getattr(obj, "start", 0))
            context = obj.get("@context")
            if not _is_schema_context(context):
                shown = "missing" if context is None else f"{context!r}"
                findings.append(finding("M002", f"@context is {shown}, not http://schema.org", where))
            if not obj.get("@type"):
                findings.append(finding("M002", "top-level object has no @type", where))
            items.append(self.item(obj, findings))

    def item(self, obj: dict, findings: list[Finding]) -> Item:
        raw_type = obj.get("@type", "")
        if isinstance(raw_type, list):
            raw_type = raw_type[0] if raw_type else ""
        type_name, vocabulary = split_type(str(raw_type)) if raw_type else ("", "")
        start = getattr(obj, "start", 0)
        end = max(getattr(obj, "end", 0), start)
        properties = []
        searched = start  # keys are written in order: each is looked for after the one before
        for key, value in obj.items():
            if key.startswith("@"):
                continue
            where, searched = self._key_location(key, searched, end)
            values = value if isinstance(value, list) else [value]
            properties.append(
                Property(key, tuple(self.value(v, where, findings) for v in values), where)
            )
        return Item(
            type_name,
            tuple(properties),
            Syntax.JSON_LD,
            self.location(start),
            self.location(getattr(obj, "end", start)).line,
            vocabulary,
        )

    def value(self, raw: Any, where: Location, findings: list[Finding]) -> Value:
        if isinstance(raw, dict):
            if "@type" not in raw and set(raw) == {"@id"}:
                return Literal(str(raw["@id"]), where)
            if "@type" not in raw:
                findings.append(finding("M023", "nested object has no @type", self.location(getattr(raw, "start", 0))))
            return self.item(raw, findings)
        if isinstance(raw, list):  # a list inside a list: flatten to its first level's text
            return Literal(json.dumps(raw), where)
        return Literal(raw, where)

    def _key_location(self, key: str, start: int, end: int) -> tuple[Location, int]:
        """Where `"key"` is first written between `start` and `end` of the block (else at
        `start`), and where to look for the next key."""
        written = json.dumps(key)
        found = self.html.find(written, self.offset + start, self.offset + end) - self.offset
        if found < 0:
            return self.location(start), start
        return self.location(found), found + len(written)


def _explain(body: str, exc: json.JSONDecodeError) -> tuple[str, int]:
    """The parser's message, or "trailing comma" pointing at the comma, which is what users write."""
    before = body[: exc.pos].rstrip()
    if before.endswith(",") and body[exc.pos : exc.pos + 1] in ("}", "]"):
        return "trailing comma before '" + body[exc.pos] + "'", len(before) - 1
    return exc.msg, exc.pos


def _with_context(obj: dict, context: Any) -> dict:
    copy = _Positioned(obj)
    copy.start, copy.end = getattr(obj, "start", 0), getattr(obj, "end", 0)
    copy["@context"] = context
    return copy


def _is_schema_context(context: Any) -> bool:
    if isinstance(context, list):
        return any(_is_schema_context(c) for c in context)
    if isinstance(context, dict):
        return _is_schema_context(context.get("@vocab"))
    return isinstance(context, str) and context.rstrip("/").lower() in ("http://schema.org", "https://schema.org")


def split_type(raw: str) -> tuple[str, str]:
    """("Order", "") for "Order", "schema:Order" or "http://schema.org/Order"; a foreign
    vocabulary keeps its namespace: ("Thing", "http://example.org/")."""
    raw = raw.strip()
    for prefix in SCHEMA_PREFIXES:
        if raw.lower().startswith(prefix):
            return raw[len(prefix):], ""
    if "/" in raw or raw.startswith(("http:", "https:")):
        namespace, _, name = raw.rpartition("/")
        return name, namespace + "/"
    return raw, ""
