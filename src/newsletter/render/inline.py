"""CSS inlining with premailer, configured for email.

- Never touches the network: remote stylesheets are left alone and reported.
- `@media` rules stay in a `<style>` block with `!important` on every declaration, and inlined
  declarations lose theirs, so the responsive rules still win on small screens.
- CSS parse problems become findings instead of cssutils log noise.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import cssutils.util
from lxml import html as lxml_html
from premailer import Premailer

from ..bounds import check_html_size
from ..findings import Finding, Location, finding
from .inline_bounds import check_inlinable

_IMPORTANT = re.compile(r"\s*!\s*important", re.IGNORECASE)
# A <style> element, to its end tag or the end of the document, as an HTML parser reads one: a
# start that always matches is never tried again from the next '<style' (quadratic otherwise).
STYLE_BLOCK = re.compile(r"(<style\b[^>]*(?:>|\Z))(.*?)(</style>|\Z)", re.IGNORECASE | re.DOTALL)
_IMPORT = re.compile(r"@import\s[^;]+;", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Inlined:
    html: str
    findings: tuple[Finding, ...]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def inline_css(html: str, *, path: str | None = None) -> Inlined:
    """Inline the `<style>` rules of `html` into `style` attributes, email-safe. Raises
    `NewsletterError` for HTML or CSS past the bounds of `checks/input-limits.toml`."""
    check_html_size(len(html.encode("utf-8", "surrogatepass")), path, "rendered HTML")
    check_inlinable(parse_document(html)[0], path)
    collected = _Collect()
    # cssutils logs to stderr through its own handler: route its messages to findings instead.
    cssutils_log = logging.getLogger("CSSUTILS")
    saved = cssutils_log.handlers, cssutils_log.propagate, cssutils_log.level
    cssutils_log.handlers, cssutils_log.propagate = [collected], False
    cssutils_log.setLevel(logging.ERROR)
    # cssutils fetches @import URLs itself; the renderer never touches the network.
    fetcher, cssutils.util._defaultFetcher = cssutils.util._defaultFetcher, _no_fetch
    try:
        out = Premailer(
            _protect_imports(html),
            allow_network=False,
            allow_loading_external_files=False,
            strip_important=False,
            keep_style_tags=False,
            remove_classes=False,
            exclude_pseudoclasses=True,
            disable_validation=True,
            disable_link_rewrites=True,
        ).transform()
    finally:
        cssutils.util._defaultFetcher = fetcher
        cssutils_log.handlers, cssutils_log.propagate = saved[0], saved[1]
        cssutils_log.setLevel(saved[2])
    findings = [
        finding("R001", _clean(message), Location(path))
        for message in dict.fromkeys(collected.messages)
    ]
    out, remote = _strip_inline_important(out)
    findings += [
        finding("R003", f"remote stylesheet {href} is not inlined", Location(path)) for href in remote
    ]
    return Inlined(out, tuple(findings))


def _protect_imports(document: str) -> str:
    """Move `@import` rules (web fonts) into a `<style data-premailer="ignore">` block, which
    premailer keeps as it is: it would drop them otherwise."""
    imports: list[str] = []

    def take(match: re.Match[str]) -> str:
        imports.extend(_IMPORT.findall(match.group(2)))
        return match.group(1) + _IMPORT.sub("", match.group(2)) + match.group(3)

    document = STYLE_BLOCK.sub(take, document)
    if not imports:
        return document
    block = '<style data-premailer="ignore">' + "\n".join(imports) + "</style>"
    head = _HEAD.search(document)
    if head is None:
        return block + document
    return document[: head.end()] + block + document[head.end() :]


def parse_document(document: str) -> tuple[Any, str]:
    """The lxml tree of a whole document, and its doctype line (lxml would drop it)."""
    doctype = re.match(r"\s*<!DOCTYPE[^>]*>\s*", document, re.IGNORECASE)
    return lxml_html.document_fromstring(document), doctype.group(0).strip() if doctype else ""


def write_document(tree: Any, doctype: str) -> str:
    """The document as the renderer writes it: lxml's HTML serialization after the doctype."""
    text = lxml_html.tostring(tree, encoding="unicode", method="html")
    return f"{doctype}\n{text}" if doctype else text


def _strip_inline_important(document: str) -> tuple[str, list[str]]:
    """Drop `!important` from style attributes (it would beat the @media rules) and list the
    remote stylesheets left in the document."""
    tree, doctype = parse_document(document)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        style = element.get("style")
        if style and "important" in style.lower():
            element.set("style", _IMPORTANT.sub("", style))
        if element.tag == "style" and "data-premailer" in element.attrib:
            del element.attrib["data-premailer"]
    remote = [
        link.get("href", "")
        for link in tree.iter("link")
        if "stylesheet" in (link.get("rel") or "").lower()
    ]
    return write_document(tree, doctype), remote


def _no_fetch(url: str) -> None:
    return None


def _clean(message: str) -> str:
    return " ".join(message.replace("CSSStyleDeclaration:", "").split())
