"""What the placement model looks at, measured on one message: wording, structure, sender,
headers, markup. Pure: a parsed input in, a `Signals` value out (no files, no network).

Every signal is general (French and English vocabularies, HTML structure, headers); nothing is
keyed to a vendor, a file name or a particular template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from ..document import Document, Origin
from ..document.as_written import addresses_in, plain_message_id, unreadable_date, written_text
from ..lint.content import under_any, unsubscribe_link
from ..lint.data import limits as lint_limits, phrases as lint_phrases
from ..html.dom import all_text, is_hidden, style_of, text_of
from ..markup import Markup
from .knowledge import Knowledge, fold, knowledge, words_of
from .quotes import FoldedText

_DISCOUNT = re.compile(
    r"(?<![\w-])-\s?\d{1,2}(?:[.,]\d+)?\s?%"  # « -50 % »
    r"|\d{1,2}(?:[.,]\d+)?\s?%\s?(?:off|de (?:reduction|remise)|offerts?|discount|sur (?:tout|une|le|la|les))"
    r"|(?:up to|jusqu'a|save|economisez|extra|get)\s-?\d{1,2}\s?%"
    r"|buy one,? get one|1 achete\s?=\s?1 offert|2 for 1|2 pour 1"
)
# « 19,99 € », "$5", "12 EUR". A price opens with a currency mark or a digit, so the pattern opens
# with that character, to which the regex engine skips, and tells the two kinds apart after it
# (`(?<![\w.,]\d)` after a first digit is `(?<![\w.,])` before it): the same matches as
# `[$€£]\s?\d+(?:[.,]\d{1,2})?(?!\d)|(?<![\w.,])\d+(?:[.,]\d{1,2})?\s?(?:€|…)`, whose look-behind
# was tried at every character.
_PRICE = re.compile(
    r"[$€£\d](?:(?<=[$€£])\s?\d+(?:[.,]\d{1,2})?(?!\d)"
    r"|(?<=\d)(?<![\w.,]\d)\d*(?:[.,]\d{1,2})?\s?(?:€|£|\$|eur\b|euros?\b|usd\b|gbp\b))"
)
_NUMBER_WORDS = r"(?:\s+(?:number|numero|no\.?|n°|nº|id))?"
_LOCAL_SPLIT = re.compile(r"[._+\-]")
# What `[a-z]` matches case-insensitively (long s, dotted and dotless i, Kelvin sign), as one
# plain class: checked without folding each character's case (tested over all of Unicode).
_LETTER = "[a-zA-Z\u0130\u0131\u017f\u212a]"
# A digit or symbol standing for a letter inside a word: "v1agra", "m0ney", "ca$h". Possessive: a
# run of letters given back never lets the digit or the end after it match (they are not letters).
_LEET = re.compile(rf"(?<![\w$@.]){_LETTER}++[0134$]{_LETTER}{{2,}}+(?![\w$@])")
# What every match of the patterns above holds. They open with a look-behind, so the regex
# engine tries them at every character: a text without any of these is not scanned (most are not).
_DISCOUNT_MARKS = ("%", "buy one", "1 achete", "2 for 1", "2 pour 1")
_PRICE_MARKS = ("$", "€", "£", "eur", "usd", "gbp")
# A letter before a digit or "$", looked for from the digit: the regex engine skips to the next
# 0, 1, 3, 4 or $ at C speed instead of trying a letter at every character.
_LEET_MARK = re.compile(rf"[0134$](?<={_LETTER}[0134$])")
_IP_URL = re.compile(r"https?://(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])", re.IGNORECASE)
_IP_HOST = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_PATH_SPLIT = re.compile(r"[/\-_.?=&]+")
_DIGIT_RUN = re.compile(r"\d{3,}")
_FONT_SIZE = re.compile(r"^\s*(\+?)(\d+)\s*$")


@dataclass(frozen=True)
class Signals:
    """The measurements of one message. Tuples of strings keep what was matched, for reasons."""

    words: int = 0
    subject: str | None = None
    sender: str | None = None
    promo_phrases: tuple[str, ...] = ()
    promo_terms: tuple[str, ...] = ()
    discounts: tuple[str, ...] = ()
    prices: int = 0
    promo_subject: tuple[str, ...] = ()
    transactional_phrases: tuple[str, ...] = ()
    transactional_headline: tuple[str, ...] = ()
    promo_headline: tuple[str, ...] = ()
    reference_numbers: tuple[str, ...] = ()
    markup_types: tuple[str, ...] = ()
    promotions_markup: tuple[str, ...] = ()
    transactional_markup: tuple[str, ...] = ()
    images: int = 0
    links: int = 0
    link_domains: int = 0
    buttons: int = 0
    navigation: bool = False
    sections: int = 0
    unsubscribe_link: bool = False
    list_unsubscribe: bool = False
    one_click_unsubscribe: bool = False
    feedback_id: bool = False  # a Feedback-ID header: Gmail's feedback loop, which bulk senders set
    list_id: bool = False  # a List-Id header (RFC 2919): mail from a mailing list
    reply: bool = False  # In-Reply-To or References: a reply within a conversation
    noreply_sender: bool = False
    marketing_sender: bool = False
    html_bytes: int = 0
    tables: int = 0
    capitals: float = 0.0  # share of the letters of the subject and text in capitals
    exclamations: int = 0
    # What spam filters' local rules look at (SpamAssassin's families), for the spam model.
    money_phrases: tuple[str, ...] = ()
    urgency_phrases: tuple[str, ...] = ()
    obfuscated_words: tuple[str, ...] = ()  # "F R E E", "v1agra"
    base64_text: bool = False  # a text part sent in base64, which hides its words from simple filters
    ip_links: tuple[str, ...] = ()  # links to a numeric IP address rather than a domain
    odd_headers: tuple[str, ...] = ()  # a received message's Message-ID or Date not in RFC 5322 form
    hidden_recipients: bool = False  # a received message with no To address, or "undisclosed recipients"
    hidden_words: int = 0  # words of text hidden by its style (a preheader, or text meant for filters only)
    faraway_charset: str | None = None  # a text part in a character set foreign to the shop's languages
    sender_digits: bool = False  # the From address's local part holds a run of digits, as generated ones do
    big_fonts: int = 0  # <font size> of 5 and more, or +2 and more: shouting in 1990s HTML
    # How the message sells or asks, and how personal it reads, for the Promotions model.
    donation_phrases: tuple[str, ...] = ()
    selling_links: int = 0  # links to a shop's or a fundraiser's money pages, or to payment platforms
    view_online: bool = False  # a "view in your browser" line
    sending_platform: str | None = None  # the bulk-mail platform whose headers the message carries
    greeting: str | None = None  # "Bonjour Camille," — a letter to a person
    reply_to_person: bool = False  # Reply-To names a person's address, not a service's
    plain_text_only: bool = False  # no HTML at all, as a person writes
    terms: frozenset[str] = frozenset()  # words and two-word phrases of the subject and text, folded

    @staticmethod
    def _beyond_free(signal: str, count: int) -> int:
        return max(0, count - knowledge().structure.free[signal])

    @property
    def image_heavy(self) -> bool:
        return self.images > 0 and self.words < lint_limits().min_words_per_image * self.images

    @property
    def short_text(self) -> bool:
        limits = knowledge().structure
        return (self.words <= limits.short_max_words and self.links <= limits.short_max_links
                and self.images <= limits.short_max_images)

    def values(self) -> dict[str, float]:
        """Each signal as the number the weights multiply (see checks/placement.toml)."""
        return {
            "promo_phrases": len(self.promo_phrases),
            "promo_terms": len(self.promo_terms),
            "discounts": len(self.discounts),
            "prices": self.prices,
            "promo_subject": len(self.promo_subject),
            "transactional_phrases": len(self.transactional_phrases),
            "transactional_headline": float(bool(self.transactional_headline)),
            "promo_headline": float(bool(self.promo_headline)),
            "reference_numbers": len(self.reference_numbers),
            "promotions_markup": float(bool(self.promotions_markup)),
            "transactional_markup": float(bool(self.transactional_markup)),
            "images": self.images,
            "image_heavy": float(self.image_heavy),
            "links": self._beyond_free("links", self.links),
            "link_domains": self._beyond_free("link_domains", self.link_domains),
            "buttons": self._beyond_free("buttons", self.buttons),
            "navigation": float(self.navigation),
            "sections": self._beyond_free("sections", self.sections),
            "unsubscribe_link": float(self.unsubscribe_link),
            "list_unsubscribe": float(self.list_unsubscribe),
            "one_click_unsubscribe": float(self.one_click_unsubscribe),
            "feedback_id": float(self.feedback_id),
            "list_id": float(self.list_id),
            "reply": float(self.reply),
            "marketing_sender": float(self.marketing_sender),
            "noreply_sender": float(self.noreply_sender),
            "short_text": float(self.short_text),
            "long_text": self.words / 500,
            "capitals": self.capitals,
            "exclamations": self.exclamations,
            "money_phrases": len(self.money_phrases),
            "urgency_phrases": len(self.urgency_phrases),
            "obfuscated_words": len(self.obfuscated_words),
            "base64_text": float(self.base64_text),
            "ip_links": len(self.ip_links),
            "odd_headers": len(self.odd_headers),
            "hidden_recipients": float(self.hidden_recipients),
            "hidden_text": self.hidden_words / 50,
            "link_density": 100 * self.links / max(self.words, 1),
            "faraway_charset": float(self.faraway_charset is not None),
            "sender_digits": float(self.sender_digits),
            "big_fonts": self.big_fonts,
            "donation_phrases": len(self.donation_phrases),
            "selling_links": self.selling_links,
            "view_online": float(self.view_online),
            "sending_platform": float(self.sending_platform is not None),
            "greeting": float(self.greeting is not None),
            "reply_to_person": float(self.reply_to_person),
            "plain_text_only": float(self.plain_text_only),
        }

    def detail(self, signal: str) -> str:
        """What was seen, for a reason's text: the phrases matched, the count."""
        seen = getattr(self, signal, None)
        if isinstance(seen, tuple):
            shown = ", ".join(f"« {s} »" if signal.endswith(("phrases", "terms", "subject", "headline")) else s for s in seen[:5])
            return shown + (f" (+{len(seen) - 5})" if len(seen) > 5 else "")
        if isinstance(seen, bool) or seen is None:
            return ""
        if signal == "image_heavy":
            return f"{self.images} images for {self.words} words"
        if signal == "short_text":
            return f"{self.words} words, {self.links} links"
        if signal == "long_text":
            return f"{self.words} words"
        if signal == "capitals":
            return f"{self.capitals:.0%}"
        if signal == "hidden_text":
            return f"{self.hidden_words} hidden words"
        if signal == "link_density":
            return f"{self.links} links for {self.words} words"
        return str(seen)

    def to_json(self) -> dict[str, object]:
        return {
            "words": self.words, "images": self.images, "links": self.links, "link_domains": self.link_domains,
            "buttons": self.buttons, "navigation": self.navigation, "sections": self.sections,
            "prices": self.prices, "discounts": list(self.discounts), "promo_phrases": list(self.promo_phrases),
            "promo_terms": list(self.promo_terms), "transactional_phrases": list(self.transactional_phrases),
            "reference_numbers": list(self.reference_numbers), "markup_types": list(self.markup_types),
            "unsubscribe_link": self.unsubscribe_link, "list_unsubscribe": self.list_unsubscribe,
            "one_click_unsubscribe": self.one_click_unsubscribe, "feedback_id": self.feedback_id,
            "list_id": self.list_id, "reply": self.reply, "sender": self.sender,
            "noreply_sender": self.noreply_sender, "marketing_sender": self.marketing_sender,
            "subject": self.subject, "html_bytes": self.html_bytes, "tables": self.tables,
            "capitals": round(self.capitals, 3), "exclamations": self.exclamations,
            "money_phrases": list(self.money_phrases), "urgency_phrases": list(self.urgency_phrases),
            "obfuscated_words": list(self.obfuscated_words), "base64_text": self.base64_text,
            "ip_links": list(self.ip_links), "odd_headers": list(self.odd_headers),
            "hidden_recipients": self.hidden_recipients, "hidden_words": self.hidden_words,
            "faraway_charset": self.faraway_charset, "sender_digits": self.sender_digits, "big_fonts": self.big_fonts,
            "donation_phrases": list(self.donation_phrases), "selling_links": self.selling_links,
            "view_online": self.view_online, "sending_platform": self.sending_platform,
            "greeting": self.greeting, "reply_to_person": self.reply_to_person,
            "plain_text_only": self.plain_text_only,
        }


