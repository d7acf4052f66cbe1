"""Quoted-printable bodies: encoded once per campaign, but for the lines that hold a recipient value.

Encoding a 13 KB message body was a quarter of a bulk message's cost. `binascii.b2a_qp` (text
mode) counts a line's length afresh after each line break and looks no further ahead than the next
line break, so the encoding of a body is the encodings of its lines joined: a body without CR
(a CRLF would switch the encoder to CRLF line ends). A compiled campaign's body is static text
and slots; each line without a slot is encoded once, and per recipient only the lines that hold a
value are: the result is byte for byte what encoding the filled body whole gives.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from typing import Sequence

# A line that holds a slot: the end of the piece before it, then `parts[start:end]` (the pieces
# it holds whole, slots and static text), then the start of the piece that ends it.
ValueLine = tuple[str, int, int, str]


def quoted_printable(body: str) -> bytes:
    """`body` (UTF-8) quoted-printable, CRLF line ends."""
    return _encode(body.replace("\r\n", "\n"))


def _encode(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True).replace(b"\n", b"\r\n")


@dataclass(frozen=True)
class EncodedBody:
    """A body of static text pieces and slots (any other piece): its slot-free lines encoded,
    around the lines that hold a slot."""

    statics: tuple[bytes, ...] | None  # before, between and after the value lines; None: encode whole
    lines: tuple[ValueLine, ...] = ()

    @classmethod
    def of(cls, pieces: Sequence[object]) -> "EncodedBody":
        if any(isinstance(piece, str) and "\r" in piece for piece in pieces):
            return cls(None)  # a static CR: the encoder's line ends change
        statics: list[bytes] = [b""]
        lines: list[ValueLine] = []
        tail, start = "", 0  # the line being read: `tail`, then pieces[start:...]

        def end_line(end: int, head: str) -> None:
            if any(not isinstance(piece, str) for piece in pieces[start:end]):
                lines.append((tail, start, end, head))
                statics.append(b"")
            else:
                statics[-1] += _encode(tail + "".join(pieces[start:end]) + head)  # type: ignore[arg-type]

        for index, piece in enumerate(pieces):
            if not isinstance(piece, str) or "\n" not in piece:
                continue
            first, _, rest = piece.partition("\n")
            end_line(index, first + "\n")
            middle, newline, last = rest.rpartition("\n")
            if newline:
                statics[-1] += _encode(middle + "\n")
            tail, start = last, index + 1
        end_line(len(pieces), "")
        return cls(tuple(statics), tuple(lines))

    def encode(self, parts: Sequence[str]) -> bytes:
        """`quoted_printable("".join(parts))`, where `parts` are the pieces, filled."""
        if self.statics is None:
            return quoted_printable("".join(parts))
        encoded = [self.statics[0]]
        for (tail, start, end, head), static in zip(self.lines, self.statics[1:]):
            line = tail + "".join(parts[start:end]) + head
            if "\r" in line:  # only a value brings one: the encoder's line ends change, encode it whole
                return quoted_printable("".join(parts))
            encoded += (_encode(line), static)
        return b"".join(encoded)
