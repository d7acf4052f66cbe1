"""The message as dark-mode clients show it, for the preview page and the screenshots.

Two kinds of client (checks/dark-mode.toml, with sources):

- those that apply the message's own `@media (prefers-color-scheme: dark)` styles (Apple Mail,
  Outlook.com, Outlook for macOS and iOS): `force_scheme` makes that query true (or false) in any
  browser, so the live page can show both side by side; the screenshots use Chromium's own
  emulation instead (`Emulation.setEmulatedMedia`);
- those that recolour the message themselves and ignore that query (Gmail's iOS app and Outlook
  on Windows invert every colour): `invert_colours` simulates them.

Why a transform of the declared colours and not a CSS `filter: invert(1)` on the page: a filter
inverts the photos and logos too, which no client does, and inverts sRGB channels (pure blue
turns yellow); the clients keep the hue and flip lightness, which is what CIELAB L* inversion
does. Deterministic and testable in Python, and the same HTML can be served and screenshotted.
"""

from __future__ import annotations

import re
from typing import Callable

import lxml.html
from lxml import etree

from ..lint.accessibility import RGB, parse_colour

SCHEMES = ("light", "dark", "inverted")

_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*(light|dark)\s*\)", re.IGNORECASE)
_ALWAYS, _NEVER = "(min-width: 0px)", "(max-width: 0px)"


def force_scheme(html: str, scheme: str) -> str:
    """`html` with every `(prefers-color-scheme: …)` media condition made true when it names
    `scheme` ("light" or "dark") and false otherwise, whatever the browser's own preference."""
    return _QUERY.sub(lambda m: _ALWAYS if m.group(1).lower() == scheme else _NEVER, html)


def for_scheme(html: str, scheme: str) -> str:
    """The HTML to show for one of SCHEMES."""
    if scheme == "inverted":
        return invert_colours(html)
    return force_scheme(html, scheme)


# --- full inversion ----------------------------------------------------------------------------

_DECLARATION = re.compile(r"(?P<name>[-a-zA-Z]+)(?P<colon>\s*:\s*)(?P<value>[^;{}\"]+)")
_COLOUR_TOKEN = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|\b[a-zA-Z]+\b")
# The page's defaults, declared so they are inverted like the rest (the clients darken them too).
_DEFAULTS = "background-color: #ffffff; color: #000000"


def invert_colours(html: str) -> str:
    """`html` as a full-inversion client shows it: the lightness of every colour it declares
    (inline styles, <style> blocks, bgcolor, <font color>) inverted in CIELAB, hue kept;
    its `prefers-color-scheme` styles ignored (those clients ignore them); images untouched."""
    try:
        document = lxml.html.document_fromstring(force_scheme(html, "light"))
    except (etree.ParserError, ValueError):
        return html
    body = document.find("body")
    if body is not None:
        body.set("style", f"{_DEFAULTS}; {body.get('style') or ''}")
    for element in document.iter(etree.Element):
        style = element.get("style")
        if style:
            element.set("style", invert_css(style))
        for attribute in ("bgcolor", "color") if element.tag in ("font", "body", "table", "tr", "td", "th") else ("bgcolor",):
            value = element.get(attribute)
            if value:
                element.set(attribute, _invert_value(value))
        if element.tag == "style" and element.text:
            element.text = invert_css(element.text)
    return lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")


def invert_css(css: str) -> str:
    """Every colour of the colour-bearing declarations in `css` inverted (see `invert_colours`)."""
    def declaration(match: re.Match[str]) -> str:
        name = match["name"].lower()
        if "color" not in name and not name.startswith(("background", "border", "outline")):
            return match.group(0)
        return match["name"] + match["colon"] + _invert_value(match["value"])
    return _DECLARATION.sub(declaration, css)


_URL = re.compile(r"(url\([^)]*\))", re.IGNORECASE)


def _invert_value(value: str) -> str:
    """The colours of a CSS value inverted; `url(...)` parts (image file names) left alone."""
    parts = _URL.split(value)
    swap = _swap(invert_lightness)
    return "".join(part if index % 2 else _COLOUR_TOKEN.sub(swap, part) for index, part in enumerate(parts))


def _swap(change: Callable[[RGB], RGB]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("#") and len(token) in (5, 9):  # #rgba, #rrggbbaa: keep the alpha digits
            colour, alpha = parse_colour(token[:-1] if len(token) == 5 else token[:-2]), token[-1 if len(token) == 5 else -2:]
        else:
            colour, alpha = parse_colour(token), ""
        if colour is None:
            return token
        r, g, b = change(colour)
        return f"#{r:02x}{g:02x}{b:02x}{alpha}"
    return replace


def invert_lightness(colour: RGB) -> RGB:
    """The colour with its CIELAB lightness mirrored (L* -> 100 - L*), a* and b* kept (D65)."""
    lightness, a, b = _to_lab(colour)
    return _from_lab(100.0 - lightness, a, b)


_WHITE = (0.95047, 1.0, 1.08883)  # D65 reference white


def _to_lab(colour: RGB) -> tuple[float, float, float]:
    r, g, b = (_linear(c / 255) for c in colour)
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    fx, fy, fz = (_f(v / w) for v, w in zip(xyz, _WHITE))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _from_lab(lightness: float, a: float, b: float) -> RGB:
    fy = (lightness + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    x, y, z = (_f_inverse(f) * w for f, w in zip((fx, fy, fz), _WHITE))
    linear = (3.2406 * x - 1.5372 * y - 0.4986 * z, -0.9689 * x + 1.8758 * y + 0.0415 * z,
              0.0557 * x - 0.2040 * y + 1.0570 * z)
    return tuple(max(0, min(255, round(_gamma(c) * 255))) for c in linear)  # type: ignore[return-value]


def _linear(s: float) -> float:
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = max(0.0, c)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _f(t: float) -> float:
    return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29


def _f_inverse(f: float) -> float:
    return f ** 3 if f > 6 / 29 else 3 * (6 / 29) ** 2 * (f - 4 / 29)
