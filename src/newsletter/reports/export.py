"""The stored rows, flat, for any engine a larger sender already runs (a spreadsheet, a SQL
warehouse, Elasticsearch): one DMARC record or one TLS policy per row, with its report's fields."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterator

from .model import utc
from .store import ReportStore
from .summary import Window
from ..json_lines import json_line

DMARC_COLUMNS = (
    "reporter", "report_id", "begin", "end", "domain", "p", "sp", "np", "pct", "adkim", "aspf", "testing",
    "source_ip", "count", "disposition", "dkim", "spf", "header_from", "envelope_from", "envelope_to",
    "dkim_auth", "spf_auth", "dkim_results", "spf_results", "reasons", "origin",
)
TLS_COLUMNS = ("reporter", "report_id", "begin", "end", "policy_type", "policy_domain", "successful",
               "failed", "mx_hosts", "failures", "origin")
_JSON_COLUMNS = {"dkim_results", "spf_results", "reasons", "mx_hosts", "failures"}


def rows(store: ReportStore, kind: str, window: Window = Window()) -> Iterator[dict[str, Any]]:
    """The rows of `kind` ("dmarc" or "tls") in the window, oldest report first."""
    if kind == "dmarc":
        where, values = window.where()
        sql = (f"SELECT {', '.join(_qualified(c) for c in DMARC_COLUMNS)} FROM dmarc_row d "
               f"JOIN report r ON r.id = d.report WHERE r.kind = 'dmarc'{where} ORDER BY r.begin, r.id, d.rowid")
    else:
        where, values = window.where("p", "policy_domain")
        where = where.replace("p.begin", "r.begin")
        sql = (f"SELECT {', '.join(_qualified(c, 'p') for c in TLS_COLUMNS)} FROM tls_policy p "
               f"JOIN report r ON r.id = p.report WHERE r.kind = 'tls'{where} ORDER BY r.begin, r.id, p.rowid")
    for row in store.query(sql, values):
        record = dict(row)
        record["begin"] = utc(record["begin"]).isoformat().replace("+00:00", "Z")
        record["end"] = utc(record["end"]).isoformat().replace("+00:00", "Z")
        yield record


def _qualified(column: str, own: str = "d") -> str:
    report_columns = {"reporter", "report_id", "begin", "end", "domain", "p", "sp", "np", "pct", "adkim",
                      "aspf", "testing", "origin"}
    return f'r."{column}"' if column in report_columns else f"{own}.{column}"


def json_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """One JSON object a line; the JSON columns as JSON, not as strings."""
    for record in records:
        yield json_line({k: json.loads(v) if k in _JSON_COLUMNS and v else v for k, v in record.items()}) + "\n"


def csv_lines(records: Iterator[dict[str, Any]], columns: tuple[str, ...]) -> Iterator[str]:
    """A header, then one line a row; values a spreadsheet would run as formulas are quoted with '."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: _cell(v) for k, v in record.items()})
        yield buffer.getvalue()


def _cell(value: Any) -> Any:
    """Reports come from strangers: a value starting with = + - @ would be a formula in a spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