def extract_signals(item: Document, markup: Markup | None = None, sender: str | None = None) -> Signals:
    """The signals of one loaded input. `sender` (an address) overrides the message's From."""
    known = knowledge()
    message = item.message
    header = _Headers(message)
    subject = item.subject if item.subject is not None else header("Subject") or None
    sender = sender or _from_address(header)
    document = item.document
    text = item.visible_text if document is not None else _plain_text(message)
    quotes = FoldedText(subject or "", text)  # matched folded, quoted as written
    folded_subject, folded = quotes.folded
    (subject_words, subject_terms), (text_words, text_terms) = map(_words_and_terms_words, quotes.folded)
    whole_words = subject_words + text_words  # the words of `whole`: no word spans the joining space
    types = tuple(dict.fromkeys(i.type for i in markup.all_items() if i.type)) if markup else ()
    hidden = item.hidden_in_tree
    links = _visible_links(document, hidden) if document is not None else []
    lead = " ".join(folded.split(maxsplit=known.headline_words)[:known.headline_words])
    headline = f"{folded_subject} {lead}"
    unsubscribe = header("List-Unsubscribe")
    said = f"{subject or ''} {text}"
    letters = "".join(filter(str.isalpha, said))
    received = item.origin is Origin.EML  # a template's or an HTML file's headers are its platform's to add
    whole = quotes.text  # f"{folded_subject} {folded}"
    return Signals(
        words=len(text.split()),
        subject=subject,
        sender=sender,
        promo_phrases=known.promotional.distinct_in(text_words),
        promo_terms=known.promotional_terms.distinct_in(text_words),
        discounts=_distinct_quotes(_discounts(whole), quotes),
        prices=len(_PRICE.findall(folded)) if any(m in folded for m in _PRICE_MARKS) else 0,
        promo_subject=known.promotional.distinct_in(subject_words),
        transactional_phrases=known.transactional.distinct_in(whole_words),
        transactional_headline=known.transactional.distinct(headline),
        promo_headline=tuple(dict.fromkeys(known.promotional.distinct(headline)
                                           + _distinct_quotes(_discounts(headline), quotes))),
        reference_numbers=_references(quotes, known),
        markup_types=types,
        promotions_markup=tuple(t for t in types if t in known.promotions_types),
        transactional_markup=tuple(t for t in types if t in known.transactional_types),
        images=_images(document, hidden),
        links=len(links),
        link_domains=len({h for h in (_host(a.get("href") or "") for a in links) if h}),
        buttons=sum(1 for a in links if _is_button(a, known)),
        navigation=_has_navigation(document, links, known, hidden),
        sections=_sections(document, hidden),
        unsubscribe_link=any(unsubscribe_link(item, a) for a in links) or lint_phrases().unsubscribe.contains(text),
        list_unsubscribe=bool(unsubscribe),
        one_click_unsubscribe=bool(unsubscribe) and "one-click" in header("List-Unsubscribe-Post").lower(),
        feedback_id=bool(header("Feedback-ID")),
        list_id=bool(header("List-Id")),
        reply=bool(header("In-Reply-To") or header("References")),
        noreply_sender=_sender_is(sender, known.noreply_senders),
        marketing_sender=_sender_is(sender, known.marketing_senders),
        html_bytes=len((item.html or "").encode("utf-8")),
        tables=len(item.elements("table")) if document is not None else 0,
        capitals=sum(map(str.isupper, letters)) / len(letters) if len(letters) >= known.structure.min_letters else 0.0,
        exclamations=said.count("!"),
        money_phrases=known.money.distinct_in(whole_words),
        urgency_phrases=known.urgency.distinct_in(whole_words),
        obfuscated_words=_obfuscated(said, known),
        base64_text=_base64_text(message),
        ip_links=_ip_links(links, text),
        odd_headers=_odd_headers(header) if received else (),
        hidden_recipients=received and message is not None and _hidden_recipients(header),
        hidden_words=_hidden_words(document),
        faraway_charset=_faraway_charset(message, known),
        sender_digits=bool(sender and _DIGIT_RUN.search(sender.rsplit("@", 1)[0])),
        big_fonts=_big_fonts(document),
        donation_phrases=known.donation.distinct_in(whole_words),
        selling_links=sum(1 for a in links if _sells(a.get("href") or "", known)),
        view_online=bool(known.view_online.distinct(lead)),
        sending_platform=_platform(header, known),
        greeting=_greeting(text, known),
        reply_to_person=_reply_to_person(header, sender, known),
        plain_text_only=not item.html and bool(text.strip()),
        terms=_terms(subject_terms + text_terms),  # terms_of(whole)
    )


