"""SPF record syntax (RFC 7208 sections 4.5, 4.6, 5, 6, 12): parse a whole record up front.

RFC 7208 4.6: a syntax error anywhere in the record is a permerror, even after a matching
mechanism, so the evaluator always parses first. Errors carry the offset in the record.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Union

from .macros import MacroError, MacroString, parse_macro_string

QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
DNS_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})

_TERM = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9_.\-]*)(.*)", re.S)
_DUAL_CIDR = re.compile(r"(.*?)(?:/(\d+))?(?://(\d+))?", re.S)
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"({_QNUM}(?:\.{_QNUM}){{3}})(?:/(\d+))?", re.S)
_IP6 = re.compile(r"([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?:/(\d+))?", re.S)
_TOPLABEL = re.compile(r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])")


class SpfSyntaxError(ValueError):
    """A record that does not follow the grammar; `offset` is 0-based in the record."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Mechanism:
    qualifier: str  # '+', '-', '~' or '?'
    kind: str  # one of MECHANISMS, lower case
    text: str
    offset: int
    domain: MacroString | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    cidr4: int | None = None
    cidr6: int | None = None

    @property
    def result(self) -> str:
        return QUALIFIERS[self.qualifier]

    @property
    def queries_dns(self) -> bool:
        return self.kind in DNS_MECHANISMS


@dataclass(frozen=True)
class Modifier:
    name: str  # lower case
    value: MacroString
    text: str
    offset: int


Term = Union[Mechanism, Modifier]


@dataclass(frozen=True)
class SpfRecord:
    text: str
    terms: tuple[Term, ...]

    @property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        return tuple(t for t in self.terms if isinstance(t, Mechanism))

    def modifier(self, name: str) -> Modifier | None:
        return next((t for t in self.terms if isinstance(t, Modifier) and t.name == name), None)

    @property
    def redirect(self) -> Modifier | None:
        return self.modifier("redirect")

    @property
    def explanation(self) -> Modifier | None:
        return self.modifier("exp")


def is_spf_record(joined: bytes) -> bool:
    """RFC 7208 4.5: starts with 'v=spf1' (any case) followed by a space or the end."""
    return joined[:6].lower() == b"v=spf1" and (len(joined) == 6 or joined[6:7] == b" ")


def parse_record(text: str) -> SpfRecord:
    """Parse a whole SPF record; raise SpfSyntaxError at the first fault."""
    if not is_spf_record(text.encode("latin-1", errors="replace")):
        raise SpfSyntaxError("record does not start with 'v=spf1'", 0)
    bad = next((i for i, c in enumerate(text) if not 0x20 <= ord(c) <= 0x7E), None)
    if bad is not None:
        what = "non-ASCII" if ord(text[bad]) > 0x7E else "control"
        raise SpfSyntaxError(f"{what} character {text[bad]!r} at column {bad + 1}", bad)
    terms: list[Term] = []
    seen_modifiers: set[str] = set()
    for match in re.finditer(r"[^ ]+", text[6:]):
        offset = match.start() + 6
        term = _parse_term(match.group(), offset)
        if isinstance(term, Modifier) and term.name in ("redirect", "exp"):
            if term.name in seen_modifiers:
                raise SpfSyntaxError(f"'{term.name}=' appears more than once", offset)
            seen_modifiers.add(term.name)
        terms.append(term)
    return SpfRecord(text, tuple(terms))


