"""A received message's headers read from their values as written where that shows their text.

The `email` package's default policy parses a Date into a datetime and formats it again, and a
Message-ID, an address or an unstructured header by the RFC 5322 grammar (a token list, checked
character by character): most of what reading a received message's headers costs. What
placement and lint ask of them (is one missing, blank, unreadable, not in `<left@right>` form;
their text) shows from the usual values themselves, with the same answer (property tests against
the parse, `tests/test_headers_as_written.py`); the others are parsed."""

from __future__ import annotations

import re
from email.headerregistry import AddressHeader, UnstructuredHeader
from email.message import Message
from email.policy import EmailPolicy, Policy
from email.utils import getaddresses, parsedate_tz
from functools import lru_cache
from typing import Any, Iterable

# The Message-ID the parse gives back unchanged: dot-atom-text (RFC 5322 3.2.3, ASCII atext) on
# both sides of the @, in angle brackets, nothing around them.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_PLAIN_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>")
# Addresses whose text the parse gives without parsing: `local@domain`, `<local@domain>` (written
# `local@domain`), `Name Words <local@domain>` with plain words one space apart, and
# `"Quoted Name" <local@domain>` (the quotes kept only when the name holds a special character),
# ", " between them, white space around; no encoded word ("=?" is checked apart).
_QUOTED = r'[!#-\[\]-~]+(?: [!#-\[\]-~]+)*'  # printable ASCII but the quote and the backslash


def _mailbox(opening: str) -> str:
    """A plain mailbox's pattern; its name, quoted name and address captured when `opening` is "("."""
    return (rf'(?:{opening}{_ATEXT}(?: {_ATEXT})*)|"{opening}{_QUOTED})") <{opening}{_DOT_ATOM}@{_DOT_ATOM})>'
            rf'|<{opening}{_DOT_ATOM}@{_DOT_ATOM})>|{opening}{_DOT_ATOM}@{_DOT_ATOM})')


_ONE_MAILBOX = re.compile(_mailbox("("))
_PLAIN_ADDRESSES = re.compile(rf"[ \t]*(?:{_mailbox('(?:')})(?:, (?:{_mailbox('(?:')}))*[ \t]*")
_SPECIALS = frozenset('()<>@,:;.[]')  # RFC 5322's specials a quoted name can hold


def first_value(message: Message, name: str) -> str | None:
    """The first `name` header's value as written (folded lines and all), None when absent:
    the header `Message.get` would parse."""
    name = name.lower()
    return next((value for key, value in message.raw_items() if key.lower() == name), None)


def header_text(message: Message, name: str) -> str | None:
    """`str(message.get(name))`, None when absent; read as written where the value shows it."""
    name = name.lower()
    return next((_text(message.policy, key, value) for key, value in message.raw_items() if key.lower() == name), None)


def header_texts(message: Message, name: str) -> list[str]:
    """The text of each `name` header (`str` of what `Message.get_all` returns); read as written
    where the value shows it."""
    name = name.lower()
    return [_text(message.policy, key, value) for key, value in message.raw_items() if key.lower() == name]


def _text(policy: Policy, name: str, value: Any) -> str:
    written = written_text(policy, name, value)
    return written if written is not None else str(policy.header_fetch_parse(name, value))


def written_text(policy: Policy, name: str, value: Any) -> str | None:
    """The parsed header's text when the value as written shows it: an unstructured header's
    ASCII value without an encoded word (the parse keeps it as it is), plain addresses (see
    _mailbox); None when only the parse can tell."""
    if type(value) is not str or not isinstance(policy, EmailPolicy):
        return None
    kind = policy.header_factory[name]
    if issubclass(kind, UnstructuredHeader):
        value = unfolded(value)
        return value if value.isascii() and "=?" not in value else None
    return plain_addresses(value) if issubclass(kind, AddressHeader) else None


def plain_addresses(value: str) -> str | None:
    """An address header's text as the parse gives it, when the value is plain addresses (see
    _mailbox); None when only the parse can tell."""
    value = unfolded(value)
    if not _PLAIN_ADDRESSES.fullmatch(value) or "=?" in value:
        return None
    value = value.strip(" \t")
    if '"' not in value and "<" not in value.partition(" ")[0] and ", <" not in value:
        return value  # as written
    return ", ".join(map(_mailbox_text, _ONE_MAILBOX.finditer(value)))


def _mailbox_text(mailbox: re.Match[str]) -> str:
    words, quoted, address, bracketed, bare = mailbox.groups()
    if words is None and quoted is None:
        return bracketed or bare
    name = words if quoted is None else f'"{quoted}"' if not _SPECIALS.isdisjoint(quoted) else quoted
    return f"{name} <{address}>"


def addresses_in(texts: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`getaddresses(texts)`, worked out once a run for the same texts: placement and lint read
    a message's From four times."""
    return _addresses_in(tuple(texts))


@lru_cache(maxsize=1024)
def _addresses_in(texts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(getaddresses(list(texts)))


def unfolded(value: str) -> str:
    """The value the default policy parses: its line breaks removed (`policy.linesep_splitter`)."""
    return value.replace("\r", "").replace("\n", "")


def plain_message_id(value: str) -> bool:
    """A Message-ID written `<dot-atom-text@dot-atom-text>`: in RFC 5322 form and present, which
    is all placement and lint ask of it; for any other value only the parse can tell."""
    return _PLAIN_MESSAGE_ID.fullmatch(unfolded(value)) is not None


def blank_date(value: str | None) -> bool:
    """No Date, or one with nothing but white space: the parsed header's text is then blank too
    (a readable date is formatted again, an unreadable one kept as written)."""
    return value is None or not unfolded(value).strip()


def unreadable_date(value: str | None) -> bool:
    """A Date that is there but that `parsedate_tz` cannot read: the parsed header's text is the
    value as written when the parse fails, and a date `parsedate_tz` reads when it succeeds."""
    return not blank_date(value) and parsedate_tz(unfolded(value)) is None
