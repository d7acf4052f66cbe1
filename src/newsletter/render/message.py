"""The complete RFC 5322 message, written directly as bytes.

`multipart/alternative` with text/plain then text/html, both UTF-8 and quoted-printable; headers
7-bit (RFC 2047 encoded-words where non-ASCII), CRLF line ends. Promotional mail carries
`List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).

The standard `email` package's generator costs about 1.5 ms a message; a campaign renders
thousands a second, so the message is assembled from the standard library's encoders
(`email.utils.formataddr`, `binascii.b2a_qp`, …) instead. One-message and bulk rendering share
`MessageHead`, so their output is identical (bulk makes one head a campaign, and brings bodies
whose static lines were encoded once, `encoded.py`). Read it back with `email.message_from_bytes`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.utils import format_datetime, formataddr
from functools import lru_cache
from typing import Callable

from ..errors import NewsletterError
from ..limits import input_limits
from .encoded import quoted_printable
from ..headers import check_header_value, check_header_values
from ..kinds import Kind

_LINE = int(input_limits("headers")["fold_at"])
_MAX_LINE = int(input_limits("headers")["max_line"])
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_WORD = 75  # RFC 2047 section 2: an encoded-word is at most 75 characters
_EMPTY_WORD = "=?utf-8?q??="
_PART = '\r\nContent-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
_PLAIN_PART, _HTML_PART = _PART.format("plain"), _PART.format("html")  # each after its boundary line
_SAFE_Q = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


@dataclass(frozen=True)
class Envelope:
    """Everything that goes into the headers."""

    sender: Address
    recipient: Address
    subject: str
    kind: Kind
    reply_to: Address | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    list_id: str | None = None
    date: datetime | None = None
    message_id: str | None = None


def require_unsubscribe(kind: Kind | None, unsubscribe_url: str | None) -> None:
    """Promotional mail is refused without an unsubscribe URL: render says so, and lint too."""
    if kind is Kind.PROMOTIONAL and not unsubscribe_url:
        raise NewsletterError(
            "promotional mail needs an unsubscribe URL (Gmail and Yahoo require one-click "
            "unsubscribe, RFC 8058)",
            fix="set unsubscribe_url in newsletter.toml or pass --unsubscribe-url",
        )


def build_message(envelope: Envelope, html: str, text: str) -> bytes:
    """A sendable message. Raises `NewsletterError` for a header value with a control character
    or line break (`UnsafeCharacter`), for a value too long for a header line, and for
    promotional mail without an unsubscribe URL."""
    return assemble_message(envelope, quoted_printable(html), quoted_printable(text))


def assemble_message(envelope: Envelope, html: bytes, text: bytes) -> bytes:
    """`build_message` for bodies already quoted-printable encoded (`encoded.py`)."""
    head = MessageHead.of(envelope.sender, envelope.kind, reply_to=envelope.reply_to, list_id=envelope.list_id,
                          unsubscribe_mailto=envelope.unsubscribe_mailto, date=envelope.date)
    message_id = envelope.message_id or new_message_id(envelope.sender.domain)
    return head.assemble(envelope.recipient, envelope.subject, envelope.unsubscribe_url, message_id, html, text)


def new_message_id(domain: str) -> str:
    """A Message-ID as `email.utils.make_msgid(domain=domain)` writes it, but for the process id,
    read once (and again in a forked worker) rather than asked of the system a message."""
    return f"<{int(time.time() * 100)}.{_pid}.{random.getrandbits(64)}@{domain}>"


def _read_pid() -> None:
    global _pid
    _pid = os.getpid()


_pid = os.getpid()
os.register_at_fork(after_in_child=_read_pid)


@dataclass(frozen=True)
class MessageHead:
    """The header lines a campaign's messages share (From, Reply-To, Date, List-Id, the mailto of
    List-Unsubscribe), checked and encoded once: per message, only the recipient's own values
    (To, Subject, Message-ID, the unsubscribe URL, the boundary) are checked, encoded and joined
    to them. One-message rendering goes through it too, so both write the same bytes."""

    to: str  # everything before the To header's value
    subject: str  # between To's value and Subject's
    message_id: str  # between Subject's value and Message-ID's
    unsubscribe_url: str  # between Message-ID's value and the unsubscribe URL ("" when not promotional)
    boundary: str  # between the URL and the boundary
    promotional: bool
    mailto: str  # what follows the URL in List-Unsubscribe: its mailto, or ""
    static: tuple[tuple[str, str], ...]  # the shared headers, to say which one cannot be written

    @classmethod
    def of(cls, sender: Address, kind: Kind, *, reply_to: Address | None = None, list_id: str | None = None,
           unsubscribe_mailto: str | None = None, date: datetime | None = None) -> "MessageHead":
        """Raises `NewsletterError` for a value that cannot be written (see `build_message`)."""
        shared = [("From", _mailbox("From", sender))]
        if reply_to:
            shared.append(("Reply-To", _mailbox("Reply-To", reply_to)))
        shared.append(("Date", _date(date or datetime.now())))
        if list_id:
            shared.append(("List-Id", encode_header(check_header_value("List-Id", list_id), len("List-Id: "))))
        mailto = ""
        if unsubscribe_mailto and kind is Kind.PROMOTIONAL:
            address = check_header_value("List-Unsubscribe", unsubscribe_mailto.removeprefix("mailto:"))
            mailto = f",\r\n <mailto:{address}>"
            shared.append(("List-Unsubscribe", mailto))
        _refuse_unwritable(shared)
        lines = dict(shared)
        reply = f"Reply-To: {lines['Reply-To']}\r\n" if reply_to else ""
        after_id = "\r\nMIME-Version: 1.0\r\n" + (f"List-Id: {lines['List-Id']}\r\n" if list_id else "")
        promotional = kind is Kind.PROMOTIONAL
        unsubscribe = "List-Unsubscribe: <" if promotional else ""
        after_url = (f">{mailto}\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" if promotional else "")
        return cls(
            to=f"From: {lines['From']}\r\nTo: ",
            subject=f"\r\n{reply}Subject: ",
            message_id=f"\r\nDate: {lines['Date']}\r\nMessage-ID: ",
            unsubscribe_url=after_id + unsubscribe,
            boundary=after_url + 'Content-Type: multipart/alternative;\r\n boundary="',
            promotional=promotional,
            mailto=mailto,
            static=tuple(shared),
        )

    def assemble(self, recipient: Address, subject: str, unsubscribe_url: str | None, message_id: str,
                 html: bytes, text: bytes) -> bytes:
        """The message for one recipient, bodies already quoted-printable encoded."""
        url = (unsubscribe_url or "") if self.promotional else ""
        name, addr = recipient.display_name, recipient.addr_spec
        if not f"{message_id}{name}{addr}{subject}{url}".isprintable():  # none unsafe if all printable
            check_header_values((("Message-ID", message_id), ("To", name), ("To", addr), ("Subject", subject),
                                 ("List-Unsubscribe", url)))
        if self.promotional and not url:
            require_unsubscribe(Kind.PROMOTIONAL, url)
        to = _mailbox("To", recipient, checked=True)
        subject = encode_header(subject, len("Subject: "))
        boundary = "=_alt_" + hashlib.sha1(message_id.encode()).hexdigest()[:24]
        head = "".join((self.to, to, self.subject, subject, self.message_id, message_id, self.unsubscribe_url,
                        url, self.boundary, boundary, '"\r\n'))
        if not head.isascii() or (len(head) > _MAX_LINE and max(map(len, head.split("\r\n"))) > _MAX_LINE):
            _refuse_unwritable([*self.static, ("To", to), ("Subject", subject), ("Message-ID", message_id),
                                ("List-Unsubscribe", f"<{url}>{self.mailto}")])
        return b"".join((
            f"{head}\r\n--{boundary}{_PLAIN_PART}".encode("ascii"),
            text,
            f"\r\n--{boundary}{_HTML_PART}".encode("ascii"),
            html,
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ))


def _mailbox(header: str, address: Address, checked: bool = False) -> str:
    """`Name <addr>` as `formataddr` writes it when it fits the line, else folded (`checked`:
    the caller checked the name and address for unsafe characters)."""
    name, addr = address.display_name, address.addr_spec
    if not checked:
        check_header_values(((header, name), (header, addr)))
    if not name:
        return addr
    written = f"{_display_name(name)} <{addr}>"
    if len(header) + 2 + len(written) <= _LINE:
        return written
    # Too long for one line: the name as atoms and encoded-words, folded, then the address.
    return _fold([*_pieces(name, _atom), (f"<{addr}>", False)], len(header) + 2)


@lru_cache(maxsize=4096)
def _display_name(name: str) -> str:
    """The display name as `formataddr` writes it: quoted when it must be, or one encoded-word,
    Q or B, whichever is shorter (B only when strictly shorter, as `email.charset` chooses)."""
    if name.isascii():
        return formataddr((name, ""), charset="utf-8")[: -len(" <>")]
    q = _q(name)  # `formataddr` takes ten times as long: a list's accented names are mostly distinct
    data = name.encode("utf-8")
    if (len(data) + 2) // 3 * 4 < len(q):
        return f"=?utf-8?b?{base64.b64encode(data).decode('ascii')}?="
    return f"=?utf-8?q?{q}?="


def _refuse_unwritable(headers: list[tuple[str, str]]) -> None:
    """Say which header cannot be written: not ASCII, or a line over RFC 5322's 998 characters
    (only values that cannot be folded get there: a URL, a Message-ID)."""
    for name, value in headers:
        if not value.isascii():
            raise NewsletterError(f"the {name} header value is not ASCII: {value[:60]!r}",
                                  fix="encode it (a URL's non-ASCII characters percent-encoded, a domain in IDNA)")
        longest = max(map(len, f"{name}: {value}".split("\r\n")))
        if longest > _MAX_LINE:
            raise NewsletterError(
                f"the {name} header would have a line of {longest} characters; RFC 5322 allows {_MAX_LINE}",
                fix="shorten the unsubscribe URL (a URL cannot be folded)" if name == "List-Unsubscribe"
                else f"shorten the {name} value",
            )


@lru_cache(maxsize=8)
def _date(date: datetime) -> str:
    """The Date header's value, in local time (14 µs: a campaign gives all its messages one)."""
    return format_datetime(date.astimezone())


