"""The DNS seam: one small interface, three implementations.

Every evaluator (SPF, DKIM, DMARC, ...) asks a `Resolver` for `(name, type)` and gets a typed
`Answer` back: records, NXDOMAIN, no data, or a temporary error. Nothing else in `newsletter.auth`
touches the network, so the same code runs against live DNS, a zone file checked before it is
published, or a dict in a test.
"""

from __future__ import annotations

import enum
import ipaddress
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Protocol, Sequence, Union

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.zone

from ..errors import NewsletterError
from ..limits import input_limits
from .zonefile import read_zone


class Status(enum.Enum):
    RECORDS = "records"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    TEMPERROR = "temperror"  # timeout, SERVFAIL, no server, CNAME loop or chain, budget used up


@dataclass(frozen=True)
class Txt:
    """One TXT record: its character-strings, kept as bytes (SPF must see non-ASCII)."""

    strings: tuple[bytes, ...]

    @property
    def joined(self) -> bytes:
        return b"".join(self.strings)

    @property
    def text(self) -> str:
        return self.joined.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Mx:
    preference: int
    exchange: str  # "" for the null MX of RFC 7505 ("0 .")


Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
Record = Union[Txt, Mx, Address, str]


@dataclass(frozen=True)
class Answer:
    name: str
    rdtype: str
    status: Status
    records: tuple[Record, ...] = ()
    error: str | None = None

    @property
    def void(self) -> bool:
        """NXDOMAIN or no data: what RFC 7208 calls a void lookup."""
        return self.status in (Status.NXDOMAIN, Status.NODATA)


class Resolver(Protocol):
    exhausted: str | None  # why lookups stopped being made (a run's DNS budget), else None

    def query(self, name: str, rdtype: str) -> Answer: ...

    def query_many(self, pairs: Sequence[tuple[str, str]]) -> tuple[Answer, ...]: ...


def dns_name(text: str) -> dns.name.Name:
    """A query name from text, label by label (labels may hold any byte, as SPF macros allow).

    Raises ValueError for names DNS cannot carry (label over 63 bytes, empty label, too long).
    """
    text = text.strip()
    if text in ("", "."):
        return dns.name.root
    try:
        if not text.isascii():
            return dns.name.from_unicode(text if text.endswith(".") else text + ".")
        labels = [label.encode("ascii") for label in text.rstrip(".").split(".")]
        return dns.name.Name([*labels, b""])
    except (dns.exception.DNSException, UnicodeError) as exc:
        raise ValueError(f"not a valid DNS name: {text!r} ({exc})") from None


def name_text(name: dns.name.Name) -> str:
    """Display form without the trailing dot ('' for the root)."""
    return name.to_text(omit_final_dot=True) if name != dns.name.root else ""


def _convert(rdata: dns.rdata.Rdata) -> Record:
    rdtype = rdata.rdtype
    if rdtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        return Txt(tuple(rdata.strings))
    if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return ipaddress.ip_address(rdata.address)
    if rdtype == dns.rdatatype.MX:
        return Mx(rdata.preference, name_text(rdata.exchange))
    if rdtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME, dns.rdatatype.NS):
        return name_text(rdata.target)
    return rdata.to_text()


def _records(rdataset: Iterable[dns.rdata.Rdata]) -> tuple[Record, ...]:
    return tuple(_convert(rdata) for rdata in rdataset)


class _ManyInSequence:
    def query_many(self, pairs: Sequence[tuple[str, str]]) -> tuple[Answer, ...]:
        return tuple(self.query(name, rdtype) for name, rdtype in pairs)  # type: ignore[attr-defined]


class _CnameChain:
    """The names one lookup goes through following CNAMEs. A loop, or more hops than resolvers
    follow ([dns] max_cname_chain), ends the lookup as a temporary error (a resolver's SERVFAIL)."""

    def __init__(self, start: dns.name.Name):
        self.names = [start]
        self.limit = input_limits("dns")["max_cname_chain"]

    def follow(self, target: dns.name.Name) -> str | None:
        """Add a hop; the error that ends the lookup, if any."""
        if target in self.names:
            return f"CNAME loop at {name_text(target)}"
        self.names.append(target)
        if len(self.names) - 1 > self.limit:
            return (f"more than {self.limit} CNAMEs from {name_text(self.names[0])} "
                    "([dns] max_cname_chain)")
        return None