# Addresses, URLs and host names: their parts ("example", "org", "https") name a domain, not what
# a message says, and would teach a vocabulary the placeholder domains of its training data.
_ADDRESSES = re.compile(r"\S+@\S+|\w+://\S+|\b[\w-]+(?:\.[\w-]+)+\b")


def terms_of(folded_text: str) -> frozenset[str]:
    """The words and two-word phrases of folded text, addresses and host names left out: what
    learned vocabularies are looked up in."""
    return _terms(_words_and_terms_words(folded_text)[1])


def _terms(words: list[str]) -> frozenset[str]:
    return frozenset(words) | frozenset(map(" ".join, zip(words, words[1:])))


def _words_and_terms_words(folded_text: str) -> tuple[list[str], list[str]]:
    """`words_of(folded_text)`, and the words `terms_of` reads: in one read of the text, as the
    two differ only in the white-space-separated pieces that hold an address (no word spans a
    space, so the text between two such pieces is read at once, and a text holding none is read
    whole — the same list for both). Only a piece holding "@", "://" or a dot before its last
    character can hold one: a sentence's last word ("fin.", "note :") is not searched."""
    pieces = folded_text.split()
    words: list[str] = []
    terms: list[str] = []
    start = 0
    for at, piece in enumerate(pieces):
        if ("@" in piece or "." in piece or ":" in piece) \
                and ("@" in piece or "://" in piece or piece.find(".", 0, -1) >= 0):  # cheap test first
            left = _ADDRESSES.sub(" ", piece)
            if left != piece:
                plain = words_of(" ".join(pieces[start:at]))
                words += plain
                words += words_of(piece)
                terms += plain
                terms += words_of(left)
                start = at + 1
    if not start:
        plain = words_of(folded_text)
        return plain, plain
    plain = words_of(" ".join(pieces[start:]))
    return words + plain, terms + plain


