"""The whole answer of `newsletter reports`: per domain, the traffic, who each source is, and the
findings — one typed value the text, JSON and HTML outputs all print."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..auth import Resolver
from ..findings import Finding
from .advice import dmarc_findings, is_own, tls_findings
from .model import utc
from .providers import ReportSettings
from .senders import Sender, identify_senders
from .store import ReportStore
from .summary import DomainTraffic, TlsTraffic, Window, days_covered, dmarc_traffic, tls_traffic


@dataclass(frozen=True)
class DomainReport:
    traffic: DomainTraffic
    senders: Mapping[str, Sender]
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        t = self.traffic
        policy = {k: v for k, v in vars(t.policy).items() if v is not None and k != "domain"}
        return {
            "type": "dmarc", "domain": t.domain, "reports": t.reports, "reporters": list(t.reporters),
            "begin": _iso(t.begin), "end": _iso(t.end), "days": days_covered(t), "policy": policy,
            "messages": t.messages, "dmarc_pass": t.dmarc_pass,
            "pass_rate": round(t.pass_rate, 4) if t.pass_rate is not None else None,
            "per_day": [{"day": d.day.isoformat(), "messages": d.messages, "dmarc_pass": d.dmarc_pass}
                        for d in t.days],
            "sources": [{**vars(s), **_sender_json(self.senders[s.ip], is_own(s, self.senders[s.ip]))}
                        for s in t.sources],
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class TlsDomainReport:
    traffic: TlsTraffic
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        t = self.traffic
        return {"type": "tls", "domain": t.domain, "reports": t.reports, "reporters": list(t.reporters),
                "begin": _iso(t.begin), "end": _iso(t.end), "successful": t.successful, "failed": t.failed,
                "failures": [{"result_type": k, "sessions": n} for k, n in t.failures],
                "failing_hosts": [{"host": h, "sessions": n} for h, n in t.failing_hosts],
                "findings": [f.to_json() for f in self.findings]}


@dataclass(frozen=True)
class Summary:
    dmarc: tuple[DomainReport, ...]
    tls: tuple[TlsDomainReport, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for report in (*self.dmarc, *self.tls) for f in report.findings)


def summarize(store: ReportStore, window: Window, resolver: Resolver | None,
              settings: ReportSettings) -> Summary:
    """Everything stored in the window, each source identified through `resolver` (None: no DNS)."""
    dmarc = []
    for traffic in dmarc_traffic(store, window):
        senders = identify_senders(traffic.domain, (s.ip for s in traffic.sources), resolver, settings)
        dmarc.append(DomainReport(traffic, senders, dmarc_findings(traffic, senders, resolver is not None)))
    tls = tuple(TlsDomainReport(t, tls_findings(t)) for t in tls_traffic(store, window))
    return Summary(tuple(dmarc), tls)


def _sender_json(sender: Sender, own: bool) -> dict[str, Any]:
    return {"reverse_name": sender.reverse_name, "reverse": sender.reverse, "provider": sender.provider,
            "own": own, "spf": sender.spf, "spf_mechanism": sender.spf_mechanism}


def _iso(timestamp: int) -> str:
    return utc(timestamp).isoformat().replace("+00:00", "Z")