class ZoneResolver(_ManyInSequence):
    """Answers from master files, fully offline: to check records before publishing them.

    Names outside every zone are a temporary error ("outside the zone"), not NXDOMAIN: we cannot
    know what the world publishes there, and must not pretend it is nothing.
    """

    exhausted = None  # local data: no budget to use up

    def __init__(self, zones: Sequence[dns.zone.Zone], temporary_failures: Iterable[str] = ()):
        self.zones = sorted(zones, key=lambda z: len(z.origin), reverse=True)
        self.temporary_failures = {dns_name(n) for n in temporary_failures}
        self.queries = 0
        self._existing = {name for zone in self.zones for node in zone.nodes
                          for name in _up_to(node, zone.origin)}  # nodes and empty non-terminals

    @classmethod
    def from_files(cls, paths: Sequence[str | Path], origin: str | None = None) -> "ZoneResolver":
        """Read master files (within the [zone] input limits); `origin` is used only for a file
        without $ORIGIN."""
        return cls([read_zone(path, origin) for path in paths])

    def covers(self, name: str) -> bool:
        try:
            return self._zone_for(dns_name(name)) is not None
        except ValueError:
            return False

    def _zone_for(self, name: dns.name.Name) -> dns.zone.Zone | None:
        for zone in self.zones:
            if name.is_subdomain(zone.origin):
                return zone
        return None

    def query(self, name: str, rdtype: str) -> Answer:
        self.queries += 1
        try:
            qname = dns_name(name)
        except ValueError as exc:
            return Answer(name, rdtype, Status.NXDOMAIN, error=str(exc))
        wanted = dns.rdatatype.from_text(rdtype)
        chain = _CnameChain(qname)
        while True:
            if qname in self.temporary_failures:
                return Answer(name, rdtype, Status.TEMPERROR, error="timeout")
            zone = self._zone_for(qname)
            if zone is None:
                return Answer(name, rdtype, Status.TEMPERROR,
                              error=f"{name_text(qname)} is outside the zone file")
            node = zone.get_node(qname)
            if node is None:
                exists = qname in self._existing
                return Answer(name, rdtype, Status.NODATA if exists else Status.NXDOMAIN)
            rdataset = node.get_rdataset(dns.rdataclass.IN, wanted)
            if rdataset:
                return Answer(name, rdtype, Status.RECORDS, _records(rdataset))
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if not cname or wanted == dns.rdatatype.CNAME:
                return Answer(name, rdtype, Status.NODATA)
            qname = cname[0].target
            error = chain.follow(qname)
            if error:
                return Answer(name, rdtype, Status.TEMPERROR, error=error)


def _up_to(name: dns.name.Name, origin: dns.name.Name) -> Iterable[dns.name.Name]:
    """`name` and its parents down to the zone's `origin`."""
    while name.is_subdomain(origin):
        yield name
        if name == origin:
            return
        name = name.parent()


class LayeredResolver(_ManyInSequence):
    """Zone files for the names they cover, another resolver (the network) for the rest:
    checks a zone before publishing it while its includes are read from live DNS."""

    def __init__(self, zones: ZoneResolver, rest: Resolver):
        self.zones = zones
        self.rest = rest

    @property
    def exhausted(self) -> str | None:
        return self.rest.exhausted

    def query(self, name: str, rdtype: str) -> Answer:
        return (self.zones if self.zones.covers(name) else self.rest).query(name, rdtype)

    def query_many(self, pairs: Sequence[tuple[str, str]]) -> tuple[Answer, ...]:
        outside = [p for p in pairs if not self.zones.covers(p[0])]
        self.rest.query_many(outside)  # in parallel, then served from the cache
        return tuple(self.query(name, rdtype) for name, rdtype in pairs)


def zone_from_records(records: Mapping[str, Mapping[str, Iterable[str]]]) -> dns.zone.Zone:
    """A root zone from `{name: {type: [rdata text, ...]}}` (master-file rdata syntax)."""
    zone = dns.zone.Zone(dns.name.root, relativize=False)
    for name, by_type in records.items():
        node = zone.find_node(dns_name(name), create=True)
        for rdtype, values in by_type.items():
            rdataset = node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype),
                                          create=True)
            for value in values:
                rdataset.add(dns.rdata.from_text(dns.rdataclass.IN, rdtype, value,
                                                 origin=dns.name.root, relativize=False), 3600)
    return zone


class MemoryResolver(ZoneResolver):
    """In-memory records, for tests and for callers that already hold the data."""

    def __init__(self, records: Mapping[str, Mapping[str, Iterable[str]]],
                 temporary_failures: Iterable[str] = ()):
        super().__init__([zone_from_records(records)], temporary_failures)