@lru_cache(maxsize=1024)
def encode_header(value: str, indent: int = 0) -> str:
    """An unstructured header value, 7-bit: runs of words with non-ASCII characters, or too long
    for a line, become RFC 2047 Q encoded-words; lines are folded at spaces near 78 characters.
    A `<...>` word (List-Id's id) is never encoded."""
    return _fold(_pieces(value, _unstructured_word), indent)


def _unstructured_word(word: str) -> bool:
    if not word.isascii() or "=?" in word:
        return False
    return len(word) < _LINE or (word.startswith("<") and word.endswith(">"))


def _atom(word: str) -> bool:
    """A display name's word written as it is: an atom (RFC 5322 atext) that fits a line."""
    return not word or (len(word) < _LINE and "=?" not in word and _ATEXT.fullmatch(word) is not None)


def _pieces(value: str, plain: Callable[[str], bool]) -> list[tuple[str, bool]]:
    """The words of `value` as (text, encode): runs of words that are not `plain` joined, to be
    made encoded-words (the spaces inside a run are encoded with it)."""
    pieces: list[tuple[str, bool]] = []
    run: list[str] = []
    for word in value.split(" "):
        if plain(word):
            if run:
                pieces.append((" ".join(run), True))
                run = []
            pieces.append((word, False))
        else:
            run.append(word)
    if run:
        pieces.append((" ".join(run), True))
    return pieces


