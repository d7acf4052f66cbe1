"""Recipient lists, streamed: CSV (`,` or `;`, UTF-8 with or without BOM) or JSON Lines.

A row that cannot be read (bad JSON, wrong number of fields) is not an error for the file: it is
a `Row` with an `error`, reported and set aside by the caller. A file that cannot be read at all
(missing, not UTF-8, no `email` column) is a `NewsletterError`.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, TextIO

from ..errors import NewsletterError
from .headers import first_unsafe


@dataclass(frozen=True)
class Row:
    number: int  # 1-based position among the recipients (the header is not a recipient)
    line: int  # the file line where the row starts
    data: dict[str, Any] | None  # None when the row could not be read
    error: str | None = None


def normalise(value: Any) -> Any:
    """Recipient values as they will be used: whitespace runs (a CSV cell's line breaks among
    them) folded to one space, no space at the ends. Nested JSON values are normalised through."""
    if isinstance(value, str):
        # A value with a control character is left as it is: the row check refuses it by name.
        return value if first_unsafe(value, header=False) else " ".join(value.split())
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
            raise NewsletterError(
                "the recipients file is not UTF-8", path=path,
                fix="export it as 'CSV UTF-8' (Excel) or convert it with iconv -f cp1252 -t utf-8",
            ) from None


def count_rows(path: Path) -> int:
    """About how many rows the file has (lines, less the CSV header): for progress and ETA."""
    try:
        with path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0
    return max(lines - (1 if path.suffix.lower() == ".csv" else 0), 0)


def _read_jsonl(handle: TextIO) -> Iterator[Row]:
    number = 0
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        number += 1
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Row(number, line_number, None, f"invalid JSON at column {exc.colno}: {exc.msg}")
            continue
        if not isinstance(data, dict):
            yield Row(number, line_number, None, "the line is not a JSON object")
            continue
        yield Row(number, line_number, normalise(data))


def _read_csv(handle: TextIO, path: Path) -> Iterator[Row]:
    first = handle.readline()
    if not first.strip():
        raise NewsletterError("the recipients file is empty: no header row", path=path, line=1,
                              fix="the first line names the columns, e.g. email,first_name")
    delimiter = _delimiter(first)
    header = [unicodedata.normalize("NFC", name.strip()) for name in next(csv.reader([first], delimiter=delimiter))]
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
    reader = csv.reader(handle, delimiter=delimiter)
    number = 0
    previous_end = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield Row(number, previous_end + 1, None, f"unreadable CSV: {exc}")
            previous_end = reader.line_num + 1
            continue
        start, previous_end = previous_end + 1, reader.line_num + 1
        if not fields or fields == [""]:
            continue
        number += 1
        if len(fields) != len(columns):
            yield Row(number, start, None, f"{len(fields)} fields where the header has {len(columns)}")
            continue
        yield Row(number, start, {name: normalise(value) for name, value in zip(columns, fields)})


def _delimiter(header: str) -> str:
    """`;` (French spreadsheet exports), `,` or a tab: whichever separates the header more."""
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    return max((";", ",", "\t"), key=outside_quotes.count)
