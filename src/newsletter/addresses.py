"""Mailbox parsing, strict: exactly one mailbox, its addr-spec as written, checked by
email-validator (syntax only, no DNS), a display name only in the `Name <addr>` form.

email-validator costs about 100 µs an address, a seventh of a bulk message. A plain ASCII address
(dot-atom local part, letters, digits and hyphens in the domain) is checked by a few exact tests
that accept only what email-validator accepts and return what it returns; anything else goes to
email-validator (`tests/test_addresses.py` compares both on generated addresses).

`email.utils.parseaddr` is lenient: it turns `bob@example.com x` into `bob@example.comx` and keeps
the first of `a@example.com, b@evil.example`. A recipient is never rewritten into someone else:
what cannot be read as one mailbox is refused with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from email.headerregistry import Address
from functools import lru_cache
from typing import NamedTuple

import idna
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, DNS_LABEL_LENGTH_LIMIT, EMAIL_MAX_LENGTH

from .headers import FIX, describe, first_unsafe

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_ANGLE = re.compile(r'(?P<name>(?:"(?:[^"\\]|\\.)*"|[^<>"])*?)\s*<\s*(?P<addr>[^<>]*?)\s*>')
# Outside quotes, a display name is words: RFC 5322 specials would start something else (another
# address, a comment, a group), except the '.' of obs-phrase that 'J. Smith' needs.
_NAME_SPECIALS = re.compile(r'[()<>\[\]:;@\\,"]')
_QUOTED_PAIR = re.compile(r"\\(.)")
_SPACE = re.compile(r"\s")
_BARE = re.compile(r'[^\s<>"(),;]*@[^\s<>"(),;]*')  # one addr-spec, nothing around it: split_mailbox's verdict
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# A DNS label email-validator takes as it is: at most 63 characters (its limit), no hyphen at either end, no
# `ab--` (only IDNA's `xn--` may have one, and that one email-validator decodes).
_LABEL = rf"(?!-)(?![A-Za-z0-9-]{{2}}--)[A-Za-z0-9-]{{1,{DNS_LABEL_LENGTH_LIMIT}}}(?<!-)"
_PLAIN_ADDRESS = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+{_LABEL})")
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)
_SPECIAL_USE_SUFFIXES = tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES)
_CASE_INSENSITIVE = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


class AddressError(ValueError):
    """Not a usable mailbox; the message says why, `fix` (when set) how to correct it."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


class Mailbox(NamedTuple):
    """A mailbox as written, before the addr-spec is validated (a named tuple: bulk makes one a
    row, in the process that reads the list)."""

    display_name: str
    addr_spec: str


class CheckedAddress(Address):
    """An `Address` whose addr-spec is worked out once: bulk rendering reads it several times a
    message (the To header, the unsubscribe URL, the manifest), and `Address` quotes it afresh
    each time."""

    def __init__(self, display_name: str, username: str, domain: str) -> None:
        super().__init__(display_name, username, domain)
        self._addr_spec = Address.addr_spec.fget(self)  # type: ignore[attr-defined]

    @property
    def addr_spec(self) -> str:
        return self._addr_spec

    @classmethod
    def plain(cls, display_name: str, local: str, domain: str) -> "CheckedAddress":
        """For `plain_addr_spec`'s parts: a dot-atom needs no quoting, and neither part holds a
        CR or LF (what `Address` checks), so its checks are skipped: bulk makes one a row."""
        address = cls.__new__(cls)
        address._display_name, address._username, address._domain = display_name, local, domain
        address._addr_spec = f"{local}@{domain}"
        return address


