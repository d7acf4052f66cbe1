"""One input (template with data, HTML as sent, .eml message) read once into one typed value.

Every command consumes a `Document`: lint's rule families, markup, placement, preview. Everything
they may need is here, already parsed: the HTML as sent and its lxml tree, the message, the
template source, and the way back from an element to a line of the file. Nothing downstream
opens the file again.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

from lxml import etree
from lxml.etree import _Element as Element

from ..findings import Finding, Location
from ..kinds import Kind
from ..html.dom import INVISIBLE_TAGS, is_hidden, text_of, visible_text, visible_word_count


class Origin(str, enum.Enum):
    """How the input arrived, which decides what can be checked."""

    HTML = "html"  # HTML as sent: the file is the message body
    TEMPLATE = "template"  # a Jinja template, rendered with sample data or placeholders
    EML = "eml"  # a complete RFC 5322 message


@dataclass(frozen=True)
class TemplateSource:
    """A template's own text and what parsing and rendering it taught us."""

    text: str
    ast: Any | None  # jinja2.nodes.Template, None after a syntax error
    data: Mapping[str, Any] | None  # the sample data, None when there is none
    data_path: str | None = None
    layout: bool = False  # extended or included by another template of the run
    kind_given: bool = False  # --kind was passed: the template need not declare it


@dataclass(frozen=True)
class Document:
    path: str
    origin: Origin
    html: str | None = None
    html_size: int | None = None  # bytes of `html` as sent (UTF-8), when the loader counted them
    document: Element | None = None
    kind: Kind | None = None
    subject: str | None = None
    message: EmailMessage | None = None
    # The message's bytes: the .eml file as received, or the message a template renders to
    # (None for HTML as sent). Kept so that nothing reads the file or serialises `message` again.
    raw: bytes | None = field(default=None, repr=False)
    template: TemplateSource | None = None
    # Findings made while loading (syntax errors, render failures, the renderer's own).
    findings: tuple[Finding, ...] = ()
    # Lines of the HTML that are lines of the file after adding this (an .eml's HTML part);
    # None when the HTML was produced by rendering and lines must be searched for.
    line_offset: int | None = 0
    # The time offer expiry is judged at (None: now), for reproducible CI runs.
    now: datetime | None = None
    # Maps rendered elements back to template lines (templates only).
    line_map: "TemplateLineMap | None" = field(default=None, compare=False)
    # What the rooms above derive from the document once (its markup): shared by the copies
    # `dataclasses.replace` makes (check lints a copy with the inferred kind).
    _derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def derived(self, name: str, make: Callable[[], Any]) -> Any:
        """`make()` the first time `name` is asked for, then the same value."""
        if name not in self._derived:
            self._derived[name] = make()
        return self._derived[name]

    def at(self, line: int | None = None, column: int | None = None) -> Location:
        return Location(self.path, line, column)

    def locate(self, element: Element) -> Location:
        """The file line of an element of `document`: exact for files, searched for templates."""
        if self.line_offset is not None:
            line = element.sourceline
            return Location(self.path, line + self.line_offset if line else None)
        if self.line_map is not None:
            return Location(self.path, self.line_map.find(element))
        return Location(self.path)

    def header_line(self, name: str) -> int | None:
        """The file line where header `name` first starts (an .eml's header block), else None."""
        if self.raw is None or self.origin is not Origin.EML:
            return None
        wanted = name.lower().encode("ascii") + b":"
        for number, line in enumerate(self.raw.split(b"\n"), 1):
            if not line.strip(b"\r"):
                return None  # the end of the header block
            if line[: len(wanted)].lower() == wanted:
                return number
        return None

    @cached_property
    def _by_tag(self) -> dict[tuple[str, ...], list[Element]]:
        return {}

    def elements(self, *tags: str) -> list[Element]:
        """Elements with any of these (lower-case) tags, in document order; each list is found
        once (lxml's own walk, in C) and shared by every rule that asks."""
        found = self._by_tag.get(tags)
        if found is None:
            found = self._by_tag[tags] = list(self.document.iter(*tags)) if self.document is not None else []
        return found

    @property
    def visible_text(self) -> str:
        """All text a reader sees in the body: nothing hidden (`html.dom.is_hidden`), no alt text.
        Read once for the document and its copies (check lints a copy)."""
        return self.derived("visible_text", lambda: visible_text(self.document) if self.document is not None else "")

    def visible_word_count(self, enough: int | None = None) -> int:
        """`html.dom.visible_word_count` of the document: counted in the visible text when that
        is read already (check's signals read it before lint asks)."""
        if "visible_text" in self._derived:
            return len(self._derived["visible_text"].split())
        return visible_word_count(self.document, enough) if self.document is not None else 0

    def hidden_in_tree(self, element: Element) -> bool:
        """`dom.hidden_in_tree(element)`, each element judged once per document (and its copies):
        the links, images and headings that placement and lint ask about share most ancestors."""
        judged: dict[Element, bool] = self.derived("hidden_in_tree", dict)
        chain: list[Element] = []  # the element and its ancestors not judged yet, innermost first
        node: Element | None = element
        hidden = False
        while node is not None:
            known = judged.get(node)
            if known is not None:
                hidden = known
                break
            tag = node.tag
            if isinstance(tag, str) and (tag in INVISIBLE_TAGS or is_hidden(node)):
                hidden = True
                break
            chain.append(node)
            node = node.getparent()
        if hidden and node is not None:
            judged[node] = True
        for below in chain:  # none of them hides itself: each is hidden as the first judged above it
            judged[below] = hidden
        return hidden

    @cached_property
    def _texts(self) -> dict[Element, str]:
        return {}

    def text_of(self, element: Element) -> str:
        """`dom.text_of(element)`, read once per element: several rules read each link's text."""
        found = self._texts.get(element)
        if found is None:
            found = self._texts[element] = text_of(element)
        return found

    @cached_property
    def _attributed(self) -> tuple[list[Element], list[Element], list[Element]]:
        """`styled` and `named`, found in one walk, and every element, held for the input's
        lifetime: lxml builds a Python object for an element each time a walk meets one that
        is not alive, so holding them spares the later whole-tree walks (visible text) two
        allocations per element. The Gmail family, first to run, asks for these."""
        everything = list(self.document.iter(etree.Element)) if self.document is not None else []
        styled: list[Element] = []
        named: list[Element] = []
        for element in everything:
            attributes = element.attrib
            if not attributes:
                continue  # a third of email elements: one call instead of three
            if "style" in attributes:
                styled.append(element)
            if attributes.get("class") or attributes.get("id"):
                named.append(element)
        return styled, named, everything

    @property
    def styled(self) -> list[Element]:
        """Elements with a style attribute, in document order."""
        return self._attributed[0]

    @property
    def named(self) -> list[Element]:
        """Elements with a (non-empty) class or id attribute, in document order."""
        return self._attributed[1]

    @property
    def all_elements(self) -> list[Element]:
        """Every element (no comments), in document order."""
        return self._attributed[2]