# -- headers ---------------------------------------------------------------------------------------

class _Headers:
    """A message's headers by name, each as one line of text ("" when absent or unreadable),
    found through one index and read once: `Message.get` scans every header and parses the
    value at each ask, and the signals ask some twenty names."""

    def __init__(self, message: Message | None) -> None:
        self._policy = message.policy if message is not None else None
        self._first: dict[str, tuple[str, Any]] = {}
        for name, value in message.raw_items() if message is not None else ():
            self._first.setdefault(name.lower(), (name, value))
        self._texts: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        found = self._texts.get(name)
        if found is None:
            found = self._texts[name] = self._read(name)
        return found

    def written(self, name: str) -> str | None:
        """The first `name` header's value as written, None when absent."""
        raw = self._first.get(name.lower())
        return raw[1] if raw is not None else None

    def _read(self, name: str) -> str:
        raw = self._first.get(name.lower())
        if raw is None:
            return ""
        written = written_text(self._policy, *raw)
        if written is not None:
            return " ".join(written.split())  # what the parse gives back, without it
        try:
            value = self._policy.header_fetch_parse(*raw)  # what `Message.get` returns
        except (ValueError, IndexError, TypeError):
            return ""
        return " ".join(str(value).split())


def _from_address(header: _Headers) -> str | None:
    addresses = [a for _, a in addresses_in([header("From")]) if "@" in a]
    return addresses[0] if addresses else None


