"""A rules: design for all readers (screen readers, low vision, phones in daylight)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

from ..findings import Finding, finding
from . import data
from .data import normalise
from ..html.dom import declarations
from .model import LintInput

_LAYOUT_ROLES = frozenset({"presentation", "none"})


def accessibility_rules(lint_input: LintInput) -> Iterator[Finding]:
    if lint_input.document is None:
        return
    yield from _lang(lint_input)
    yield from _layout_tables(lint_input)
    yield from _vague_links(lint_input)
    yield from _heading_order(lint_input)
    yield from _contrast(lint_input)


def _lang(lint_input: LintInput) -> Iterator[Finding]:
    root = lint_input.document
    if root.tag == "html" and not (root.get("lang") or root.get("xml:lang") or "").strip():
        yield finding("A001", "<html> has no lang attribute", lint_input.locate(root))


def _layout_tables(lint_input: LintInput) -> Iterator[Finding]:
    for table in lint_input.elements("table"):
        if (table.get("role") or "").strip().lower() in _LAYOUT_ROLES:
            continue
        if table.find(".//th") is not None or table.find("caption") is not None:
            continue  # a data table: its headers are what a screen reader should announce
        yield finding("A002", "layout table without role=\"presentation\"", lint_input.locate(table))


def _vague_links(lint_input: LintInput) -> Iterator[Finding]:
    vague = data.phrases().vague_links
    for link in lint_input.elements("a"):
        if link.get("href") is None or link.get("aria-label"):
            continue
        text = lint_input.text_of(link)
        label = normalise(text).strip(" .,:;!?»«›>→-–—()[]\"'")
        if label in vague:
            yield finding("A003", f"link text « {text} » does not say where it leads", lint_input.locate(link))


def _heading_order(lint_input: LintInput) -> Iterator[Finding]:
    previous = 0
    for heading in lint_input.elements("h1", "h2", "h3", "h4", "h5", "h6"):
        level = int(heading.tag[1])
        if previous and level > previous + 1:
            yield finding("A004", f"<h{level}> after <h{previous}> skips a level", lint_input.locate(heading))
        previous = level


# --- contrast ---------------------------------------------------------------------------------

_NAMED = {  # CSS named colours most used in email
    "black": (0, 0, 0), "white": (255, 255, 255), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "yellow": (255, 255, 0), "gray": (128, 128, 128), "grey": (128, 128, 128),
    "silver": (192, 192, 192), "maroon": (128, 0, 0), "navy": (0, 0, 128), "purple": (128, 0, 128),
    "teal": (0, 128, 128), "olive": (128, 128, 0), "lime": (0, 255, 0), "aqua": (0, 255, 255),
    "fuchsia": (255, 0, 255), "orange": (255, 165, 0), "lightgray": (211, 211, 211),
    "lightgrey": (211, 211, 211), "darkgray": (169, 169, 169), "darkgrey": (169, 169, 169),
    "whitesmoke": (245, 245, 245), "gainsboro": (220, 220, 220),
}
_HEX = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})\b", re.IGNORECASE)
# Numbers as CSS writes them ('1.2.3px' is none); a channel has at most three digits (the
# attributes of <font color> and bgcolor are not CSS, and may hold thousands).
_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_RGB = re.compile(rf"rgba?\(\s*(\d{{1,3}})\s*,\s*(\d{{1,3}})\s*,\s*(\d{{1,3}})\s*(?:,\s*({_NUMBER})\s*)?\)", re.IGNORECASE)
_PX = re.compile(rf"(?<![\d.])({_NUMBER})px", re.IGNORECASE)

RGB = tuple[int, int, int]


def parse_colour(value: str) -> RGB | None:
    """A solid colour from a CSS value; None for transparent, gradients, or anything unknown."""
    value = value.strip().lower().removesuffix("!important").strip()
    if match := _HEX.fullmatch(value):
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    if match := _RGB.fullmatch(value):
        if match.group(4) is not None and float(match.group(4)) < 1:
            return None  # translucent: the result depends on what is behind
        return int(match.group(1)), int(match.group(2)), int(match.group(3))
    return _NAMED.get(value)


def relative_luminance(rgb: RGB) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour, from 0 (black) to 1 (white)."""
    channels = []
    for c in rgb:
        s = c / 255
        channels.append(s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2.1 contrast ratio of two colours, from 1 to 21."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


Facts = tuple[str | None, str | None, str | None, str | None]  # colour, background, size, weight
_NO_FACTS: Facts = (None, None, None, None)


@lru_cache(maxsize=4096)
def facts_of(style: str | None, font_colour: str | None, bgcolor: str | None) -> Facts:
    """What an element's own attributes say of its text colour, background ('' for an image),
    font size and weight; None for each they do not set. Cached: attribute values repeat
    within a message and across the messages of a run."""
    props = dict(declarations(style)) if style else {}
    if "color" not in props and font_colour:
        props["color"] = font_colour
    if "background-color" not in props:
        background = props.get("background") or bgcolor
        if background:
            props["background-color"] = background
    background = "" if "background-image" in props else props.get("background-color")
    facts = (props.get("color"), background, props.get("font-size"), props.get("font-weight"))
    return _NO_FACTS if facts == _NO_FACTS else facts


# What is known of the text at an element: colour, background, size, weight, the nesting level
# (counted in elements that set any of them) each was set at, and the element's own level.
_State = tuple[Any, ...]
_UNKNOWN: _State = (None, None, None, None, -1, -1, -1, -1, 0)


def _contrast(lint_input: LintInput) -> Iterator[Finding]:
    """A5: each text against the nearest colour, background, size and weight set on it or an
    ancestor. Elements come in document order, so each one's parent is already known: its
    state is its parent's with its own attributes applied (the weight counts only if set no
    farther up than the others)."""
    limits = data.limits()
    reported: set[tuple[RGB, RGB, bool]] = set()
    states: dict[Any, _State] = {None: _UNKNOWN}
    for element in lint_input.all_elements:
        state = states[element.getparent()]
        tag = element.tag
        style, bgcolor = element.get("style"), element.get("bgcolor")
        font_colour = element.get("color") if tag == "font" else None
        if style is not None or bgcolor is not None or font_colour is not None:
            own = facts_of(style, font_colour, bgcolor)
            if own is not _NO_FACTS:
                colour, background, size, weight, colour_at, background_at, size_at, weight_at, level = state
                level += 1
                if own[0] is not None:
                    colour, colour_at = own[0], level
                if own[1] is not None:
                    background, background_at = own[1], level
                if own[2] is not None:
                    size, size_at = own[2], level
                if own[3] is not None:
                    weight, weight_at = own[3], level
                state = (colour, background, size, weight, colour_at, background_at, size_at, weight_at, level)
        states[element] = state
        if not state[0] or not state[1]:
            continue  # only judge what is known inline; the client's defaults are unknown
        text = element.text
        if not text or text.isspace() or tag in ("style", "script", "title"):
            continue
        colour, background, size, weight, colour_at, background_at, size_at, weight_at, _ = state
        bold = None if size is not None and weight_at < min(colour_at, background_at, size_at) else weight
        judged = judge(colour, background, size, bold)
        if judged is None:
            continue
        fg, bg, large, ratio = judged
        needed = limits.contrast_large if large else limits.contrast_normal
        if ratio < needed and (fg, bg, large) not in reported:
            reported.add((fg, bg, large))
            yield finding("A005", f"text {colour} on {background} has contrast {ratio:.2f}:1, below {needed}:1",
                          lint_input.locate(element))


@lru_cache(maxsize=4096)
def judge(colour: str, background: str, size: str | None, bold: str | None) -> tuple[RGB, RGB, bool, float] | None:
    """(text colour, background, large text?, contrast ratio); None when a colour is not solid
    or not understood. Cached: the same colours repeat on every line of a table."""
    fg, bg = parse_colour(colour), parse_colour(background)
    return None if fg is None or bg is None else (fg, bg, _is_large(size, bold, data.limits()), contrast_ratio(fg, bg))


def _is_large(size: str | None, weight: str | None, limits: data.Limits) -> bool:
    match = _PX.search(size or "")
    if not match:
        return False
    px = float(match.group(1))
    bold = (weight or "").strip().lower() in ("bold", "bolder", "700", "800", "900")
    return px >= limits.large_text_px or (bold and px >= limits.large_bold_text_px)