_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTES = ("id", "href", "src", "alt", "class", "name", "title")
_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what `str.splitlines` splits at besides "\n"


class TemplateLineMap:
    """Finds the template line an element of the rendered HTML came from.

    Rendering (and CSS inlining) moves lines, so an element is looked up in the template's own
    source: the lines holding `<tag`, narrowed by the element's attribute values that appear
    literally there. One candidate left is the answer; none or several means no line (the
    finding then names only the file). Elements that come from a layout are not in the source.
    """

    def __init__(self, source: str) -> None:
        self._source = source
        self._by_tag: dict[str, list[int]] = {}

    @cached_property
    def _lines(self) -> list[str]:
        return self._source.splitlines()

    @cached_property
    def _text(self) -> str:
        """The source with one "\n" per line break, as `splitlines` counts them (most sources
        have no other break: they are used as they stand, without being split)."""
        if any(other in self._source for other in _OTHER_LINE_BREAKS):
            return "\n".join(self._lines)
        return self._source

    def _candidates(self, tag: str) -> list[int]:
        """Lines holding `<tag` (any case), found the first time a finding asks for that tag."""
        found = self._by_tag.get(tag)
        if found is None:
            found = self._by_tag[tag] = self._lines_opening(tag)
        return found

    def _lines_opening(self, tag: str) -> list[int]:
        if not _TAG_NAME.fullmatch(tag):
            return []
        numbers: list[int] = []
        line, position = 1, 0
        for match in re.finditer(rf"<{tag}(?![a-zA-Z0-9-])", self._text, re.IGNORECASE | re.ASCII):
            line += self._text.count("\n", position, match.start())
            position = match.start()
            if not numbers or numbers[-1] != line:
                numbers.append(line)
        return numbers

    def find(self, element: Element) -> int | None:
        candidates = self._candidates(str(element.tag).lower())
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        for attribute in _ATTRIBUTES:
            value = (element.get(attribute) or "").strip()
            if len(value) < 3:
                continue
            narrowed = [n for n in candidates if value in self._lines[n - 1]]
            if len(narrowed) == 1:
                return narrowed[0]
            if narrowed:
                candidates = narrowed
        return None
