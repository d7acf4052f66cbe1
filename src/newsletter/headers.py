"""The characters no header may hold, and the one check that keeps them out.

Python's own `email` parser splits header lines at more than CR and LF: VT, FF, FS, GS, RS, NEL,
U+2028 and U+2029 end a line for `str.splitlines`, so `Eve<VT>Bcc: x` comes back as a real
`Bcc:` header; NUL, DEL and ESC have no place in a header either. Every header value we write
(flags, configuration, template blocks, recipient data) goes through `check_header_value` or
`first_unsafe`: one character class, one wording of the error.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import NewsletterError

# C0 controls but TAB/LF/CR, DEL, C1 controls (NEL among them), the Unicode line and paragraph
# separators, lone surrogates (not encodable) and the two noncharacters XML refuses.
_UNSAFE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff"
_IN_DATA = re.compile(f"[{_UNSAFE}]")
_IN_HEADER = re.compile(f"[\t\n\r{_UNSAFE}]")  # a header value is one line: no TAB, CR or LF either
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")
_SHOWN = 60  # characters of an offending value quoted in the error

FIX = ("remove it: a header value is one line of printable text (a line break or control character "
       "could inject a header)")


class UnsafeCharacter(NewsletterError):
    """A value for a header holds a character no header may hold."""

    def __init__(self, character: str, where: str, value: str, *, path: str | Path | None = None) -> None:
        self.character = character
        self.where = where
        shown = value if len(value) <= _SHOWN else value[:_SHOWN] + "…"
        super().__init__(f"{describe(character)} in {where}: {shown!r}", path=path, fix=FIX)


def first_unsafe(value: str, *, header: bool = True) -> str | None:
    """The first character of `value` that may not reach a header, or None. `header=False`: for
    recipient data, where TAB, CR and LF are whitespace the reader folds to one space."""
    if value.isprintable():  # no control, separator, surrogate or unassigned character: none is unsafe
        return None
    match = (_IN_HEADER if header else _IN_DATA).search(value)
    return match.group() if match else None


def check_header_value(header: str, value: str, *, source: str | None = None,
                       path: str | Path | None = None) -> str:
    """`value`, unchanged, or `UnsafeCharacter` naming the header (and where the value came from)."""
    character = first_unsafe(value)
    if character is not None:
        where = f"the {header} header" + (f" (from {source})" if source else "")
        raise UnsafeCharacter(character, where, value, path=path)
    return value


def check_header_values(values: Sequence[tuple[str, str]]) -> None:
    """`check_header_value` for each (header, value): one search over them all, as a message's
    own values are checked (the header is named only when one holds a bad character)."""
    if first_unsafe("".join([value for _, value in values])) is not None:
        for header, value in values:
            check_header_value(header, value)


def unsafe_recipient_value(data: Mapping[str, Any], prefix: str = "") -> str | None:
    """Why a recipient row is refused for its characters (naming the column), or None. Any column
    may end in a header (display name, subject, unsubscribe URL), so every string is checked."""
    try:
        if first_unsafe("".join(data.values()), header=False) is None:  # a row of strings: one search
            return None
    except TypeError:  # a value that is not a string: each one on its own
        pass
    for key, value in data.items():
        if isinstance(value, str):
            character = first_unsafe(value, header=False)
            if character is not None:
                return f"{describe(character)} in '{prefix}{key}': remove it from the list"
        elif isinstance(value, (dict, list)):
            items = value if isinstance(value, dict) else dict(enumerate(value))
            reason = unsafe_recipient_value(items, f"{prefix}{key}.")
            if reason:
                return reason
    return None


def describe(character: str) -> str:
    """`line break U+2028`, `control character U+000B`: what the user has to find and remove."""
    category = unicodedata.category(character)
    kind = (
        "line break" if character in _LINE_BREAKS
        else "lone surrogate" if category == "Cs"
        else "noncharacter" if category == "Cn"
        else "tab" if character == "\t"
        else "control character"
    )
    return f"{kind} U+{ord(character):04X}"
