"""SPF macro strings (RFC 7208 section 7): parse once, expand per evaluation."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import Callable, Union
from urllib.parse import quote

DOMAIN_LETTERS = frozenset("slodiphv")
EXPLANATION_LETTERS = DOMAIN_LETTERS | frozenset("crt")
DELIMITERS = frozenset(".-+,/_=")


class MacroError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Macro:
    letter: str  # lower case
    url_escape: bool  # the letter was upper case
    keep: int | None  # rightmost parts to keep
    reverse: bool
    delimiters: str  # "" means "."

    def transform(self, value: str) -> str:
        parts = [value]
        delimiters = self.delimiters or "."
        for delimiter in delimiters:
            parts = [piece for part in parts for piece in part.split(delimiter)]
        if self.reverse:
            parts.reverse()
        if self.keep is not None:
            parts = parts[-self.keep:]
        text = ".".join(parts)
        return quote(text, safe="") if self.url_escape else text


Token = Union[str, Macro]


@dataclass(frozen=True)
class MacroString:
    source: str
    tokens: tuple[Token, ...]
    ends_with_expand: bool = False  # RFC 7208 domain-end may be a macro-expand (%{..}, %%, %_, %-)

    @property
    def has_macros(self) -> bool:
        return any(isinstance(t, Macro) for t in self.tokens)

    def expand(self, values: Callable[[str], str]) -> str:
        return "".join(t if isinstance(t, str) else t.transform(values(t.letter))
                       for t in self.tokens)


def parse_macro_string(text: str, *, explanation: bool = False) -> MacroString:
    """Parse `macro-string` (or `explain-string`, which also allows spaces and c, r, t)."""
    letters = EXPLANATION_LETTERS if explanation else DOMAIN_LETTERS
    tokens: list[Token] = []
    literal: list[str] = []
    expand_last = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt in ("%", "_", "-"):
                literal.append({"%": "%", "_": " ", "-": "%20"}[nxt])
                expand_last = True
                i += 2
                continue
            if nxt != "{":
                raise MacroError(f"'%' must be followed by '{{', '%', '_' or '-' at offset {i}", i)
            end = text.find("}", i + 2)
            if end < 0:
                raise MacroError(f"unterminated macro at offset {i}", i)
            body = text[i + 2:end]
            if literal:
                tokens.append("".join(literal))
                literal = []
            tokens.append(_parse_macro(body, letters, i))
            expand_last = True
            i = end + 1
            continue
        if not (0x21 <= ord(char) <= 0x7E or (explanation and char == " ")):
            raise MacroError(f"character {char!r} not allowed at offset {i}", i)
        literal.append(char)
        expand_last = False
        i += 1
    if literal:
        tokens.append("".join(literal))
    return MacroString(text, tuple(tokens), expand_last)


def _parse_macro(body: str, letters: frozenset[str], offset: int) -> Macro:
    if not body or body[0].lower() not in letters:
        raise MacroError(f"unknown macro letter in %{{{body}}} at offset {offset}", offset)
    letter = body[0]
    rest = body[1:]
    digits = ""
    while rest and rest[0].isdigit():
        digits += rest[0]
        rest = rest[1:]
    reverse = False
    if rest[:1] in ("r", "R"):
        reverse = True
        rest = rest[1:]
    if any(c not in DELIMITERS for c in rest):
        raise MacroError(f"invalid macro %{{{body}}} at offset {offset}", offset)
    if digits and int(digits) == 0:
        raise MacroError(f"macro %{{{body}}} keeps zero parts at offset {offset}", offset)
    return Macro(letter.lower(), letter.isupper(), int(digits) if digits else None, reverse, rest)


Ip = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


def ip_macro(ip: Ip) -> str:
    """%{i}: dotted quad, or dotted nibbles for IPv6."""
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))


def macro_values(*, sender: str, domain: str, ip: Ip, helo: str, validated: Callable[[], str],
                 receiver: str = "unknown", now: Callable[[], float] = time.time) -> Callable[[str], str]:
    local, _, sender_domain = sender.rpartition("@")

    def value(letter: str) -> str:
        match letter:
            case "s":
                return sender
            case "l":
                return local
            case "o":
                return sender_domain
            case "d":
                return domain
            case "i":
                return ip_macro(ip)
            case "c":
                return str(ip)
            case "v":
                return "in-addr" if ip.version == 4 else "ip6"
            case "h":
                return helo
            case "p":
                return validated()
            case "r":
                return receiver
            case "t":
                return str(int(now()))
        raise KeyError(letter)

    return value