def _sender_is(address: str | None, names: frozenset[str]) -> bool:
    if not address or "@" not in address:
        return False
    local = fold(address.rsplit("@", 1)[0])
    return local in names or any(part in names for part in _LOCAL_SPLIT.split(local))


def _plain_text(message: Message | None) -> str:
    if message is None:
        return ""
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    try:
        return part.get_content() if part is not None else ""
    except (LookupError, ValueError):
        return ""


def _odd_headers(header: _Headers) -> tuple[str, ...]:
    """The Message-ID and Date of a received message that are present but not in RFC 5322 form
    (judged from the values as written where they show it: parsing them is the most of the
    headers' cost)."""
    odd = []
    written = header.written("Message-ID")
    if written is not None and not plain_message_id(written):
        message_id = header("Message-ID")
        if message_id and not _MESSAGE_ID.match(message_id):
            odd.append("Message-ID")
    if unreadable_date(header.written("Date")):
        odd.append("Date")
    return tuple(odd)


def _hidden_recipients(header: _Headers) -> bool:
    to = header("To")
    return "@" not in to or "undisclosed" in to.lower()


def _base64_text(message: Message | None) -> bool:
    if message is None:
        return False
    return any(part.get_content_maintype() == "text"
               and str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64"
               for part in message.walk())


