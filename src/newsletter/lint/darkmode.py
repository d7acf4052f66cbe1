"""DARK rules: what makes a message unreadable when a client darkens it.

Only what the HTML says for itself is judged (inline styles, bgcolor, <font color>, <style>
text, image files beside the template): the clients' own defaults are what changes in dark
mode. Client support and thresholds come from `checks/dark-mode.toml`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

from ..checkfiles import read_check
from ..findings import Finding, finding
from ..images import png_pixels
from ..limits import input_limits
from .accessibility import facts_of, parse_colour, relative_luminance
from .model import LintInput, Origin


@dataclass(frozen=True)
class Support:
    """caniemail's verdict on one feature, by client family."""

    slug: str
    title: str
    supported: tuple[str, ...]
    unsupported: tuple[str, ...]

    def summary(self) -> str:
        return (f"{self.title}: works in {', '.join(self.supported)}; ignored by {', '.join(self.unsupported)} "
                f"(caniemail: {self.slug})")


@dataclass(frozen=True)
class LogoThresholds:
    min_transparent_share: float
    min_dark_share: float
    dark_luminance: float


@dataclass(frozen=True)
class DarkModeKnowledge:
    support: dict[str, Support]
    logo: LogoThresholds


@cache
def knowledge() -> DarkModeKnowledge:
    raw: dict[str, Any] = tomllib.loads(
        read_check("dark-mode.toml"))
    support = {slug: Support(slug, entry["title"], tuple(entry["supported"]), tuple(entry["unsupported"]))
               for slug, entry in raw["support"].items()}
    return DarkModeKnowledge(support, LogoThresholds(**raw["logo"]))


def darkmode_rules(lint_input: LintInput) -> Iterator[Finding]:
    if lint_input.document is None:
        return
    yield from _text_without_background(lint_input)
    yield from _dark_logos(lint_input)
    yield from _scheme_without_meta(lint_input)


# --- DARK001 ----------------------------------------------------------------------------------

def _text_without_background(lint_input: LintInput) -> Iterator[Finding]:
    """Each element's state is (text colour set, background set) on it or an ancestor; elements
    come in document order, so a parent's state is known before its children's."""
    states: dict[Any, tuple[str | None, bool]] = {None: (None, False)}
    exposed = []
    for element in lint_input.all_elements:
        colour, covered = states[element.getparent()]
        style, bgcolor = element.get("style"), element.get("bgcolor")
        font_colour = element.get("color") if element.tag == "font" else None
        if style is not None or bgcolor is not None or font_colour is not None:
            own_colour, own_background, _, _ = facts_of(style, font_colour, bgcolor)
            colour = own_colour or colour
            # "" is a background image: the text was designed over it, the client keeps it.
            covered = covered or own_background == "" or (own_background is not None
                                                           and parse_colour(own_background) is not None)
        states[element] = (colour, covered)
        if colour and not covered and element.text and not element.text.isspace() \
                and element.tag not in ("style", "script", "title"):
            exposed.append((element, colour))
    if exposed:
        element, colour = exposed[0]
        others = f" and {len(exposed) - 1} more" if len(exposed) > 1 else ""
        yield finding("DARK001", f"<{element.tag}> sets the text colour {colour.strip()} with no background colour "
                                 f"on it or around it{others}", lint_input.locate(element))


# --- DARK002 ----------------------------------------------------------------------------------

def _dark_logos(lint_input: LintInput) -> Iterator[Finding]:
    if lint_input.origin is Origin.EML:
        return  # a message's images are remote or attached: no file beside it to read
    folder = Path(lint_input.path).parent
    seen: set[Path] = set()
    for image in lint_input.elements("img"):
        path = _local_file(folder, image.get("src") or "")
        if path is None or path in seen:
            continue
        seen.add(path)
        share = _dark_share(path)
        if share is not None:
            yield finding("DARK002", f"{image.get('src')} is a dark image ({share:.0%} of its visible pixels dark) "
                                     "on a transparent background", lint_input.locate(image))


def _local_file(folder: Path, src: str) -> Path | None:
    """The PNG file a relative `src` names beside the template; None for URLs (http:, data:,
    cid:, //host), absolute paths, template placeholders and files that are not there."""
    parts = urlsplit(src.strip())
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/") or "{" in parts.path:
        return None
    path = folder / unquote(parts.path)
    if path.suffix.lower() != ".png":
        return None
    try:
        if not path.is_file() or path.stat().st_size > input_limits("images")["max_file_bytes"]:
            return None
    except OSError:
        return None
    return path


def _dark_share(path: Path) -> float | None:
    """The share of visible pixels that are dark, when the PNG is a dark cut-out; else None."""
    try:
        pixels = png_pixels(path.read_bytes())
    except OSError:
        return None
    if pixels is None:
        return None
    limits = knowledge().logo
    total = transparent = dark = 0
    is_dark: dict[tuple[int, int, int], bool] = {}  # a logo has few colours: each judged once
    for r, g, b, a in pixels:
        total += 1
        if a < 128:
            transparent += 1
            continue
        colour = (r, g, b)
        found = is_dark.get(colour)
        if found is None:
            found = is_dark[colour] = relative_luminance(colour) < limits.dark_luminance
        dark += found
    opaque = total - transparent
    if not opaque or transparent / total < limits.min_transparent_share or dark / opaque < limits.min_dark_share:
        return None
    return dark / opaque



# --- DARK003 ----------------------------------------------------------------------------------

_PREFERS = re.compile(r"prefers-color-scheme", re.IGNORECASE)
_SCHEME_METAS = frozenset({"color-scheme", "supported-color-schemes"})


def _scheme_without_meta(lint_input: LintInput) -> Iterator[Finding]:
    styled = next((s for s in lint_input.elements("style") if _PREFERS.search(s.text or "")), None)
    if styled is None:
        return
    if any((meta.get("name") or "").strip().lower() in _SCHEME_METAS for meta in lint_input.elements("meta")):
        return
    meta = knowledge().support["html-meta-color-scheme"]
    yield finding("DARK003", f"@media (prefers-color-scheme) is used but the message does not declare its colour "
                             f"schemes; {meta.summary()}", lint_input.locate(styled))
