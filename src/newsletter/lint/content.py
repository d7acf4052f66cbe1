"""C rules: images, links, unsubscribe, subject and wording: what readers and filters judge."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Iterator
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml.etree import _Element as Element

from ..document.as_written import addresses_in, header_text
from ..findings import Finding, Location, finding
from ..kinds import Kind
from . import data
from .data import normalise
from ..html.dom import all_text, snippet, style_of, visible_text, visible_word_count
from .model import LintInput, Origin

_DOMAIN_TEXT = re.compile(r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?:[/:?#]\S*)?", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_SEPARATOR = "\0"  # not a word character, not a space: a phrase can neither span it nor touch it


def content_rules(lint_input: LintInput) -> Iterator[Finding]:
    if lint_input.document is not None:
        yield from _images(lint_input)
        yield from _links(lint_input)
        yield from _unsubscribe(lint_input)
        yield from _spam_phrases(lint_input)
    yield from _plain_text(lint_input)
    yield from _subject(lint_input)


def _images(lint_input: LintInput) -> Iterator[Finding]:
    images = lint_input.elements("img")
    for image in images:
        if image.get("alt") is None:
            yield finding("C001", f"{snippet(image)} has no alt attribute", lint_input.locate(image))
        style = style_of(image) if image.get("style") else {}
        if not (image.get("width") or "width" in style) or not (image.get("height") or "height" in style):
            missing = [d for d in ("width", "height") if not (image.get(d) or d in style)]
            yield finding("C002", f"{snippet(image)} has no {' or '.join(missing)}", lint_input.locate(image))
    limits = data.limits()
    visible = [i for i in images if not lint_input.hidden_in_tree(i)]
    if len(visible) >= limits.min_images:
        needed = limits.min_words_per_image * len(visible)
        words = lint_input.visible_word_count(enough=needed)
        if words < needed:
            yield finding("C003", f"{len(visible)} image{'s' if len(visible) > 1 else ''} for {words} words of "
                          f"text (fewer than {limits.min_words_per_image} words per image)", lint_input.at())


def _links(lint_input: LintInput) -> Iterator[Finding]:
    shorteners = data.shorteners()
    sender_site = _sender_site(lint_input)
    for link in lint_input.elements("a"):
        href = link.get("href")
        if href is None:
            continue  # an anchor, not a link
        href = href.strip()
        lowered = href.lower()
        if lowered.startswith("javascript:"):
            yield finding("C008", f"link to {href[:60]}", lint_input.locate(link))
            continue
        if lowered in ("", "#"):
            yield finding("C009", f"{snippet(link)} '{lint_input.text_of(link)[:40]}' goes nowhere",
                          lint_input.locate(link))
            continue
        if lowered.startswith("http://"):
            yield finding("C005", f"insecure link {href[:80]}", lint_input.locate(link))
        if _PLACEHOLDER.search(href):
            continue  # the host is only known once rendered
        host = _host(href)
        if host and under_any(host, shorteners):
            yield finding("C006", f"link through the URL shortener {host}", lint_input.locate(link))
        # An image's alt text ("fb.png") is no address; a text without a dot (most) is none either.
        shown = _shown_domain(visible_text(link)) if host and "." in all_text(link) else None
        if host and shown and not _same_site(host, shown) and not _click_tracking(href, host, shown, sender_site):
            yield finding("C007", f"link text shows {shown} but the link goes to {host}", lint_input.locate(link))


def _host(href: str) -> str | None:
    if not href.lower().startswith(("http://", "https://", "//")):
        return None
    try:
        return (urlsplit(href).hostname or "").lower().rstrip(".") or None
    except ValueError:
        return None


def under_any(host: str, domains: frozenset[str]) -> bool:
    """`any(host == d or host.endswith("." + d) for d in domains)`: the host and each name after
    one of its dots looked up in the set (a few look-ups a link instead of a loop over the list)."""
    if host in domains:
        return True
    dot = host.find(".")
    while dot >= 0:
        if host[dot + 1:] in domains:
            return True
        dot = host.find(".", dot + 1)
    return False


def _shown_domain(text: str) -> str | None:
    """The domain a link text displays, when the whole text reads as an address."""
    match = _DOMAIN_TEXT.fullmatch(text.strip().rstrip(".,;"))
    if not match or "@" in text:
        return None
    domain = match.group(1).lower()
    # "v1.2" is not a domain, nor is a file name ("fb.png", "index.html"): a letters-only
    # top-level label that is not a file extension.
    ending = domain.rsplit(".", 1)[-1]
    return domain if ending.isalpha() and ending not in data.click_tracking().file_extensions else None


def site_of(host: str) -> str:
    """The registrable domain of a host name, without the public suffix list (no network, no
    extra dependency): the last two labels, or three under a country's second level
    (shop.co.uk, shop.com.au). An approximation, good for telling sites apart."""
    labels = host.lower().rstrip(".").split(".")
    three = len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVELS
    return ".".join(labels[-3:] if three else labels[-2:])


_SECOND_LEVELS = frozenset({"co", "com", "net", "org", "gov", "gouv", "ac", "edu", "ne", "or", "asso"})


def _same_site(host: str, shown: str) -> bool:
    """True when both name the same registrable domain (www.shop.fr, links.shop.fr and shop.fr)."""
    return site_of(host) == site_of(shown)


def _sender_site(lint_input: LintInput) -> str | None:
    message = lint_input.message
    try:
        addresses = [a for _, a in addresses_in([header_text(message, "From") or ""]) if "@" in a] if message else []
    except (ValueError, IndexError, TypeError):
        return None
    return site_of(addresses[0].rsplit("@", 1)[1]) if addresses else None


def _click_tracking(href: str, host: str, shown: str, sender_site: str | None) -> bool:
    """A redirect an email service provider or the sender puts in front of every link (see
    checks/click-tracking.toml), or one that names its target in the href."""
    site = site_of(host)
    if any(fnmatchcase(site, pattern) for pattern in data.click_tracking().services):
        return True
    if sender_site and site == sender_site and host != sender_site:
        return True  # the sender's own tracking subdomain (links.shop.example for mail from shop.example)
    target = re.compile(rf"https?://(?:[a-z0-9-]+\.)*{re.escape(site_of(shown))}(?![a-z0-9.-])")
    return target.search(unquote(unquote(href)).lower()) is not None


def _unsubscribe(lint_input: LintInput) -> Iterator[Finding]:
    if lint_input.kind is not Kind.PROMOTIONAL:
        return
    if any(unsubscribe_link(lint_input, link) for link in lint_input.elements("a")):
        return
    yield finding("C010", "promotional message without a visible unsubscribe link "
                  "(no link worded 'unsubscribe' or « se désinscrire »)", lint_input.at())


_CONTEXT_TAGS = frozenset({"p", "td", "th", "li", "div", "center", "font", "blockquote"})


def unsubscribe_link(lint_input: LintInput, link: Element) -> bool:
    """A visible link a reader would use to unsubscribe: worded so (text, title, href), or in a
    short paragraph or cell worded so ("To be removed from this list, click here"). Judged
    once per link of a document: C010 and the placement signals both ask."""
    judged = lint_input.derived("unsubscribe_links", dict)
    found = judged.get(link)
    if found is None:
        found = judged[link] = _unsubscribe_link(lint_input, link)
    return found


def _unsubscribe_link(lint_input: LintInput, link: Element) -> bool:
    wording = data.phrases()
    href = (link.get("href") or "").lower()
    label = " ".join(filter(None, (lint_input.text_of(link), link.get("title"))))
    if not (wording.unsubscribe.contains(label)
            or any(word in href for word in wording.unsubscribe_href)
            or "unsubscribe_url" in href):  # a template placeholder for the configured URL
        if not any(wording.unsubscribe.contains(text) for text in _sentences_around(lint_input, link)):
            return False
    return not lint_input.hidden_in_tree(link)


def _sentences_around(lint_input: LintInput, link: Element) -> Iterator[str]:
    """The text right around a link (before it, after it), then its paragraph or cell, each
    when short enough to be about this link."""
    previous = link.getprevious()
    before = (previous.tail if previous is not None else link.getparent().text) or ""
    block = next((a for a in link.iterancestors() if a.tag in _CONTEXT_TAGS), None)
    limit = data.limits().unsubscribe_context_words
    for text in (before, link.tail or ""):
        if text.strip() and len(text.split()) <= limit:
            yield text
    text = _short_block_text(lint_input, block, limit) if block is not None else ""
    if text.strip():
        yield text


def _short_block_text(lint_input: LintInput, block: Element, limit: int) -> str:
    """The visible text of a paragraph or cell of at most `limit` words ("" for a longer one:
    not read), once per block of a document: the links of a footer or a menu share theirs."""
    texts = lint_input.derived("short_block_texts", dict)
    found = texts.get(block)
    if found is None:
        found = texts[block] = visible_text(block) if visible_word_count(block, enough=limit + 1) <= limit else ""
    return found


def _spam_phrases(lint_input: LintInput) -> Iterator[Finding]:
    spam = data.phrases().spam
    seen: set[str] = set()
    # Every text and tail of the body, joined by a character no phrase can span, searched at
    # once; a match is reported at the element whose text or tail holds it. Most messages have
    # none: all the text of the body as one string (lxml's, in C), searched for the phrases
    # even inside words, tells before any element is read (a phrase within one text is there).
    body = lint_input.document.find("body")
    start = body if body is not None else lint_input.document
    found = spam.may_hold(normalise(f"{all_text(start)}{_SEPARATOR}{start.tail or ''}"))
    owners: list[Element] = []
    texts: list[str] = []
    for element in start.iter(etree.Element) if found else ():
        for text in (element.text, element.tail):
            if text and not text.isspace():
                owners.append(element)  # a tail belongs to the parent's content, but its line is the element's
                texts.append(text)
    folded = normalise(_SEPARATOR.join(texts))
    for match in spam.matches(folded):
        phrase = normalise(match.group(0))
        if phrase not in seen:
            seen.add(phrase)
            owner = owners[folded.count(_SEPARATOR, 0, match.start())]
            yield finding("C013", f"spam-trigger phrase « {phrase} »", lint_input.locate(owner))
    subject = _PLACEHOLDER.sub(" ", lint_input.subject or "")
    for phrase in spam.find(subject):
        if phrase not in seen:
            seen.add(phrase)
            yield finding("C013", f"spam-trigger phrase « {phrase} » in the subject", _subject_line(lint_input))


def _plain_text(lint_input: LintInput) -> Iterator[Finding]:
    message = lint_input.message
    if lint_input.origin is not Origin.EML or message is None:
        return
    types = {part.get_content_type() for part in message.walk()}
    if "text/html" in types and "text/plain" not in types:
        yield finding("C004", "the message has an HTML part but no text/plain alternative", lint_input.at())


def _subject_line(lint_input: LintInput) -> Location:
    """Where the subject is: its header's line in an .eml, else the file."""
    return lint_input.at(lint_input.header_line("Subject"))


def _subject(lint_input: LintInput) -> Iterator[Finding]:
    subject = _PLACEHOLDER.sub(" ", lint_input.subject or "")
    if not subject.strip():
        return
    limits = data.limits()
    letters = [c for c in subject if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    if len(letters) >= limits.capitals_min_letters and upper / len(letters) > limits.capitals_ratio:
        yield finding("C011", f"subject in capitals: {subject.strip()!r}", _subject_line(lint_input))
    if "!" * limits.exclamations_in_a_row in subject.replace(" ", ""):
        yield finding("C012", f"subject with repeated '!': {subject.strip()!r}", _subject_line(lint_input))