def _faraway_charset(message: Message | None, known: Knowledge) -> str | None:
    if message is None:
        return None
    for part in message.walk():
        charset = part.get_content_charset() if part.get_content_maintype() == "text" else None
        if charset and charset.lower() not in known.usual_charsets:
            return charset.lower()
    return None


def _platform(header: _Headers, known: Knowledge) -> str | None:
    for platform in known.platforms:
        for name, contains in platform.markers:
            value = header(name)
            if value and contains in value.lower():
                return platform.name
    return None


def _reply_to_person(header: _Headers, sender: str | None, known: Knowledge) -> bool:
    """Reply-To names another address than From, and not a service's (no-reply, news@, support@…)."""
    replies = [a for _, a in addresses_in([header("Reply-To")]) if "@" in a]
    if not replies or replies[0].lower() == (sender or "").lower():
        return False
    return not _sender_is(replies[0], known.noreply_senders | known.marketing_senders | known.role_senders)


# -- wording ---------------------------------------------------------------------------------------

def _obfuscated(text: str, known: Knowledge) -> tuple[str, ...]:
    spaced, inner = _spaced_letters(known.min_spaced_letters)
    runs = spaced.finditer(text) if inner.search(text) else ()
    leet = _LEET.finditer(text) if _LEET_MARK.search(text) else ()
    return tuple(dict.fromkeys(m.group(0) for m in (*runs, *leet)))


