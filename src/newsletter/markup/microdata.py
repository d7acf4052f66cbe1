"""Microdata (`itemscope`/`itemtype`/`itemprop`) read with lxml, into the same graph as JSON-LD.

Follows the WHATWG microdata algorithm for what a property's value is (`content`, `href`,
`src`, `datetime`, `value`, else the text); `itemref` is not followed (Gmail's examples never
use it). lxml knows each element's line but not its column, so locations have lines only.
"""

from __future__ import annotations

from lxml import etree

from ..findings import Location
from .jsonld import split_type
from .model import Item, Literal, Property, Syntax, Value

_URL_ATTRIBUTE = {
    "a": "href", "area": "href", "link": "href",
    "img": "src", "audio": "src", "video": "src", "source": "src", "iframe": "src",
    "embed": "src", "track": "src", "object": "data",
}


def extract_microdata(root: etree._Element | None, path: str | None = None) -> tuple[Item, ...]:
    """Top-level items: elements with `itemscope` that are not themselves a property."""
    if root is None:
        return ()
    return tuple(_item(element, path) for element in _TOP_LEVEL(root))  # in document order


_TOP_LEVEL = etree.XPath("descendant-or-self::*[@itemscope and not(@itemprop)]")  # found in C, not element by element


def _item(element: etree._Element, path: str | None) -> Item:
    raw_type = (element.get("itemtype") or "").split()
    type_name, vocabulary = split_type(raw_type[0]) if raw_type else ("", "")
    names: list[str] = []
    collected: dict[str, list[Value]] = {}
    where: dict[str, Location] = {}
    last_line = element.sourceline
    for prop_element in _property_elements(element):
        last_line = max(last_line or 0, prop_element.sourceline or 0)
        value = (
            _item(prop_element, path)
            if prop_element.get("itemscope") is not None
            else Literal(_literal(prop_element), Location(path, prop_element.sourceline))
        )
        for name in prop_element.get("itemprop", "").split():
            if name not in collected:
                names.append(name)
                collected[name] = []
                where[name] = Location(path, prop_element.sourceline)
            collected[name].append(value)
    return Item(
        type_name,
        tuple(Property(n, tuple(collected[n]), where[n]) for n in names),
        Syntax.MICRODATA,
        Location(path, element.sourceline),
        last_line,
        vocabulary,
    )


def _property_elements(scope: etree._Element):
    """Descendants with `itemprop` that belong to `scope`, not to an item nested in it."""
    stack = list(reversed([c for c in scope if isinstance(c.tag, str)]))
    while stack:
        element = stack.pop()
        if element.get("itemprop") is not None:
            yield element
        if element.get("itemscope") is None:
            stack.extend(reversed([c for c in element if isinstance(c.tag, str)]))


def _literal(element: etree._Element) -> str:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag == "meta" or (element.get("content") is not None and tag not in _URL_ATTRIBUTE):
        return (element.get("content") or "").strip()
    if tag in _URL_ATTRIBUTE:
        return (element.get(_URL_ATTRIBUTE[tag]) or "").strip()
    if tag == "time" and element.get("datetime") is not None:
        return element.get("datetime", "").strip()
    if tag in ("data", "meter") and element.get("value") is not None:
        return element.get("value", "").strip()
    return " ".join("".join(element.itertext()).split())
