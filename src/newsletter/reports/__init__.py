"""After the send: DMARC aggregate reports and SMTP TLS reports, read into an embedded store
and summed up into what a marketer needs to see.

Parsing is pure (`parse_aggregate`, `read_aggregate`, `parse_tls`: bytes in, typed records
out); `unpack` finds reports in archives and messages; the store (`ReportStore`) and the
mailbox reading (`import_reports`) are the edge.
"""

from .aggregate import AggregateReading, parse_aggregate, read_aggregate
from .collect import import_reports
from .model import (AggregateHeader, AggregateReport, DkimAuth, DmarcRecord, PolicyOverride,
                    PolicyPublished, ReportMetadata, SpfAuth, TlsFailure, TlsPolicy, TlsReport)
from .store import Imported, ReportStore
from .tls import parse_tls
from .unpack import Found, Skipped, message_reports, unpack

__all__ = [
    "AggregateHeader", "AggregateReading", "AggregateReport", "DkimAuth", "DmarcRecord", "Found",
    "Imported", "PolicyOverride", "PolicyPublished", "ReportMetadata", "ReportStore", "Skipped",
    "SpfAuth", "TlsFailure", "TlsPolicy", "TlsReport", "import_reports", "message_reports",
    "parse_aggregate", "parse_tls", "read_aggregate", "unpack",
]
