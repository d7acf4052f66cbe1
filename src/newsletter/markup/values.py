"""What a literal value means: number, URL, ISO 8601 date-time, ISO 4217 code, enumeration member.

Microdata gives text and JSON-LD may give text or numbers, so every check works on the text;
each returns None when the value fits, or a sentence saying what is wrong with it.
"""

from __future__ import annotations

import re
from datetime import datetime

from .model import Literal

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HAS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
SCHEMA_URL = re.compile(r"^(https?://schema\.org/|schema:)", re.IGNORECASE)
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "CHF": "CHF", "FR": "EUR", "EURO": "EUR", "EUROS": "EUR"}


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 date or date-time (a trailing Z is UTC), or None."""
    text = text.strip()
    if not (_DATE.match(text) or _HAS_TIME.match(text)):
        return None
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None


def number_problem(value: Literal) -> str | None:
    if isinstance(value.value, bool):
        return "a boolean is not a number"
    if isinstance(value.value, (int, float)):
        return None
    text = value.text.strip()
    if _NUMBER.match(text):
        return None
    if _DECIMAL_COMMA.match(text):
        return f"{text!r} uses a decimal comma; write {text.replace(',', '.')!r}"
    return f"{text!r} is not a number (write digits with a dot, no currency sign: 29.99)"


def url_problem(value: Literal) -> str | None:
    text = value.text.strip()
    if _URL.match(text):
        return None
    return f"{text!r} is not an absolute http(s) URL"


def datetime_problem(value: Literal, *, date_allowed: bool) -> tuple[str, str] | None:
    """(rule, message): M010 for a missing time zone, M007 for something that is no date at all."""
    text = value.text.strip()
    parsed = parse_datetime(text)
    if parsed is None:
        return "M007", f"{text!r} is not an ISO 8601 date-time (e.g. 2025-12-31T23:59:00+01:00)"
    if _DATE.match(text):
        if date_allowed:
            return None
        return "M010", f"{text!r} is a date without a time and time zone"
    if parsed.tzinfo is None:
        return "M010", f"{text!r} has no time zone offset (add +01:00, Z, ...)"
    return None


def date_problem(value: Literal) -> str | None:
    return None if parse_datetime(value.text) else f"{value.text.strip()!r} is not an ISO 8601 date (YYYY-MM-DD)"


def currency_problem(value: Literal, codes: frozenset[str]) -> str | None:
    text = value.text.strip()
    if text in codes:
        return None
    if text.upper() in codes:
        return f"{text!r} must be upper case: {text.upper()!r}"
    hint = _SYMBOLS.get(text.upper())
    suffix = f"; write {hint!r}" if hint else ""
    return f"{text!r} is not an ISO 4217 currency code{suffix}"


def boolean_problem(value: Literal) -> str | None:
    if isinstance(value.value, bool):
        return None
    text = SCHEMA_URL.sub("", value.text.strip()).lower()
    return None if text in ("true", "false") else f"{value.text!r} is not a boolean (true or false)"


def enumeration_problem(value: Literal, name: str, members: frozenset[str]) -> str | None:
    text = value.text.strip()
    short = SCHEMA_URL.sub("", text)
    if short in members:
        return None
    for member in members:
        if member.lower() == short.lower():
            return f"{text!r} must be written http://schema.org/{member}"
    return f"{text!r} is not a {name} (one of: {', '.join(sorted(members))})"
