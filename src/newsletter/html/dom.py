"""Small HTML and CSS helpers the rule families share: parsing, inline styles, visible text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

import tinycss2
from lxml import etree
from lxml.etree import _Element as Element

from ..bounds import css_excess
from .css import read_declarations

# lxml's plain HTML parser: the same tree as `lxml.html`, without its Python element-class
# lookup, which runs for every element a rule touches and cost more than the parse itself.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=False)
INVISIBLE_TAGS = frozenset({"head", "script", "style", "title", "meta", "link", "noscript", "template"})


def parse_html(html: str) -> Element | None:
    """The document tree with source lines, or None for an empty document."""
    return parse_encoded(html, encode_html(html))


def encode_html(html: str) -> bytes:
    """The HTML as sent: UTF-8 (what Gmail's size limit counts, and what the parser reads)."""
    return html.encode("utf-8", "surrogatepass")


def parse_encoded(html: str, encoded: bytes) -> Element | None:
    """`parse_html(html)` for HTML already encoded by `encode_html`."""
    if not html.strip():
        return None
    try:
        return etree.fromstring(encoded, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


_SIMPLE_NAME = re.compile(r"-?-?[a-zA-Z][a-zA-Z0-9-]*")
_NEEDS_TOKENIZER = re.compile(r"[()\"'/\\{}]")  # functions, strings, comments, escapes, blocks


@lru_cache(maxsize=4096)
def declarations(style: str) -> tuple[tuple[str, str], ...]:
    """`(property, value)` pairs of a style attribute, lower-case names; bad ones are skipped.

    Cached, and plain `name: value; ...` attributes (most of them) are split without a CSS
    tokenizer: email HTML repeats hundreds of style attributes and this is the linter's hot spot.
    An attribute past the bounds on untrusted CSS has no declarations this tool reads.
    """
    if css_excess(style) is not None:
        return ()
    if not _NEEDS_TOKENIZER.search(style):
        pairs = []
        for item in style.split(";"):
            name, colon, value = item.partition(":")
            name = name.strip()
            if colon and _SIMPLE_NAME.fullmatch(name) and value.strip():
                pairs.append((name.lower(), value.strip()))
        return tuple(pairs)
    fast = read_declarations(style)
    return fast if fast is not None else tinycss2_declarations(style)


def tinycss2_declarations(style: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            pairs.append((item.lower_name, tinycss2.serialize(item.value).strip()))
    return tuple(pairs)


def style_of(element: Element) -> dict[str, str]:
    style = element.get("style")
    return dict(declarations(style)) if style else {}


_HIDING_PROPERTIES = ("display", "visibility", "mso-hide", "max-height")
# The class email layouts give the preheader, which their stylesheet hides: Gmail and most
# clients show it only as the inbox snippet, so it is never part of what a reader sees.
HIDDEN_CLASSES = frozenset({"preheader"})


def is_hidden(element: Element) -> bool:
    """Hidden by its own attribute, inline style or class: the one definition of hidden for the
    plain-text part, lint and placement (preheaders, mobile-only blocks, hidden text)."""
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    if style and style_hides(style):
        return True
    classes = element.get("class")
    return bool(classes) and not HIDDEN_CLASSES.isdisjoint(classes.split())


@lru_cache(maxsize=4096)
def style_hides(style: str) -> bool:
    """True when a style attribute hides its element. Cached: it is asked of every element."""
    lowered = style.lower()
    if "\\" not in style and not any(name in lowered for name in _HIDING_PROPERTIES):
        return False  # no property that hides (an escaped name could spell one: read those)
    props = dict(declarations(style))
    return (
        props.get("display", "").lower().startswith("none")
        or props.get("visibility", "").lower().startswith("hidden")
        or props.get("mso-hide", "").lower().startswith("all")
        or (props.get("max-height", "").startswith("0") and "hidden" in props.get("overflow", ""))
    )


def hidden_in_tree(element: Element) -> bool:
    node: Element | None = element
    while node is not None:
        if isinstance(node.tag, str) and (node.tag in INVISIBLE_TAGS or is_hidden(node)):
            return True
        node = node.getparent()
    return False


_STRING = etree.XPath("string()")


def all_text(element: Element) -> str:
    """Every text under the element, hidden or not (what `lxml.html`'s `text_content()` gives)."""
    return str(_STRING(element))


def text_of(element: Element) -> str:
    """The element's visible text, spaces collapsed; an image counts as its alt text."""
    tag = element.tag
    if not len(element) and isinstance(tag, str) and tag not in INVISIBLE_TAGS and tag != "img" \
            and not is_hidden(element):
        return collapse_spaces(element.text or "")  # a leaf (most links): no walk needed
    parts: list[str] = []
    _collect(element, parts, alt=True)
    return collapse_spaces("".join(parts))


def visible_text(root: Element) -> str:
    """All text a reader sees in the body (no alt text, nothing hidden)."""
    body = root.find("body")
    parts: list[str] = []
    _collect(body if body is not None else root, parts, alt=False)
    return collapse_spaces("".join(parts))


def collapse_spaces(text: str) -> str:
    """Runs of white space made one space, none at the ends: what `re.sub(r"\\s+", " ", text).strip()`
    gives (`\\s` and `str.split` both take `str.isspace`), without the regex engine."""
    return " ".join(text.split())


def visible_word_count(root: Element, enough: int | None = None) -> int:
    """`len(visible_text(root).split())`, or, once `enough` words are read, a count of at
    least `enough` without reading the rest (a rule asking "are there N words?" stops there)."""
    body = root.find("body")
    counter = _WordCounter(enough)
    parts: list[str] = []
    _collect(body if body is not None else root, parts, alt=False, flush=counter.add)
    counter.add(parts)
    return counter.words + (1 if counter.carry else 0)


class _WordCounter:
    """Counts the words of texts given in chunks, a word cut by a chunk's end counted once."""

    def __init__(self, enough: int | None) -> None:
        self.enough, self.words, self.carry = enough, 0, ""

    def add(self, parts: list[str]) -> bool:
        """Count and empty `parts`; True once `enough` words are counted."""
        text = self.carry + "".join(parts)
        parts.clear()
        words = text.split()
        self.carry = words.pop() if words and not text[-1].isspace() else ""  # may go on in the next chunk
        self.words += len(words)
        return self.enough is not None and self.words >= self.enough


_BLOCK_TAGS = frozenset({"p", "div", "td", "tr", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
_CHUNK = 64  # texts read between two word counts


def _collect(element: Element, parts: list[str], *, alt: bool,
             flush: Callable[[list[str]], bool] | None = None) -> None:
    """The element's texts and tails in reading order, hidden subtrees left out, a space after
    each block. One flat walk in lxml (no recursion, no call per element): this runs over whole
    documents. With `flush`, every `_CHUNK` texts are handed to it (it empties `parts`), and
    the walk stops when it returns True."""
    if not isinstance(element.tag, str):
        return
    walker = etree.iterwalk(element, events=("start", "end", "comment", "pi"))
    skipped = False  # the last start was left out: its end adds no space (its tail still counts)
    for event, node in walker:
        if event == "start":
            tag = node.tag
            if tag in INVISIBLE_TAGS or node.attrib and is_hidden(node):
                pass
            elif tag == "img":
                if alt:
                    parts.append(f" {node.get('alt') or ''} ")  # an image reads as its alt text
            else:
                if node.text:
                    parts.append(node.text)
                    if flush is not None and len(parts) >= _CHUNK and flush(parts):
                        return
                continue
            walker.skip_subtree()
            skipped = True
        else:
            if event == "end":
                if skipped:
                    skipped = False
                elif node.tag in _BLOCK_TAGS:
                    parts.append(" ")
            if node.tail and node is not element:
                parts.append(node.tail)


def snippet(element: Element, limit: int = 60) -> str:
    """`<img src="...">`-style description of an element for a finding's message."""
    attributes = " ".join(
        f'{name}="{_short(element.get(name) or "")}"' for name in ("id", "href", "src", "class") if element.get(name)
    )
    return f"<{element.tag}{' ' + attributes if attributes else ''}>"[: limit + 10]


def _short(value: str, limit: int = 50) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
