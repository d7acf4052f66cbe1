"""One HTML document in, its markup out: JSON-LD and microdata items plus what extraction noticed."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..document import Document
from .jsonld import extract_json_ld
from .microdata import extract_microdata
from .model import Markup

_PARSER = lxml.html.HTMLParser(encoding="utf-8")
_DIMENSION = re.compile(r"^\s*(\d{1,9})\s*(px)?\s*$", re.IGNORECASE)  # bounded: int() refuses 4,300 digits


def extract(html: str, path: str | None = None, tree: etree._Element | None = None) -> Markup:
    """The schema.org items in `html` (JSON-LD first, then microdata, each in document order).
    `tree`: the tree of `html` as `parse_html` makes it, when the caller holds it already."""
    json_items, findings = extract_json_ld(html, path)
    root = tree if tree is not None else parse_html(html)
    return Markup(
        items=json_items + extract_microdata(root, path),
        findings=findings,
        image_sizes=_image_sizes(root),
        path=path,
    )


def parse_html(html: str) -> etree._Element | None:
    """lxml's forgiving HTML tree, or None for a document with nothing in it."""
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _image_sizes(root: etree._Element | None) -> tuple[tuple[str, tuple[int, int]], ...]:
    """`<img src width height>` sizes, so carousel ratios can be checked without fetching."""
    if root is None:
        return ()
    sizes: dict[str, tuple[int, int]] = {}
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        width, height = _DIMENSION.match(img.get("width") or ""), _DIMENSION.match(img.get("height") or "")
        if src and width and height and int(width.group(1)) > 0 and int(height.group(1)) > 0:
            sizes.setdefault(src, (int(width.group(1)), int(height.group(1))))
    return tuple(sizes.items())


def markup_of(document: Document) -> Markup:
    """The markup of a document, extracted once however many checks ask (lint, placement),
    from the tree the document already holds (the same parser over the same bytes)."""
    return document.derived("markup", lambda: extract(document.html or "", document.path, _tree_of(document)))


def _tree_of(document: Document) -> etree._Element | None:
    """The document's own tree (None: `extract` parses the HTML), unless `parse_html` would read
    other bytes: HTML holding a lone surrogate, which the document's tree keeps and `parse_html`
    refuses."""
    try:
        (document.html or "").encode("utf-8")
    except UnicodeEncodeError:
        return None
    return document.document