@lru_cache(maxsize=None)
def _spaced_letters(letters: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Letters spaced out ("F R E E", "G.R.A.T.U.I.T"), and what every such run holds inside: a
    separator, then a letter and a separator `letters - 2` times. The first opens with a
    look-behind, which the regex engine tries at every character; the second with a separator,
    to which it skips: a text without one (most) is not scanned."""
    letter, separator = r"[^\W\d_]", r"[ .\-*_]"
    inner = separator + (letter + separator) * (letters - 2) if letters >= 2 else ""  # "": any text
    return re.compile(rf"(?<![\w.])(?:{letter}{separator}){{{letters - 1},}}{letter}(?![\w])"), re.compile(inner)


def _discounts(text: str) -> Iterable[re.Match[str]]:
    return _DISCOUNT.finditer(text) if any(mark in text for mark in _DISCOUNT_MARKS) else ()


def _greeting(text: str, known: Knowledge) -> str | None:
    """"Hi Sam," at the start of the text: a greeting word, then a capitalised name."""
    words = text.split()[:12]
    for first, name in zip(words, words[1:]):
        if fold(first).strip(",!") in known.greetings and name[:1].isupper() and name[:1].isalpha():
            return f"{first} {name}"
    return None

def _distinct_quotes(matches: Iterable[re.Match[str]], quotes: FoldedText) -> tuple[str, ...]:
    """Each distinct match (compared folded) quoted as the message first writes it."""
    found: dict[str, str] = {}
    for match in matches:
        found.setdefault(" ".join(match.group(0).split()), quotes.quote(match.start(), match.end()))
    return tuple(found.values())


def _references(quotes: FoldedText, known: Knowledge) -> tuple[str, ...]:
    """Reference numbers: a reference word then an identifier holding a digit ("commande
    n° 12345", "order #A-1042"), or a template placeholder named after one ({{ order_id }});
    matched folded, quoted as written."""
    words = "|".join(re.escape(w) for w in known.reference_words)
    written = re.compile(rf"{_word_start(known.reference_words)}{_NUMBER_WORDS}\s*[:#]?\s*#?\s*(?=[\w-]*\d)[a-z]{{0,4}}-?[\w-]{{3,}}")
    placeholder = re.compile(rf"\{{\{{\s*[\w.]*(?:{words})[\w.]*\s*\}}\}}")
    matches = [*written.finditer(quotes.text), *placeholder.finditer(quotes.text)]
    found = [(" ".join(m.group(0).split()), m) for m in matches]
    by_identifier = {f.split()[-1].lstrip("#"): f for f, _ in reversed(found)}  # one per number
    kept = {f: m for f, m in reversed(found) if by_identifier[f.split()[-1].lstrip("#")] == f}
    return tuple(dict.fromkeys(quotes.quote(kept[f].start(), kept[f].end()) for f, _ in found if f in kept))


def _word_start(words: Sequence[str]) -> str:
    """`(?<!\\w)(?:word|word…)` opening with the words' first characters, grouped, each followed by
    the look-behind (`(?<!\\w)` before a character is `(?<!\\w<it>)` after it): the regex engine
    skips to the next of those characters instead of trying the look-behind at every one. Words
    of one group keep their order, so the same word is chosen at each place."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[:1], []).append(re.escape(word[1:]))
    return "(?:" + "|".join(rf"{re.escape(first)}(?<!\w{re.escape(first)})(?:{'|'.join(rests)})"
                            for first, rests in groups.items()) + ")"


# -- structure -------------------------------------------------------------------------------------

Hidden = Callable[[HtmlElement], bool]  # `Document.hidden_in_tree`: the element or an ancestor hidden


def _visible_links(document: HtmlElement, hidden: Hidden) -> list[HtmlElement]:
    return [a for a in document.iter("a") if (a.get("href") or "").strip() not in ("", "#")
            and not (a.get("href") or "").lower().startswith("mailto:") and not hidden(a)]


def _ip_links(links: list[HtmlElement], text: str) -> tuple[str, ...]:
    hosts = [h for h in (_host(a.get("href") or "") for a in links) if h and _IP_HOST.fullmatch(h)]
    written = _IP_URL.findall(text) if "://" in text else []  # what every match holds: most texts have none
    return tuple(dict.fromkeys(hosts + written))


def _sells(href: str, known: Knowledge) -> bool:
    host = _host(href)
    if host is None:
        return False
    if under_any(host, known.selling_hosts):
        return True
    try:
        path = urlsplit(href.strip()).path.lower()
    except ValueError:
        return False
    return any(word in known.selling_path_words for word in _PATH_SPLIT.split(path))


def _big_fonts(document: HtmlElement | None) -> int:
    """<font size="5"> and up, or size="+2" and up (SpamAssassin's HTML_FONT_SIZE_LARGE/HUGE)."""
    if document is None:
        return 0
    count = 0
    for font in document.iter("font"):
        match = _FONT_SIZE.match(font.get("size") or "")
        if match and int(match.group(2)) >= (2 if match.group(1) else 5):
            count += 1
    return count


def _hidden_words(document: HtmlElement | None) -> int:
    """Words in elements hidden by their own style or attribute (the outermost one counted)."""
    if document is None:
        return 0
    count = 0
    for element in document.iter():
        if isinstance(element.tag, str) and is_hidden(element) and not any(
                isinstance(a.tag, str) and is_hidden(a) for a in element.iterancestors()):
            count += len(all_text(element).split())
    return count


def _host(href: str) -> str | None:
    if not href.lower().startswith(("http://", "https://", "//")) or "{{" in href:
        return None
    try:
        host = (urlsplit(href.strip()).hostname or "").lower()
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def _images(document: HtmlElement | None, hidden: Hidden) -> int:
    """Visible images, tracking pixels and small icons (social, bullets) left out."""
    if document is None:
        return 0
    count = 0
    for image in document.iter("img"):
        width = _pixels(image.get("width") or style_of(image).get("width", ""))
        if (width is not None and width <= knowledge().structure.icon_max_width) or hidden(image):
            continue
        count += 1
    return count


def _pixels(value: str) -> int | None:
    match = re.match(r"\s*(\d{1,9})\s*(px)?\s*$", value)  # bounded: int() refuses 4,300 digits
    return int(match.group(1)) if match else None


def _is_button(link: HtmlElement, known: Knowledge) -> bool:
    """A call to action: a link drawn as a button (background, padding, a button class), or the
    only link of a coloured table cell (the "bulletproof button")."""
    style = style_of(link)
    classes = (link.get("class") or "").lower()
    if any(k.startswith("background") for k in style) or "padding" in " ".join(style) \
            or any(c in classes for c in known.structure.button_classes):
        return bool(text_of(link))
    cell = link.getparent()
    while cell is not None and cell.tag not in ("td", "th"):
        cell = cell.getparent() if cell.tag in ("span", "strong", "b", "font", "div", "p", "center") else None
    if cell is None:
        return False
    coloured = cell.get("bgcolor") or any(k.startswith("background") for k in style_of(cell))
    return bool(coloured) and len(cell.findall(".//a")) == 1 and bool(text_of(link))


def _has_navigation(document: HtmlElement | None, links: list[HtmlElement], known: Knowledge,
                    hidden: Hidden) -> bool:
    """A website-like menu: several short links side by side before the first heading or
    paragraph of text (a footer's links come after the content and do not count)."""
    if document is None or not links:
        return False
    limits = known.structure
    first_content = None
    for element in document.iter("h1", "h2", "h3", "p"):
        if len(text_of(element).split()) >= 8 and not hidden(element):
            first_content = element
            break
    before = set(links) if first_content is None else _links_before(document, first_content)
    rows: dict[HtmlElement, int] = {}
    for link in links:
        words = len(text_of(link).split())
        if not 1 <= words <= limits.menu_max_words or link not in before:
            continue
        row = next((a for a in link.iterancestors() if a.tag in ("tr", "ul", "nav", "p")), link.getparent())
        rows[row] = rows.get(row, 0) + 1
    return any(count >= limits.menu_min_links for count in rows.values())


def _links_before(document: HtmlElement, element: HtmlElement) -> set[HtmlElement]:
    """The links that come before `element` in document order (its own links come after it)."""
    before = set()
    for found in document.iter("a", element.tag):
        if found is element:
            break
        if found.tag == "a":
            before.add(found)
    return before


def _sections(document: HtmlElement | None, hidden: Hidden) -> int:
    if document is None:
        return 0
    return sum(1 for h in document.iter("h1", "h2", "h3", "h4") if text_of(h) and not hidden(h))
