"""The embedded store: one SQLite file that keeps every report read, once.

A report is keyed by its kind, its reporter, its policy domain and its report id (RFC 9990
section 2.1.7: unique among a reporter's reports to a domain), so reading the same mailbox twice
counts nothing twice. A report is stored whole or not at all (a savepoint), its records streamed
in batches: memory stays flat whatever its size. Reports are committed together, every second
and when the store is closed: one disk sync for a mailbox of small reports, not one each (what a
crash loses is read again next time, once). Plain tables and columns, so another engine can read
the file as it is.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Iterator

from ..errors import NewsletterError
from .aggregate import AggregateReading
from .model import DmarcRecord, TlsReport

SCHEMA_VERSION = 1
_BATCH = 2000
_COMMIT_EVERY = 1.0  # seconds of reading between commits: a crash costs at most that, read again

_SCHEMA = """
CREATE TABLE report (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                 -- dmarc or tls
    reporter TEXT NOT NULL,             -- org_name (or its address), lower case
    domain TEXT NOT NULL,               -- DMARC policy domain ('' for TLS: see tls_policy)
    report_id TEXT NOT NULL,
    org_name TEXT NOT NULL, email TEXT, extra_contact_info TEXT,
    begin INTEGER NOT NULL, "end" INTEGER NOT NULL,   -- seconds since the epoch, UTC
    format TEXT, version TEXT, generator TEXT, errors TEXT,          -- errors: JSON list
    p TEXT, sp TEXT, np TEXT, pct INTEGER, adkim TEXT, aspf TEXT, fo TEXT,
    testing TEXT, psd TEXT, discovery_method TEXT,
    origin TEXT NOT NULL,               -- where it was read first
    imported INTEGER NOT NULL,
    UNIQUE (kind, reporter, domain, report_id)
);
CREATE TABLE dmarc_row (
    report INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
    source_ip TEXT NOT NULL, count INTEGER NOT NULL,
    disposition TEXT NOT NULL, dkim TEXT NOT NULL, spf TEXT NOT NULL,  -- as DMARC evaluated them
    header_from TEXT NOT NULL, envelope_from TEXT, envelope_to TEXT,
    dkim_auth TEXT NOT NULL, spf_auth TEXT NOT NULL,  -- best raw results, aligned or not
    reasons TEXT, dkim_results TEXT, spf_results TEXT  -- JSON lists
);
CREATE INDEX dmarc_row_report ON dmarc_row(report);
CREATE TABLE tls_policy (
    report INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
    policy_type TEXT NOT NULL, policy_domain TEXT NOT NULL,
    successful INTEGER NOT NULL, failed INTEGER NOT NULL,
    policy_strings TEXT, mx_hosts TEXT,                -- JSON lists
    failures TEXT                                      -- JSON list of failure details
);
CREATE INDEX tls_policy_report ON tls_policy(report);
"""


@dataclass(frozen=True)
class Imported:
    """A report read: stored now (`new`), or already there."""

    location: str
    kind: str
    reporter: str
    report_id: str
    domain: str
    new: bool
    rows: int


class ReportStore:
    """A SQLite file of reports. Use as a context manager, or call `close()`."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._began = 0.0  # when the open write transaction began
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise NewsletterError("not a report store: a SQLite file with other tables",
                                          path=self.path, fix="give --db a new file")
                self.db.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            elif version != SCHEMA_VERSION:
                raise NewsletterError(f"report store of schema {version}, this version reads {SCHEMA_VERSION}",
                                      path=self.path, fix="give --db a new file")
        except sqlite3.DatabaseError as exc:
            raise NewsletterError(f"cannot open the report store: {exc}", path=self.path,
                                  fix="give --db a SQLite file made by this command, or a new one") from None
        except OSError as exc:
            raise NewsletterError(f"cannot open the report store: {exc.strerror or exc}", path=self.path) from None

    def close(self) -> None:
        """Commit the reports read (each one whole: a report being read when an error stopped
        the reading was rolled back to its savepoint), then close."""
        self.commit()
        self.db.close()

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def __enter__(self) -> "ReportStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_aggregate(self, reading: AggregateReading, origin: str) -> Imported:
        """Store a DMARC report, unless it is already there; records streamed in batches."""
        header = reading.header
        meta, policy = header.metadata, header.policy
        key = ("dmarc", meta.reporter, policy.domain, meta.report_id)
        with self._report():
            if self._known(key):
                return Imported(origin, "dmarc", meta.reporter, meta.report_id, policy.domain, False, 0)
            cursor = self.db.execute(
                "INSERT INTO report (kind, reporter, domain, report_id, org_name, email, "
                "extra_contact_info, begin, \"end\", format, version, generator, errors, p, sp, np, pct, "
                "adkim, aspf, fo, testing, psd, discovery_method, origin, imported) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, meta.org_name, meta.email,
                 meta.extra_contact_info, meta.begin, meta.end, header.format, header.version,
                 meta.generator, json.dumps(list(meta.errors)), policy.p, policy.sp, policy.np,
                 policy.pct, policy.adkim, policy.aspf, policy.fo, policy.testing, policy.psd,
                 policy.discovery_method, origin, int(time.time())))
            report = cursor.lastrowid
            rows = 0
            records = iter(reading.records)
            while batch := list(islice(records, _BATCH)):
                self.db.executemany(
                    "INSERT INTO dmarc_row VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [_row(report, record) for record in batch])
                rows += len(batch)
        return Imported(origin, "dmarc", meta.reporter, meta.report_id, policy.domain, True, rows)

    def add_tls(self, report: TlsReport, origin: str) -> Imported:
        domains = ", ".join(sorted({p.policy_domain for p in report.policies}))
        key = ("tls", report.reporter, "", report.report_id)
        with self._report():
            if self._known(key):
                return Imported(origin, "tls", report.reporter, report.report_id, domains, False, 0)
            cursor = self.db.execute(
                "INSERT INTO report (kind, reporter, domain, report_id, org_name, email, begin, \"end\", "
                "origin, imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, report.organization_name, report.contact_info, report.begin, report.end, origin,
                 int(time.time())))
            self.db.executemany(
                "INSERT INTO tls_policy VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(cursor.lastrowid, p.policy_type, p.policy_domain, p.successful, p.failed,
                  json.dumps(list(p.policy_strings)), json.dumps(list(p.mx_hosts)),
                  _json(p.failures) or "[]") for p in report.policies])
        return Imported(origin, "tls", report.reporter, report.report_id, domains, True,
                        len(report.policies))

    def _known(self, key: tuple[str, str, str, str]) -> bool:
        return self.db.execute("SELECT 1 FROM report WHERE kind = ? AND reporter = ? AND domain = ? "
                               "AND report_id = ?", key).fetchone() is not None

    @contextmanager
    def _report(self) -> Iterator[None]:
        """One report, stored whole or not at all, in the write transaction of many."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self._began = time.monotonic()
        self.db.execute("SAVEPOINT report")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO report")
            self.db.execute("RELEASE report")
            raise
        self.db.execute("RELEASE report")
        if time.monotonic() - self._began >= _COMMIT_EVERY:
            self.commit()

    def query(self, sql: str, parameters: tuple = ()) -> Iterator[sqlite3.Row]:
        """Rows of a read-only query, as mappings (column name -> value)."""
        cursor = self.db.cursor()
        cursor.row_factory = sqlite3.Row
        yield from cursor.execute(sql, parameters)


def _row(report: int, record: DmarcRecord) -> tuple:
    return (report, record.source_ip, record.count, record.disposition, record.dkim, record.spf,
            record.header_from, record.envelope_from, record.envelope_to, record.dkim_auth,
            record.spf_auth, _json(record.reasons), _json(record.dkim_results), _json(record.spf_results))


def _json(values: tuple) -> str | None:
    """A record's parts for a JSON column: the fields each part gave (None when there are none)."""
    if not values:
        return None
    return json.dumps([{k: v for k, v in vars(value).items() if v is not None} for value in values])
