"""The plain-text part, generated from the HTML with lxml.

Headings stand out, paragraphs are separated by a blank line, lists keep their bullets or
numbers, links read `text (url)`, table rows become lines. What a reader cannot see
(`newsletter.html.dom.is_hidden`: the preheader, `display:none`, `visibility:hidden`, …),
`<head>`, scripts and styles are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from lxml import html as lxml_html
from lxml.etree import ParserError

from ..html.dom import INVISIBLE_TAGS, is_hidden
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "table",
    "tbody", "thead", "tfoot", "blockquote", "center", "form", "address", "figure", "dl", "dd",
    "dt", "pre",
}
_HEADINGS = {"h1": "=", "h2": "-", "h3": "", "h4": "", "h5": "", "h6": ""}
_CELL = "\x1f"  # marks a table cell boundary until the line is finished
_CELLS = re.compile(r"\s*\x1f[\x1f\s]*")
_SPACES = re.compile(r"[ \t\r\n\f]+")
_INVISIBLE = re.compile("[\u200b\u200c\u034f\u00ad\u2060\ufeff]")  # preheader padding, soft hyphens


def clean(text: str) -> str:
    """Inline text as the converter sees it: invisible characters gone, whitespace runs folded."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", text))


class TextDependsOnValues(Exception):
    """The text's shape depends on recipient values (bulk rendering must render each in full)."""


@dataclass(frozen=True)
class Deferred:
    """A link or underlined heading whose text depends on recipient values (bulk rendering)."""

    kind: str  # "link" or "heading"
    text: str  # the link label or the heading title, with slot tokens
    extra: str  # the link's href, or the underline character


def link_text(label: str, href: str) -> str:
    """`label (url)`, or the URL alone when the label is empty or repeats it."""
    if not href or href.startswith("#") or href.lower().startswith("javascript:"):
        return label
    shown = href.removeprefix("mailto:")
    if not label or label == shown or label == href:
        return shown
    return f"{label} ({shown})"


def heading_text(title: str, underline: str) -> str:
    return title + ("\n" + underline * len(title) if underline else "")


def html_to_text(document: str) -> str:
    """Readable plain text for the text/plain part of the message."""
    return _convert(document, _Writer())


def html_to_text_with_slots(
    document: str, slots: re.Pattern[str], marker: Callable[[int], str]
) -> tuple[str, list[Deferred]]:
    """The text of a document whose recipient values are slot tokens. Links and underlined
    headings that contain a token come out as `marker(i)` with `Deferred` number i, to be
    finished with `link_text`/`heading_text` once the values are known."""
    out = _Writer(slots, marker)
    return _convert(document, out), out.deferred


def _convert(document: str, out: "_Writer") -> str:
    if not document.strip():
        return ""
    try:
        root = lxml_html.document_fromstring(document)
    except ParserError:
        return ""
    body = root.find("body")
    _walk(body if body is not None else root, out, list_stack=[])
    return out.text()