def parse_nameserver(text: str) -> tuple[str, int]:
    """`HOST`, `HOST:PORT`, `[V6]:PORT` or a bare IPv6 address."""
    host, port = text.strip(), 53
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif host.count(":") == 1:
        host, _, raw = host.partition(":")
        port = _port(raw, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise NewsletterError(f"invalid --nameserver {text!r}: give an IP address, e.g. "
                              "127.0.0.1:5353 or [::1]:53") from None
    return host, port


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise NewsletterError(f"invalid port in --nameserver {text!r}")
    return int(raw)


def system_nameservers() -> list[tuple[str, int]]:
    try:
        return [(ns, 53) for ns in dns.resolver.Resolver(configure=True).nameservers]
    except dns.exception.DNSException as exc:
        raise NewsletterError(f"no nameserver configured: {exc}",
                              fix="pass --nameserver HOST[:PORT]") from None


@dataclass(frozen=True)
class QueryBudget:
    """The DNS work one run may do, so a hostile or broken server cannot keep it busy: queries
    sent and seconds spent, per domain checked ([dns] in checks/input-limits.toml). Past either,
    every lookup is a temporary error and the report says so."""

    queries: int
    seconds: float

    @classmethod
    def for_domains(cls, count: int = 1) -> "QueryBudget":
        limits = input_limits("dns")
        return cls(limits["max_queries_per_domain"] * count,
                   limits["max_seconds_per_domain"] * count)


class NetworkResolver:
    """dnspython against given nameservers: UDP with TCP fallback on truncation, a per-run cache
    (concurrent identical queries wait for the first), `query_many` in parallel threads, and a
    `QueryBudget` (one domain's unless given)."""

    def __init__(self, nameservers: Sequence[tuple[str, int]] | None = None, *,
                 timeout: float = 2.0, workers: int = 16, budget: QueryBudget | None = None):
        self.nameservers = list(nameservers) if nameservers else system_nameservers()
        self.timeout = timeout
        self.budget = budget or QueryBudget.for_domains(1)
        self.queries = 0  # sent to the network, not counting TCP retries after truncation
        self.responses = 0
        self.exhausted: str | None = None
        self._deadline = time.monotonic() + self.budget.seconds
        self._cache: dict[tuple[dns.name.Name, int], Future] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dns")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def query_many(self, pairs: Sequence[tuple[str, str]]) -> tuple[Answer, ...]:
        futures = [self._pool.submit(self.query, name, rdtype) for name, rdtype in pairs]
        return tuple(f.result() for f in futures)

    def query(self, name: str, rdtype: str) -> Answer:
        try:
            qname = dns_name(name)
        except ValueError as exc:
            return Answer(name, rdtype, Status.NXDOMAIN, error=str(exc))
        wanted = dns.rdatatype.from_text(rdtype)
        key = (qname, wanted)
        with self._lock:
            pending = self._cache.get(key)
            owner = pending is None
            if owner:
                pending = self._cache[key] = Future()
        if owner:
            try:
                pending.set_result(self._resolve(name, qname, rdtype, wanted))
            except BaseException as exc:  # a bug: every waiter raises it too, none hangs
                pending.set_exception(exc)
        return pending.result()

    def _resolve(self, name: str, qname: dns.name.Name, rdtype: str, wanted: int) -> Answer:
        """Ask for `qname`, following CNAMEs through each response and asking again for the
        target where a chain leaves what a response holds."""
        chain = _CnameChain(qname)
        asked = qname
        while True:
            response, error = self._exchange(asked, wanted)
            if response is None:
                return Answer(name, rdtype, Status.TEMPERROR, error=error)
            current = asked
            while True:
                rrset = response.get_rrset(response.answer, current, dns.rdataclass.IN, wanted)
                if rrset:
                    return Answer(name, rdtype, Status.RECORDS, _records(rrset))
                cname = response.get_rrset(response.answer, current, dns.rdataclass.IN,
                                           dns.rdatatype.CNAME)
                if not cname:
                    break
                current = cname[0].target
                error = chain.follow(current)
                if error:
                    return Answer(name, rdtype, Status.TEMPERROR, error=error)
            if response.rcode() == dns.rcode.NXDOMAIN:
                return Answer(name, rdtype, Status.NXDOMAIN)
            if current == asked:
                return Answer(name, rdtype, Status.NODATA)
            asked = current

    def _exchange(self, qname: dns.name.Name, wanted: int) -> tuple[dns.message.Message | None, str]:
        with self._lock:
            if self.queries >= self.budget.queries:
                return None, self._exhaust(f"{self.budget.queries} DNS queries "
                                           "([dns] max_queries_per_domain)")
            self.queries += 1
        query = dns.message.make_query(qname, wanted, use_edns=0, payload=1232)
        error = "no nameserver"
        for host, port in self.nameservers:
            wait = min(self.timeout, self._deadline - time.monotonic())
            try:
                if wait <= 0:
                    raise dns.exception.Timeout
                response = dns.query.udp(query, host, timeout=wait, port=port,
                                         ignore_unexpected=True)
                if response.flags & dns.flags.TC:
                    response = dns.query.tcp(query, host, timeout=wait, port=port)
            except dns.exception.Timeout:
                if wait < self.timeout:  # cut short by the time budget
                    return None, self._exhaust(f"{self.budget.seconds:g} s of DNS lookups "
                                               "([dns] max_seconds_per_domain)")
                error = f"timeout after {wait:g} s from {host}:{port}"
                continue
            except (OSError, dns.exception.DNSException) as exc:
                error = f"{host}:{port}: {exc}"
                continue
            with self._lock:
                self.responses += 1
            if response.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return response, ""
            error = f"{dns.rcode.to_text(response.rcode())} from {host}:{port}"
        return None, error

    def _exhaust(self, what: str) -> str:
        message = f"DNS budget used up: {what}"
        self.exhausted = self.exhausted or message
        return message