def _parse_term(text: str, offset: int) -> Term:
    match = _TERM.fullmatch(text)
    if not match:
        raise SpfSyntaxError(f"invalid term {text!r}", offset)
    qualifier, name, rest = match.groups()
    lname = name.lower()
    if rest.startswith("=") and not qualifier:
        value = rest[1:]
        value_offset = offset + len(name) + 1
        if lname in ("redirect", "exp"):
            return Modifier(lname, _domain_spec(value, value_offset, text), text, offset)
        try:
            return Modifier(lname, parse_macro_string(value), text, offset)
        except MacroError as exc:
            raise SpfSyntaxError(f"in {text!r}: {exc}", value_offset + exc.offset) from None
    if lname not in MECHANISMS:
        raise SpfSyntaxError(f"unknown mechanism {text!r}", offset)
    qualifier = qualifier or "+"
    arg_offset = offset + len(match.group(1)) + len(name)
    build = dict(qualifier=qualifier, kind=lname, text=text, offset=offset)
    if lname == "all":
        if rest:
            raise SpfSyntaxError(f"'all' takes no argument: {text!r}", arg_offset)
        return Mechanism(**build)
    if lname in ("include", "exists"):
        if not rest.startswith(":"):
            raise SpfSyntaxError(f"'{lname}' needs ':domain': {text!r}", arg_offset)
        return Mechanism(**build, domain=_domain_spec(rest[1:], arg_offset + 1, text))
    if lname == "ptr":
        if rest and not rest.startswith(":"):
            raise SpfSyntaxError(f"invalid 'ptr' argument: {text!r}", arg_offset)
        domain = _domain_spec(rest[1:], arg_offset + 1, text) if rest else None
        return Mechanism(**build, domain=domain)
    if lname in ("a", "mx"):
        spec, cidr4, cidr6 = _DUAL_CIDR.fullmatch(rest).groups()  # type: ignore[union-attr]
        if spec and not spec.startswith(":"):
            raise SpfSyntaxError(f"invalid '{lname}' argument: {text!r}", arg_offset)
        domain = _domain_spec(spec[1:], arg_offset + 1, text) if spec else None
        return Mechanism(**build, domain=domain, cidr4=_cidr(cidr4, 32, text, offset),
                         cidr6=_cidr(cidr6, 128, text, offset))
    if lname == "ip4":
        found = _IP4.fullmatch(rest[1:]) if rest.startswith(":") else None
        if not found:
            raise SpfSyntaxError(f"invalid IPv4 network in {text!r}", arg_offset + 1)
        prefix = _cidr(found.group(2), 32, text, offset)
        network = ipaddress.IPv4Network(f"{found.group(1)}/{32 if prefix is None else prefix}",
                                        strict=False)
        return Mechanism(**build, network=network)
    found = _IP6.fullmatch(rest[1:]) if rest.startswith(":") else None
    try:
        address = ipaddress.IPv6Address(found.group(1)) if found else None
    except ValueError:
        address = None
    if address is None:
        raise SpfSyntaxError(f"invalid IPv6 network in {text!r}", arg_offset + 1)
    prefix = _cidr(found.group(2), 128, text, offset)  # type: ignore[union-attr]
    network = ipaddress.IPv6Network(f"{address}/{128 if prefix is None else prefix}", strict=False)
    return Mechanism(**build, network=network)


def _cidr(digits: str | None, limit: int, text: str, offset: int) -> int | None:
    if digits is None:
        return None
    if (len(digits) > 1 and digits[0] == "0") or int(digits) > limit:
        raise SpfSyntaxError(f"invalid prefix length /{digits} in {text!r}", offset)
    return int(digits)


def _domain_spec(value: str, offset: int, term: str) -> MacroString:
    """RFC 7208 7.1: domain-spec = macro-string domain-end."""
    if not value:
        raise SpfSyntaxError(f"empty domain in {term!r}", offset)
    try:
        spec = parse_macro_string(value)
    except MacroError as exc:
        raise SpfSyntaxError(f"in {term!r}: {exc}", offset + exc.offset) from None
    if spec.ends_with_expand:
        return spec
    tail = value[:-1] if value.endswith(".") else value
    head, dot, toplabel = tail.rpartition(".")
    if not dot or not head or not _TOPLABEL.fullmatch(toplabel):
        raise SpfSyntaxError(
            f"domain {value!r} in {term!r} must end in a valid top-level label"
            + (" (an IP address belongs in ip4:)" if re.fullmatch(r"[\d.]+", value) else ""),
            offset)
    return spec