def parse_address(value: str, display_name: str | None = None) -> Address:
    """`Name <local@domain>`, `<local@domain>` or a bare address -> `Address` (domain in ASCII);
    `display_name`, when given, replaces the written one. Raises `AddressError`."""
    plain = plain_addr_spec(value)  # a plain address alone (a list's usual row): nothing to split
    mailbox = Mailbox("", value) if plain is not None else split_mailbox(value)
    name = mailbox.display_name if display_name is None else display_name.strip()
    character = first_unsafe(name)
    if character is not None:
        raise AddressError(f"{describe(character)} in the display name {name!r}", fix=FIX)
    if plain is None:
        plain = plain_addr_spec(mailbox.addr_spec)
    if plain is not None:
        return CheckedAddress.plain(name, *plain)
    try:
        valid = validate_email(mailbox.addr_spec, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AddressError(f"not a valid email address: {value!r} ({exc})") from None
    return CheckedAddress(name, valid.local_part, valid.ascii_domain or valid.domain)


def plain_addr_spec(addr_spec: str) -> tuple[str, str] | None:
    """(local part, domain in lower case) for a plain ASCII address email-validator accepts as
    it is (but for the domain's case); None for every other address, valid or not: those are
    email-validator's to judge. Its rules, for such an address: at most 254 characters, labels
    of at most 63 that neither start nor end with a hyphen, no `ab--` label (only IDNA's `xn--`
    may, and that one email-validator decodes), a top-level domain ending in a letter, no
    special-use domain; the RFC 2142 role names (`info`, `postmaster`) it writes in lower case."""
    if len(addr_spec) > EMAIL_MAX_LENGTH:
        return None
    match = _PLAIN_ADDRESS.fullmatch(addr_spec)
    if match is None:
        return None
    local, domain = match.group(1), match.group(2).lower()
    if local.lower() in _CASE_INSENSITIVE or not domain[-1].isalpha():
        return None
    if domain in _SPECIAL_USE or domain.endswith(_SPECIAL_USE_SUFFIXES):
        return None
    return local, domain


def split_mailbox(value: str) -> Mailbox:
    """The display name and addr-spec of exactly one mailbox, or `AddressError` saying what else
    is there. Cheap (the addr-spec is not validated here): bulk runs it on every row."""
    character = first_unsafe(value)
    if character is not None:
        raise AddressError(f"{describe(character)} in the address {value!r}", fix=FIX)
    text = value.strip()
    if _BARE.fullmatch(text):  # the usual row: an address alone, as `_read_mailbox` reads it
        return Mailbox("", text)
    return _read_mailbox(value, text)


def _read_mailbox(value: str, text: str) -> Mailbox:
    """`split_mailbox` of `value`, stripped to `text`, once it holds no unsafe character."""
    unquoted = _QUOTED.sub('""', text) if '"' in text else text
    if "," in unquoted or ";" in unquoted or unquoted.count("<") > 1:
        raise AddressError(
            f"more than one address in {value!r}",
            fix='give exactly one (a display name with a comma goes in double quotes: "Dupont, Jean" <jean@example.com>)',
        )
    if "(" in unquoted or ")" in unquoted:
        raise AddressError(f"a comment in {value!r}: write a display name as Name <user@example.com>")
    angle = _ANGLE.fullmatch(text) if "<" in unquoted else None
    if angle is None and ("<" in unquoted or ">" in unquoted):
        raise AddressError(f"not one address of the form Name <user@example.com>: {value!r}")
    mailbox = Mailbox(_display_name(angle["name"], value), angle["addr"]) if angle else Mailbox("", text)
    if "@" not in mailbox.addr_spec or _SPACE.search(mailbox.addr_spec):
        raise AddressError(f"not an email address: {value!r}")
    return mailbox


def _display_name(written: str, value: str) -> str:
    written = written.strip()
    if _QUOTED.fullmatch(written):
        return _QUOTED_PAIR.sub(r"\1", written[1:-1])
    special = _NAME_SPECIALS.search(written)
    if special:
        raise AddressError(
            f"{special.group()!r} in the display name of {value!r}",
            fix=f'put the name in double quotes: "{written}" <user@example.com>',
        )
    return " ".join(written.split())


def duplicate_key(value: str) -> str:
    """What two rows must share to be the same recipient: the addr-spec alone (no display name),
    its domain as IDNA A-labels in lower case (`bücher.example` = `xn--bcher-kva.example`,
    fullwidth letters mapped, as email-validator maps them), its local part in lower case too.
    RFC 5321 lets a server tell `A@x` from `a@x` but calls relying on it harmful to
    interoperability; no mailbox provider does, and a second message to one person costs more
    than a missed one to an address that differs only by case. The message keeps the address as
    written. Raises `AddressError` like `split_mailbox`."""
    if value.isascii() and value.isprintable() and _BARE.fullmatch(text := value.strip()):
        return text.lower()  # an ASCII address alone, the usual row: its domain is its own A-labels
    return _split_key(value)


def _split_key(value: str) -> str:
    """`duplicate_key` of any value, by splitting the mailbox and mapping the domain to A-labels."""
    local, _, domain = split_mailbox(value).addr_spec.rpartition("@")
    return f"{local.lower()}@{_ascii_domain(domain)}"


@lru_cache(maxsize=4096)
def _ascii_domain(domain: str) -> str:
    try:
        return idna.encode(domain, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        return unicodedata.normalize("NFKC", domain).lower()  # invalid: the worker rejects it
