"""What the stored reports add up to, per domain: messages and results per source IP, the DMARC
pass rate per day, and the TLS sessions that failed. Sums are made by SQLite, so a store of
millions of rows is summed without loading them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from .model import PolicyPublished, utc
from .store import ReportStore


@dataclass(frozen=True)
class Window:
    """Which reports count: those for these domains (all when empty) whose period begins in
    [since, until) (seconds since the epoch; None: unbounded)."""

    domains: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None

    def where(self, table: str = "r", domain_column: str = "domain") -> tuple[str, tuple]:
        clauses, values = [], []
        if self.domains:
            clauses.append(f"{table}.{domain_column} IN ({', '.join('?' * len(self.domains))})")
            values += list(self.domains)
        if self.since is not None:
            clauses.append(f"{table}.begin >= ?")
            values.append(self.since)
        if self.until is not None:
            clauses.append(f"{table}.begin < ?")
            values.append(self.until)
        return "".join(f" AND {c}" for c in clauses), tuple(values)


@dataclass(frozen=True)
class SourceTraffic:
    ip: str
    messages: int
    dmarc_pass: int
    dkim_aligned: int  # DKIM passed and aligned with the From domain (as the receiver judged)
    spf_aligned: int
    dkim_pass: int  # a DKIM signature passed, aligned or not
    spf_pass: int
    quarantined: int
    rejected: int


@dataclass(frozen=True)
class Day:
    day: date  # the UTC day the report period began
    messages: int
    dmarc_pass: int


@dataclass(frozen=True)
class DomainTraffic:
    domain: str
    reports: int
    reporters: tuple[str, ...]
    begin: int
    end: int
    policy: PolicyPublished  # as the latest report saw it
    messages: int
    dmarc_pass: int
    sources: tuple[SourceTraffic, ...]  # most messages first
    days: tuple[Day, ...]
    errors: tuple[str, ...]  # what receivers found wrong in the DMARC record (RFC 9990)

    @property
    def pass_rate(self) -> float | None:
        return self.dmarc_pass / self.messages if self.messages else None


@dataclass(frozen=True)
class TlsTraffic:
    domain: str
    reports: int
    reporters: tuple[str, ...]
    begin: int
    end: int
    successful: int
    failed: int
    failures: tuple[tuple[str, int], ...]  # result type, sessions; most first
    failing_hosts: tuple[tuple[str, int], ...]  # receiving MX host, sessions; most first


def dmarc_traffic(store: ReportStore, window: Window = Window()) -> tuple[DomainTraffic, ...]:
    where, values = window.where()
    domains = []
    for head in store.query(
            "SELECT domain, count(*) AS reports, group_concat(DISTINCT reporter) AS reporters, "
            "min(begin) AS first, max(\"end\") AS last FROM report r WHERE kind = 'dmarc'"
            f"{where} GROUP BY domain ORDER BY domain", values):
        domain = head["domain"]
        scope = f"r.kind = 'dmarc' AND r.domain = ?{where}"
        scoped = (domain, *values)
        latest = next(store.query(f"SELECT * FROM report r WHERE {scope} ORDER BY r.begin DESC, r.id DESC "
                                  "LIMIT 1", scoped))
        sources = tuple(SourceTraffic(**dict(row)) for row in store.query(
            "SELECT d.source_ip AS ip, sum(d.count) AS messages, "
            "sum(CASE WHEN d.dkim = 'pass' OR d.spf = 'pass' THEN d.count ELSE 0 END) AS dmarc_pass, "
            "sum(CASE WHEN d.dkim = 'pass' THEN d.count ELSE 0 END) AS dkim_aligned, "
            "sum(CASE WHEN d.spf = 'pass' THEN d.count ELSE 0 END) AS spf_aligned, "
            "sum(CASE WHEN d.dkim_auth = 'pass' THEN d.count ELSE 0 END) AS dkim_pass, "
            "sum(CASE WHEN d.spf_auth = 'pass' THEN d.count ELSE 0 END) AS spf_pass, "
            "sum(CASE WHEN d.disposition = 'quarantine' THEN d.count ELSE 0 END) AS quarantined, "
            "sum(CASE WHEN d.disposition = 'reject' THEN d.count ELSE 0 END) AS rejected "
            f"FROM dmarc_row d JOIN report r ON r.id = d.report WHERE {scope} "
            "GROUP BY d.source_ip ORDER BY messages DESC, d.source_ip", scoped))
        days = tuple(Day(date.fromisoformat(row["day"]), row["messages"], row["dmarc_pass"]) for row in store.query(
            "SELECT date(r.begin, 'unixepoch') AS day, sum(d.count) AS messages, "
            "sum(CASE WHEN d.dkim = 'pass' OR d.spf = 'pass' THEN d.count ELSE 0 END) AS dmarc_pass "
            f"FROM dmarc_row d JOIN report r ON r.id = d.report WHERE {scope} GROUP BY day ORDER BY day",
            scoped))
        errors = sorted({e for row in store.query(f"SELECT errors FROM report r WHERE {scope}", scoped)
                         for e in json.loads(row["errors"] or "[]")})
        domains.append(DomainTraffic(
            domain=domain, reports=head["reports"], reporters=tuple(sorted(head["reporters"].split(","))),
            begin=head["first"], end=head["last"], policy=_policy(latest),
            messages=sum(s.messages for s in sources), dmarc_pass=sum(s.dmarc_pass for s in sources),
            sources=sources, days=days, errors=tuple(errors)))
    return tuple(domains)


def tls_traffic(store: ReportStore, window: Window = Window()) -> tuple[TlsTraffic, ...]:
    where, values = window.where("p", "policy_domain")
    where = where.replace("p.begin", "r.begin")
    by_domain: dict[str, dict] = {}
    for row in store.query(
            "SELECT p.policy_domain AS domain, r.reporter, r.begin, r.\"end\", p.successful, p.failed, "
            f"p.failures FROM tls_policy p JOIN report r ON r.id = p.report WHERE r.kind = 'tls'{where} "
            "ORDER BY p.policy_domain, r.begin", values):
        sums = by_domain.setdefault(row["domain"], {"reports": 0, "reporters": set(), "begin": row["begin"],
                                                    "end": row["end"], "ok": 0, "failed": 0, "types": {},
                                                    "hosts": {}})
        sums["reports"] += 1
        sums["reporters"].add(row["reporter"])
        sums["end"] = max(sums["end"], row["end"])
        sums["ok"] += row["successful"]
        sums["failed"] += row["failed"]
        for failure in json.loads(row["failures"] or "[]"):
            count = failure.get("failed_session_count", 0)
            kind = failure.get("result_type", "?")
            sums["types"][kind] = sums["types"].get(kind, 0) + count
            host = failure.get("receiving_mx_hostname")
            if host:
                sums["hosts"][host] = sums["hosts"].get(host, 0) + count
    return tuple(TlsTraffic(domain, s["reports"], tuple(sorted(s["reporters"])), s["begin"], s["end"], s["ok"],
                            s["failed"], _most(s["types"]), _most(s["hosts"]))
                 for domain, s in by_domain.items())


def _most(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _policy(row) -> PolicyPublished:
    return PolicyPublished(domain=row["domain"], p=row["p"], sp=row["sp"], np=row["np"], pct=row["pct"],
                           adkim=row["adkim"], aspf=row["aspf"], fo=row["fo"], testing=row["testing"],
                           psd=row["psd"], discovery_method=row["discovery_method"])


def days_covered(traffic: DomainTraffic) -> int:
    """Whole days between the first report's start and the last one's end."""
    return max(1, round((traffic.end - traffic.begin) / 86400))


def period(begin: int, end: int) -> str:
    return f"{utc(begin):%Y-%m-%d} to {utc(end):%Y-%m-%d}"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
