"""JSON-LD blocks: found in the raw HTML (so positions are exact) and parsed strictly.

Gmail rejects a block that is not strict JSON, so we do too: Python's own JSON parser (no
trailing commas, no comments, no single quotes), with its error position moved into the file.
The pure-Python scanner is used so that every object records where it starts.
"""

from __future__ import annotations

import json
import re
from json.decoder import JSONObject
from json.scanner import py_make_scanner
from typing import Any

from ..findings import Finding, Location, finding
from .model import Item, Literal, Property, Syntax, Value

_SCRIPT = re.compile(
    r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
_TYPE_ATTR = re.compile(r"""\btype\s*=\s*(["']?)\s*application/ld\+json\s*\1""", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
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
            result = _Positioned(pairs)
            result.start, result.end = start, end
            return result, end

        self.parse_object = parse_object
        self.scan_once = py_make_scanner(self)


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _blank(match: re.Match[str]) -> str:
    """A comment replaced by spaces of the same length (newlines kept), so offsets hold."""
    return re.sub(r"[^\n]", " ", match.group(0))


def extract_json_ld(html: str, path: str | None = None) -> tuple[tuple[Item, ...], tuple[Finding, ...]]:
    """Every item of every `<script type="application/ld+json">` outside HTML comments."""
    searchable = _COMMENT.sub(_blank, html)
    items: list[Item] = []
    findings: list[Finding] = []
    for script in _SCRIPT.finditer(searchable):
        if not _TYPE_ATTR.search(script.group(1)):
            continue
        body, offset = script.group(2), script.start(2)
        block = _Block(html, path, offset)
        if not body.strip():
            findings.append(finding("M001", "empty JSON-LD block", block.location(0)))
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


class _Block:
    """One script's text and its place in the file, turning JSON values into items."""

    def __init__(self, html: str, path: str | None, offset: int) -> None:
        self.html, self.path, self.offset = html, path, offset

    def location(self, pos: int) -> Location:
        line, column = _position(self.html, self.offset + pos)
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
        properties = []
        for key, value in obj.items():
            if key.startswith("@"):
                continue
            where = self._key_location(key, start, getattr(obj, "end", 0))
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

    def _key_location(self, key: str, start: int, end: int) -> Location:
        """Where `"key"` is written in this object (the first match after the `{`)."""
        body = self.html[self.offset + start : self.offset + max(end, start)]
        found = body.find(json.dumps(key))
        return self.location(start + (found if found >= 0 else 0))


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
