"""Master zone files (`--zone`) read as untrusted input.

A zone file may come from anywhere: it is read within the `[zone]` bounds of
`checks/input-limits.toml` (bytes, then records after `$GENERATE`), must be UTF-8, and may not
`$INCLUDE` other files. Every problem is one `NewsletterError` naming the file and the line.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import dns.exception
import dns.rdatatype
import dns.zone

from ..errors import NewsletterError
from ..limits import input_limits

MAX_RDATA_BYTES = 65_535  # RDLENGTH is 16 bits (RFC 1035 3.2.1): no server can send more


def read_zone(path: str | Path, origin: str | None = None) -> dns.zone.Zone:
    """The zone in the master file at `path`; `origin` is used only when it has no $ORIGIN."""
    limits = input_limits("zone")
    text = _read_text(path, limits["max_bytes"])
    try:
        zone = _parse(text, path, None, limits["max_records"])
    except dns.zone.UnknownOrigin:
        if origin is None:
            raise NewsletterError("zone file has no $ORIGIN", path=path,
                                  fix="add '$ORIGIN example.com.' at the top, or name the domain "
                                      "on the command line") from None
        zone = _parse(text, path, origin, limits["max_records"])
    if zone.origin is None or not zone.nodes:
        raise NewsletterError("zone file has no records", path=path,
                              fix="add the records to check, e.g. '@ 3600 IN TXT \"v=spf1 -all\"'")
    for name, _, rdata in zone.iterate_rdatas():
        if len(rdata.to_wire()) > MAX_RDATA_BYTES:
            raise NewsletterError(
                f"the {dns.rdatatype.to_text(rdata.rdtype)} record of "
                f"{name.to_text(omit_final_dot=True)} is longer than DNS can carry "
                f"({MAX_RDATA_BYTES} bytes)", path=path, fix="shorten it")
    return zone


def _read_text(path: str | Path, max_bytes: int) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise NewsletterError(f"cannot read zone file: {exc.strerror}", path=path,
                              fix="check the path given to --zone") from None
    if len(data) > max_bytes:
        raise NewsletterError(f"zone file is larger than {max_bytes} bytes ([zone] max_bytes)",
                              path=path, fix="give a zone file with the records to check only")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a byte order mark is no record
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NewsletterError(f"zone file is not UTF-8 (byte 0x{data[exc.start]:02x})",
                              path=path, line=line, column=column,
                              fix="save it as UTF-8, or write other bytes as \\DDD escapes") \
            from None


class _RecordBudget:
    """dnspython checks every record it stores with this: past the limit the read stops, at the
    line being read (a `$GENERATE` line stops there too instead of expanding millions)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.records = 0

    def __call__(self, txn: object, name: object, rdataset: object) -> None:
        self.records += 1
        if self.records > self.limit:
            raise dns.exception.SyntaxError(f"more than {self.limit} records "
                                            "([zone] max_records)")


def _parse(text: str, path: str | Path, origin: str | None, max_records: int) -> dns.zone.Zone:
    """dnspython's reader, without $INCLUDE and within the record budget; NewsletterError for
    anything wrong but a missing origin."""
    source, budget = io.StringIO(text), _RecordBudget(max_records)

    class BoundedZone(dns.zone.Zone):
        def writer(self, replacement: bool = False) -> dns.zone.Transaction:
            txn = super().writer(replacement)
            txn.check_put_rdataset(budget)
            return txn

    try:
        return dns.zone.from_file(source, origin=origin, relativize=False, check_origin=False,
                                  zone_factory=BoundedZone, filename=str(path),
                                  allow_include=False)
    except dns.zone.UnknownOrigin:
        raise
    except (dns.exception.DNSException, ValueError) as exc:  # ValueError: an SOA off the origin
        what = re.sub(r"^\d+: ", "", str(exc).removeprefix(f"{path}:"))
        fix = ("check a zone file with the sender's records only" if budget.records > max_records
               else "give each file its own --zone" if "$INCLUDE" in what else None)
        raise NewsletterError(f"invalid zone file: {what}", path=path, line=_error_line(source),
                              fix=fix) from None


def _error_line(source: io.StringIO) -> int:
    """The line of the last character dnspython read that is not a line end: where the error
    is (its own count is one line too far once it has peeked at a newline)."""
    read = source.getvalue()[:source.tell()].rstrip("\r\n")
    return len(re.findall(r"\r\n?|\n", read)) + 1
