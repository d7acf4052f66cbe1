"""The records of a recipients file, read within the row limit: lines, and CSV records, which a
quoted field may carry over several lines.

Python's `csv` reader, given a quote that is never closed, takes every following line into one
field: the rows after it vanish into one recipient's name (and are mailed to them), and at the end
of the file, out of strict mode, it does not even complain. Here record boundaries are found first,
by the same quoting rules, so that a field that runs on into a line that reads as a row of its
own ends there: the broken row is reported, and the rows it swallowed are read as rows. No line,
and no record, is held in memory past the row limit.
"""

from __future__ import annotations

import csv
import re
from typing import Callable, Iterator, NamedTuple, TextIO


class Piece(NamedTuple):  # a tuple: one is made per line, and tuples are made fastest
    line: int  # the file line it is (a part of)
    text: str
    ends_line: bool  # False: the line goes on in the next piece (it is longer than a row may be)


class Lines:
    """The file's lines with their numbers, read a piece of at most `limit` characters at a time;
    one piece can be put back."""

    def __init__(self, handle: TextIO, limit: int, number: int = 1) -> None:
        self._handle = handle
        self._limit = limit
        self._number = number
        self._back: Piece | None = None

    def __iter__(self) -> "Lines":
        return self

    def __next__(self) -> Piece:
        if self._back is not None:
            piece, self._back = self._back, None
            return piece
        text = self._handle.readline(self._limit)
        if not text:
            raise StopIteration
        ends = text[-1] in "\r\n" or len(text) < self._limit  # shorter: the end of the file
        piece = Piece(self._number, text, ends)
        self._number += ends
        return piece

    def put_back(self, piece: Piece) -> None:
        self._back = piece

    def skip_line(self) -> None:
        """Read past the rest of a line cut into pieces."""
        for piece in self:
            if piece.ends_line:
                return


class CsvRecord(NamedTuple):
    line: int  # where it starts
    fields: list[str] | None  # None when it cannot be read
    error: str | None = None


def csv_records(lines: Lines, delimiter: str, is_row: Callable[[str], bool], limit: int,
                field_limit: int) -> Iterator[CsvRecord]:
    """The CSV records of `lines`, each at most `limit` characters. `is_row(line)` tells a line
    that reads as a recipient's row: a quoted field that runs on into one is a quote left open.
    (`field_limit` only words the error of the csv module's own limit, which is higher.)"""
    for piece in lines:
        if piece.ends_line and '"' not in piece.text:  # most rows: one line, no quotes
            yield CsvRecord(piece.line, piece.text.rstrip("\r\n").split(delimiter))
            continue
        start, last = piece.line, piece
        parts: list[str] | None = [piece.text]
        size = len(piece.text)
        state = _scan(piece.text, _START, delimiter)
        error = None
        while state == _QUOTED or not last.ends_line:
            following = next(lines, None)
            if following is None:
                if state == _QUOTED:
                    error = f"a quote opened on line {start} is never closed (its field runs to the end of the file)"
                break
            if state == _QUOTED and last.ends_line and following.ends_line and is_row(following.text):
                lines.put_back(following)
                error = (f"a quote opened on line {start} is not closed before line {following.line}, "
                         "which reads as a row of its own")
                break
            state = _scan(following.text, state, delimiter)
            size += len(following.text)
            if size > limit:
                parts = None  # read on to the record's end, keeping nothing
            elif parts is not None and not last.ends_line:
                parts[-1] += following.text  # the csv module reads whole lines
            elif parts is not None:
                parts.append(following.text)
            last = following
        if error:
            yield CsvRecord(start, None, error + '; close the quote (a quote inside a value is written twice: "")')
        elif parts is None:
            yield CsvRecord(start, None, f"the row is longer than the limit of {limit:,} characters "
                                         f"(lines {start} to {last.line}): a quote not closed, or a value pasted by mistake")
        else:
            yield _parse(start, parts, delimiter, field_limit)


def _parse(start: int, lines: list[str], delimiter: str, field_limit: int) -> CsvRecord:
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        fields = next(reader)
        if next(reader, None) is None:
            return CsvRecord(start, fields)
        return CsvRecord(start, None, "unreadable CSV: the quotes do not pair up")
    except csv.Error as exc:
        if str(exc).startswith("field larger than field limit"):
            return CsvRecord(start, None, f"a field is longer than the limit of {field_limit:,} characters")
        return CsvRecord(start, None, f"unreadable CSV: {exc}")


# Where a line leaves the quoting, as the csv module reads it (excel dialect: a quote opens a
# field only at its start, and is written twice inside one).
_START, _UNQUOTED, _QUOTED, _QUOTE = range(4)


def _scan(text: str, state: int, delimiter: str) -> int:
    position, end = 0, len(text)
    while position < end:
        if state == _QUOTED:
            found = text.find('"', position)
            if found < 0:
                return _QUOTED
            state, position = _QUOTE, found + 1
        elif state == _QUOTE:  # a quote in a quoted field: written twice, or the field's end
            state = _QUOTED if text[position] == '"' else _UNQUOTED
            position += state == _QUOTED
        elif state == _START and text[position] == '"':
            state, position = _QUOTED, position + 1
        else:  # an unquoted field, or the rest of a quoted one: up to the next delimiter
            found = text.find(delimiter, position)
            if found < 0:
                return _UNQUOTED
            state, position = _START, found + 1
    return state


_ADDRESS = re.compile(r"[^@\s\"]+@[^@\s\"]+\.[^@\s\"]+")


def row_test(delimiter: str, width: int, email_at: int) -> Callable[[str], bool]:
    """Whether one line, alone, reads as a recipient's row: as many fields as the header, with an
    address in the email column."""

    def is_row(line: str) -> bool:
        try:
            fields = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            return False
        return len(fields) == width and _ADDRESS.fullmatch(fields[email_at].strip()) is not None

    return is_row
