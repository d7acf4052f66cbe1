"""What `--network` fetches from one message: its links, its images with their declared size,
and the one-click unsubscribe URL. Pure: reads the parsed input, opens nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.etree import _Element as Element

from ..document.load import LINT_UNSUBSCRIBE
from ..lint.model import LintInput

_HTTPS_URI = re.compile(r"<\s*(https://[^>\s]+)\s*>", re.IGNORECASE)
_PIXELS = re.compile(r"\s*(\d{1,5})(?:px)?\s*", re.IGNORECASE)
# What lint renders a template with when the configuration names no unsubscribe URL: a stand-in,
# not the shop's page, so neither fetched nor POSTed to.
_STAND_INS = frozenset({LINT_UNSUBSCRIBE})


@dataclass(frozen=True)
class Link:
    url: str
    element: Element  # the first <a> with this URL, for the finding's line


@dataclass(frozen=True)
class Image:
    url: str
    element: Element  # the first <img> with this URL
    width: int | None  # declared in the width attribute, CSS pixels
    height: int | None


@dataclass(frozen=True)
class Targets:
    links: tuple[Link, ...]
    images: tuple[Image, ...]
    unsubscribe: str | None  # List-Unsubscribe's https URL, when List-Unsubscribe-Post asks for one-click


def targets_of(item: LintInput) -> Targets:
    links: dict[str, Link] = {}
    for anchor in item.elements("a"):
        url = _web_url(anchor.get("href"))
        if url and url not in links:
            links[url] = Link(url, anchor)
    images: dict[str, Image] = {}
    for image in item.elements("img"):
        url = _web_url(image.get("src"))
        if url and url not in images:
            images[url] = Image(url, image, _pixels(image.get("width")), _pixels(image.get("height")))
    return Targets(tuple(links.values()), tuple(images.values()), _one_click(item))


def _web_url(value: str | None) -> str | None:
    """An http(s) URL with a host, as written (surrounding space removed); None for the rest
    (mailto:, tel:, #anchors, cid:, data:, relative paths)."""
    if not value:
        return None
    url = value.strip()
    parts = urlsplit(url)
    web = parts.scheme.lower() in ("http", "https") and parts.hostname and url not in _STAND_INS
    return url if web else None


def _pixels(value: str | None) -> int | None:
    match = _PIXELS.fullmatch(value or "")
    return int(match.group(1)) or None if match else None


def _one_click(item: LintInput) -> str | None:
    message = item.message
    if message is None:
        return None
    post = str(message.get("List-Unsubscribe-Post", "") or "")
    if "list-unsubscribe=one-click" not in post.replace(" ", "").lower():
        return None
    match = _HTTPS_URI.search(str(message.get("List-Unsubscribe", "") or ""))
    return match.group(1) if match and match.group(1) not in _STAND_INS else None
