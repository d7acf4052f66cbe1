"""Recipient lists, streamed: CSV (`,` or `;`, UTF-8 with or without BOM) or JSON Lines.

A row that cannot be read (bad JSON, wrong number of fields, a quote left open, over a size limit
of `[recipients]` or `[data]`) is not an error for the file: it is a `Row` with an `error`,
reported and set aside by the caller, and the rows after it are read as they are (`records.py`). A file that cannot be read at all
(missing, not UTF-8, no `email` column) is a `NewsletterError`.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Iterator, NamedTuple, TextIO

from .. import bounded_json
from ..errors import NewsletterError
from ..limits import input_limits
from ..headers import first_unsafe
from .records import Lines, csv_records, row_test


class Row(NamedTuple):  # a tuple: one is made a row, and tuples are made fastest
    number: int  # 1-based position among the recipients (the header is not a recipient)
    line: int  # the file line where the row starts
    data: dict[str, Any] | None  # None when the row could not be read
    error: str | None = None


# Whitespace but the no-break spaces, which French typography puts in « -50 % » and « 10 h 30 »
_BREAKING_SPACES = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def fold_spaces(value: str) -> str:
    """Runs of whitespace (a CSV cell's line breaks among them) as one space, none at the ends;
    a no-break space is kept where it is, as any other character."""
    if value.isprintable():  # its only whitespace is the space: C's loops
        return " ".join(value.split())
    return _BREAKING_SPACES.sub(" ", value).strip(" ")


def normalise(value: Any) -> Any:
    """Recipient values as they will be used: whitespace folded (`fold_spaces`). Nested JSON
    values are normalised through."""
    if isinstance(value, str):
        # A value with a control character is left as it is: the row check refuses it by name.
        return value if first_unsafe(value, header=False) else fold_spaces(value)
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def read_recipients(path: Path) -> Iterator[Row]:
    """The rows of a `.csv` or `.jsonl`/`.ndjson` file, in order."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".txt"):
        raise NewsletterError(
            f"unknown recipients format {suffix or '(no extension)'!r}", path=path,
            fix="give a .csv file with a header row, or a .jsonl file (one JSON object a line)",
        )
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise NewsletterError(f"cannot read recipients: {exc.strerror}", path=path) from None
    with handle:
        reader = _read_jsonl(handle) if suffix in (".jsonl", ".ndjson") else _read_csv(handle, path)
        try:
            yield from reader
        except UnicodeDecodeError:
            line, column, byte = _first_not_utf8(path) or (None, None, None)
            raise NewsletterError(
                "the recipients file is not UTF-8" + (f" (byte 0x{byte:02x})" if byte is not None else ""),
                path=path, line=line, column=column,
                fix="export it as 'CSV UTF-8' (Excel) or convert it with iconv -f cp1252 -t utf-8",
            ) from None


def _first_not_utf8(path: Path) -> tuple[int, int, int] | None:
    """Line, column (in bytes) and value of the first byte that is not UTF-8, read a MiB at a
    time: the text reader that met it knows neither (it decodes by blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, line_start, offset = 1, 0, 0  # offset: where the chunk starts in the file
    with path.open("rb") as handle:
        for chunk in itertools.chain(iter(lambda: handle.read(1 << 20), b""), [b""]):
            carried = len(decoder.getstate()[0])  # a character's first bytes, cut by the last chunk's end
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data, at = exc.object, exc.start  # data: the carried bytes, then the chunk
                line += data.count(b"\n", 0, at)
                newline = data.rfind(b"\n", 0, at)
                column = at - newline if newline >= 0 else offset - carried + at - line_start + 1
                return line, column, data[at]
            line += chunk.count(b"\n")
            if (newline := chunk.rfind(b"\n")) >= 0:
                line_start = offset + newline + 1
            offset += len(chunk)
    return None  # decoded whole this time: the file changed while it was read


def count_rows(path: Path) -> int:
    """About how many rows the file has (lines, less the CSV header): for progress and ETA."""
    try:
        with path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0
    return max(lines - (1 if path.suffix.lower() == ".csv" else 0), 0)


def _read_jsonl(handle: TextIO) -> Iterator[Row]:
    limit = input_limits("recipients")["max_row_chars"]
    lines = Lines(handle, limit)
    number = 0
    for piece in lines:
        if not piece.ends_line:
            lines.skip_line()
            number += 1
            yield Row(number, piece.line, None, f"the line is longer than the limit of {limit:,} characters")
            continue
        if not piece.text.strip():
            continue
        number += 1
        try:
            data = bounded_json.loads(piece.text)
        except json.JSONDecodeError as exc:
            yield Row(number, piece.line, None, f"invalid JSON at column {exc.colno}: {exc.msg}")
            continue
        except bounded_json.JsonLimitError as exc:
            yield Row(number, piece.line, None, f"{exc.what} at column {exc.column}; {exc.fix}")
            continue
        if not isinstance(data, dict):
            yield Row(number, piece.line, None, "the line is not a JSON object")
            continue
        yield Row(number, piece.line, normalise(data))


def _read_csv(handle: TextIO, path: Path) -> Iterator[Row]:
    limits = input_limits("recipients")
    lines = Lines(handle, limits["max_row_chars"])
    first = next(lines, None)
    if first is None or not first.text.strip():
        raise NewsletterError("the recipients file is empty: no header row", path=path, line=1,
                              fix="the first line names the columns, e.g. email,first_name")
    if not first.ends_line:
        raise NewsletterError(f"the header is longer than the limit of {limits['max_row_chars']:,} characters",
                              path=path, line=1, fix="the first line names the columns, e.g. email,first_name")
    delimiter = _delimiter(first.text)
    header = [unicodedata.normalize("NFC", name.strip()) for name in next(csv.reader([first.text], delimiter=delimiter))]
    columns = ["email" if name.lower() == "email" else name for name in header]
    if "email" not in columns:
        raise NewsletterError(
            f"no 'email' column in the header ({', '.join(header)})", path=path, line=1,
            fix="name the column with the addresses 'email'",
        )
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates or "" in columns:
        raise NewsletterError(
            f"the header has {'duplicate columns ' + ', '.join(duplicates) if duplicates else 'an unnamed column'}",
            path=path, line=1, fix="give every column a distinct name",
        )
    email_at = columns.index("email")
    is_row = row_test(delimiter, len(columns), email_at)
    number = 0
    for record in csv_records(lines, delimiter, is_row, limits["max_row_chars"], limits["max_field_chars"]):
        if record.fields is not None and record.fields in ([], [""]):
            continue
        number += 1
        reason = record.error or _field_problem(record.fields, columns, email_at, limits["max_field_chars"])
        if reason:
            yield Row(number, record.line, None, reason)
        elif (flat := "".join(record.fields)).isprintable():  # the usual row: nothing unsafe, only spaces
            # folded as `normalise` folds them, in C's loops
            yield Row(number, record.line, dict(zip(columns, map(" ".join, map(str.split, record.fields)))))
        elif first_unsafe(flat, header=False) is None:
            yield Row(number, record.line, dict(zip(columns, map(fold_spaces, record.fields))))
        else:
            yield Row(number, record.line, {name: normalise(value) for name, value in zip(columns, record.fields)})


def _field_problem(fields: list[str], columns: list[str], email_at: int, limit: int) -> str | None:
    """Why a record's fields are not a recipient's values, if they are not."""
    if len(fields) != len(columns):
        return f"{len(fields)} fields where the header has {len(columns)}"
    if max(map(len, fields)) > limit:
        name, value = next((n, v) for n, v in zip(columns, fields) if len(v) > limit)
        return f"the '{name}' field is longer than the limit of {limit:,} characters ({len(value):,})"
    if "\n" in fields[email_at] or "\r" in fields[email_at]:
        return "the email field runs over several lines: a quote is not closed where it should be"
    return None


def _delimiter(header: str) -> str:
    """`;` (French spreadsheet exports), `,` or a tab: whichever separates the header more."""
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    return max((";", ",", "\t"), key=outside_quotes.count)