class _Writer:
    """Collects inline text into blocks; blocks are separated by a blank line, except the items
    of one list, which follow each other line by line."""

    def __init__(
        self, slots: re.Pattern[str] | None = None, marker: Callable[[int], str] | None = None
    ) -> None:
        self.blocks: list[tuple[str, int | None]] = []  # (text, list it belongs to)
        self.current: list[str] = []
        self.lists: list[int] = []  # open lists, innermost last
        self.opened = 0
        self.slots = slots
        self.marker = marker
        self.deferred: list[Deferred] = []
        self.link: tuple[str, str] | None = None  # the last link's (label, written text)
        self.after_link: tuple[str, str] | None = None  # the link whose block was the last one

    def defer(self, item: Deferred) -> str | None:
        """A marker for `item` when its text depends on slot values, else None."""
        if self.slots is None or self.marker is None:
            return None
        if not (self.slots.search(item.text) or (item.kind == "link" and self.slots.search(item.extra))):
            return None
        self.deferred.append(item)
        return self.marker(len(self.deferred) - 1)

    def inline(self, text: str) -> None:
        """Source text: its line breaks are layout, not content, so they fold to spaces."""
        if text:
            self.current.append(clean(text))

    def newline(self) -> None:
        self.current.append("\n")

    def block(self) -> None:
        """End the current block."""
        text = "".join(self.current)
        lines = [_CELLS.sub("  ", line).strip() for line in text.split("\n")]
        joined = "\n".join(line for line in lines if line)
        self.current = []
        if not joined:
            return
        link, self.link = self.link, None
        repeated, self.after_link = self.after_link is not None and self._repeats(joined, self.after_link[0]), None
        if repeated:
            return
        self.blocks.append((joined, self.lists[-1] if self.lists else None))
        if link is not None and joined == link[1]:  # a block of the link alone: the next may repeat its label
            self.after_link = link

    def _repeats(self, text: str, label: str) -> bool:
        """True when `text` only repeats the label of the link that made the block before it: a
        product's linked image (its name as alt text) followed by its name. Said once, with the
        link."""
        if text == label:
            return bool(label)
        if self.slots is not None and self._may_equal(text, label):
            raise TextDependsOnValues("a link's label and the text after it may be equal for some recipients")
        return False

    def _may_equal(self, text: str, label: str) -> bool:
        """Whether some recipient values make `text` and `label` (with slot tokens) equal."""
        assert self.slots is not None
        if not self.slots.search(text):
            text, label = label, text
        if not self.slots.search(text):
            return False  # no value in either, and they differ
        if self.slots.search(label):
            return True  # values on both sides: assume they may
        pattern = ".*".join(re.escape(part) for part in self.slots.sub("\x00", text).split("\x00"))
        return re.fullmatch(pattern, label, re.DOTALL) is not None

    def add(self, text: str) -> None:
        self.block()
        self.blocks.append((text, None))
        self.after_link = None

    def open_list(self) -> None:
        self.block()
        self.opened += 1
        self.lists.append(self.opened)

    def close_list(self) -> None:
        self.block()
        self.lists.pop()

    def text(self) -> str:
        self.block()
        parts: list[str] = []
        for index, (text, group) in enumerate(self.blocks):
            if index:
                same_list = group is not None and group == self.blocks[index - 1][1]
                parts.append("\n" if same_list else "\n\n")
            parts.append(text)
        return "".join(parts).strip() + "\n"


def _walk(element, out: _Writer, list_stack: list[list[int | None]]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if not tag or tag in INVISIBLE_TAGS or is_hidden(element):  # comments, head, hidden preheader
        out.inline(element.tail or "")
        return
    if tag in _HEADINGS:
        title = _inline_text(element)
        if title:
            underline = _HEADINGS[tag]
            out.add(out.defer(Deferred("heading", title, underline)) or heading_text(title, underline))
        out.inline(element.tail or "")
        return
    if tag == "a":
        _link(element, out)
        out.inline(element.tail or "")
        return
    if tag == "img":
        alt = (element.get("alt") or "").strip()
        if alt:
            out.inline(f" {alt} ")
        out.inline(element.tail or "")
        return
    if tag == "br":
        out.newline()
        out.inline(element.tail or "")
        return
    if tag == "hr":
        out.add("-" * 20)
        out.inline(element.tail or "")
        return
    if tag in ("ul", "ol"):
        out.open_list()
        list_stack.append([1 if tag == "ol" else None])
    elif tag == "li":
        out.block()
        marker = list_stack[-1] if list_stack else [None]
        if marker[0] is None:
            out.inline("- ")
        else:
            out.inline(f"{marker[0]}. ")
            marker[0] += 1
    elif tag == "tr":
        out.newline()
    elif tag in ("td", "th"):
        out.current.append(_CELL)
    elif tag in _BLOCK:
        out.block()

    out.inline(element.text or "")
    for child in element:
        _walk(child, out, list_stack)

    if tag in ("ul", "ol"):
        list_stack.pop()
        out.close_list()
    elif tag in _BLOCK or tag == "li":
        out.block()
    elif tag == "tr":
        out.newline()
    out.inline(element.tail or "")


def _link(element, out: _Writer) -> None:
    label = _inline_text(element)
    href = (element.get("href") or "").strip()
    written = out.defer(Deferred("link", label, href)) or link_text(label, href)
    out.link = (label, written)
    out.inline(written)


def _inline_text(element) -> str:
    parts: list[str] = []
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and not is_hidden(child):
            if child.tag == "img":
                parts.append(child.get("alt") or "")
            elif child.tag == "br":
                parts.append(" ")
            elif child.tag not in INVISIBLE_TAGS:
                parts.append(_inline_text(child))
        if child.tail:
            parts.append(child.tail)
    return clean("".join(parts)).strip()
