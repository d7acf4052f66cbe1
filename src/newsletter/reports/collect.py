"""Reading reports into the store: every input found, parsed and kept once, or skipped with its
reason. A bad input never stops the others: inputs read = imported + skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

from ..errors import NewsletterError
from .aggregate import read_aggregate
from .mailboxes import find_reports
from .store import Imported, ReportStore
from .tls import parse_tls
from .unpack import Found, Skipped, limit


def import_reports(paths: Sequence[Path], store: ReportStore) -> Iterator[Imported | Skipped]:
    """One outcome per report found (or input skipped), in the order of the inputs."""
    for item in find_reports(paths):
        yield item if isinstance(item, Skipped) else _import(item, store)


def _import(found: Found, store: ReportStore) -> Imported | Skipped:
    try:
        with found.open() as stream:
            if found.kind == "dmarc":
                return store.add_aggregate(read_aggregate(stream), found.location)
            most = limit("max_tls_report_bytes")
            data = stream.read(most + 1)
            if len(data) > most:
                raise NewsletterError(f"TLS report larger than {most} bytes: refused",
                                      fix="real TLS reports are a few KB")
            return store.add_tls(parse_tls(data), found.location)
    except NewsletterError as exc:
        return Skipped.from_error(found.location, exc)
    except OSError as exc:
        return Skipped(found.location, f"cannot read: {exc.strerror or exc}")