def _fold(pieces: list[tuple[str, bool]], indent: int) -> str:
    """The pieces joined by spaces, a line break before a word that would pass 78 characters.
    A run to encode is one encoded-word when it can be; when it needs several (or starts the
    header and would pass 78), the first fills the rest of its line."""
    lines: list[list[str]] = [[]]
    width = indent
    for text, encode in pieces:
        tokens = [text]
        if encode:
            room = _LINE - width - (1 if lines[-1] else 0)
            tokens = _encoded_words(text)
            if len(tokens) > 1 or (len(tokens[0]) > room and not lines[-1]):
                tokens = _encoded_words(text, room)
        for token in tokens:
            if lines[-1] and token and width + 1 + len(token) > _LINE:
                lines.append([token])
                width = 1 + len(token)
            else:
                width += len(token) + (1 if lines[-1] else 0)
                lines[-1].append(token)
    return "\r\n ".join(" ".join(line) for line in lines)


def _encoded_words(text: str, room: int = _WORD) -> list[str]:
    """`=?utf-8?q?…?=` words of at most 75 characters (the first at most `room` when a
    character fits in that), never splitting a character."""
    limit = min(room, _WORD) if room >= len(_EMPTY_WORD) + len("=F0=90=80=80") else _WORD
    whole = _q(text)
    if len(whole) <= limit - len(_EMPTY_WORD):  # the usual name or subject: one word
        return [f"=?utf-8?q?{whole}?="]
    words: list[str] = []
    current = ""
    for encoded in map(_q_char, text):
        if current and len(current) + len(encoded) > limit - len(_EMPTY_WORD):
            words.append(f"=?utf-8?q?{current}?=")
            current = ""
            limit = _WORD
        current += encoded
    words.append(f"=?utf-8?q?{current}?=")
    return words


@lru_cache(maxsize=4096)
def _q_char(char: str) -> str:
    """One character in RFC 2047's Q encoding (its UTF-8 bytes; space as `_`)."""
    return "".join(chr(b) if b in _SAFE_Q else "_" if b == 0x20 else f"={b:02X}" for b in char.encode("utf-8"))


_Q_LATIN1 = {code: _q_char(chr(code)) for code in range(256)}


def _q(text: str) -> str:
    """`text` in Q encoding: Latin-1's characters by one table, any other one by one."""
    encoded = text.translate(_Q_LATIN1)
    return encoded if encoded.isascii() else "".join(map(_q_char, text))
