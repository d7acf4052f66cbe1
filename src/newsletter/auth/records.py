"""The other sender records: MX, BIMI, MTA-STS, TLS-RPT and forward-confirmed reverse DNS."""

from __future__ import annotations

import re
from dataclasses import dataclass

import dns.reversename

from ..findings import Finding, Location, finding
from .dkim import parse_tag_list
from .dmarc import DmarcDiscovery
from .resolver import Mx, Resolver, Status, Txt
from .spf.check import normalise_ip


def dns_error(message: str, where: Location) -> Finding:
    """AUTH013: a record could not be fetched, so what depends on it is unknown."""
    return finding("AUTH013", message, where)


@dataclass(frozen=True)
class MxHost:
    preference: int
    host: str  # "" for a null MX
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class TagRecord:
    """A tag=value TXT record (BIMI, MTA-STS, TLS-RPT) as found, with its tags."""

    name: str
    record: str
    tags: tuple[tuple[str, str], ...]

    def get(self, tag: str) -> str | None:
        return dict(self.tags).get(tag)


@dataclass(frozen=True)
class ReverseDns:
    ip: str
    names: tuple[str, ...]  # PTR names
    confirmed: tuple[str, ...]  # those whose A/AAAA include the IP
    error: str | None = None  # the PTR lookup failed (timeout, outside the zone file)

    @property
    def ok(self) -> bool:
        return bool(self.confirmed)


def check_mx(domain: str, resolver: Resolver) -> tuple[tuple[MxHost, ...], tuple[Finding, ...]]:
    answer = resolver.query(domain, "MX")
    where = Location(f"{domain} MX")
    if answer.status is Status.TEMPERROR:
        return (), (dns_error(f"MX lookup for {domain}: {answer.error}", where),)
    records = sorted((r for r in answer.records if isinstance(r, Mx)),
                     key=lambda r: (r.preference, r.exchange))
    if not records:
        return (), (finding("AUTH001", f"{domain} has no MX record", where),)
    if any(not r.exchange for r in records):
        hosts = tuple(MxHost(r.preference, r.exchange, ()) for r in records)
        return hosts, (finding("AUTH002", f"{domain} publishes a null MX", where),)
    pairs = [(r.exchange, t) for r in records for t in ("A", "AAAA")]
    answers = iter(resolver.query_many(pairs))
    hosts, findings = [], []
    for r in records:
        a, aaaa = next(answers), next(answers)
        addresses = tuple(str(x) for x in (*a.records, *aaaa.records))
        hosts.append(MxHost(r.preference, r.exchange, addresses))
        if not addresses and Status.TEMPERROR not in (a.status, aaaa.status):
            findings.append(finding("AUTH003", f"MX host {r.exchange} has no A or AAAA record",
                                    where))
    return tuple(hosts), tuple(findings)


def _tag_record(name: str, resolver: Resolver, version: str, syntax_rule: str
                ) -> tuple[TagRecord | None, tuple[Finding, ...]]:
    """The TXT record at `name` starting with v=<version>, and the findings that stop its
    checks (a DNS error, several records, a malformed tag list)."""
    where = Location(f"{name} TXT")
    answer = resolver.query(name, "TXT")
    if answer.status is Status.TEMPERROR:
        return None, (dns_error(answer.error or "DNS error", where),)
    texts = [r.text for r in answer.records if isinstance(r, Txt)
             and re.match(rf"\s*v\s*=\s*{re.escape(version)}\s*(;|$)", r.text, re.I)]
    if not texts:
        return None, ()
    if len(texts) > 1:
        return None, (finding(syntax_rule, f"{len(texts)} records at {name}", where),)
    try:
        tags = parse_tag_list(texts[0])
    except ValueError as exc:
        return TagRecord(name, texts[0], ()), (finding(syntax_rule, str(exc), where),)
    return TagRecord(name, texts[0], tuple((k.lower(), v) for k, v in tags.items())), ()


def check_bimi(domain: str, resolver: Resolver, dmarc: DmarcDiscovery | None
               ) -> tuple[TagRecord | None, tuple[Finding, ...]]:
    name = f"default._bimi.{domain}"
    where = Location(f"{name} TXT")
    record, stop = _tag_record(name, resolver, "BIMI1", "AUTH005")
    if stop:
        return record, stop
    if record is None:
        return None, ()
    findings = []
    logo = record.get("l")
    if logo and not re.match(r"https://\S+\.svg$", logo, re.I):
        findings.append(finding("AUTH005", f"l={logo} is not an https URL of an SVG file", where))
    if not logo and not record.get("a"):
        findings.append(finding("AUTH005", "neither l= nor a=: the record declines BIMI", where))
    if not record.get("a"):
        findings.append(finding("AUTH006", "no a= (mark certificate)", where))
    policy = dmarc.applied_policy if dmarc else None
    enforced = (policy in ("quarantine", "reject") and dmarc is not None and dmarc.record is not None
                and dmarc.record.pct == 100 and dmarc.record.subdomain_policy != "none")
    if not enforced:
        findings.append(finding("AUTH004", f"DMARC policy is {policy or 'missing'}; BIMI needs "
                                           "quarantine or reject at pct=100", where))
    return record, tuple(findings)


def check_mta_sts(domain: str, resolver: Resolver) -> tuple[TagRecord | None, tuple[Finding, ...]]:
    name = f"_mta-sts.{domain}"
    where = Location(f"{name} TXT")
    record, stop = _tag_record(name, resolver, "STSv1", "AUTH007")
    if stop:
        return record, stop
    if record is None:
        return None, ()
    policy_id = record.get("id")
    if not policy_id or not re.fullmatch(r"[A-Za-z0-9]{1,32}", policy_id):
        return record, (finding("AUTH007", f"id={policy_id or ''} must be 1 to 32 letters or "
                                           "digits", where),)
    return record, ()


def check_tls_rpt(domain: str, resolver: Resolver, mta_sts: TagRecord | None
                  ) -> tuple[TagRecord | None, tuple[Finding, ...]]:
    name = f"_smtp._tls.{domain}"
    where = Location(f"{name} TXT")
    record, stop = _tag_record(name, resolver, "TLSRPTv1", "AUTH008")
    if stop:
        return record, stop
    if record is None:
        if mta_sts is not None:
            return None, (finding("AUTH009", f"{domain} has MTA-STS but no {name}", where),)
        return None, ()
    destinations = [d.strip() for d in (record.get("rua") or "").split(",") if d.strip()]
    bad = [d for d in destinations if not re.match(r"(?i)(mailto:\S+@\S+|https://\S+)$", d)]
    if not destinations or bad:
        return record, (finding("AUTH008", "rua= needs mailto: or https: destinations"
                                + (f" (not {', '.join(bad)})" if bad else ""), where),)
    return record, ()


def check_reverse_dns(ip: str, resolver: Resolver) -> tuple[ReverseDns, tuple[Finding, ...]]:
    """Forward-confirmed reverse DNS: PTR names whose A/AAAA records include the IP."""
    address = normalise_ip(ip)
    reverse = dns.reversename.from_address(str(address)).to_text(omit_final_dot=True)
    where = Location(f"{reverse} PTR")
    answer = resolver.query(reverse, "PTR")
    if answer.status is Status.TEMPERROR:
        return ReverseDns(str(address), (), (), answer.error), (
            dns_error(answer.error or "DNS error", where),)
    names = tuple(r for r in answer.records if isinstance(r, str))
    if not names:
        return ReverseDns(str(address), (), ()), (finding("AUTH010", f"{address} has no PTR record",
                                                          where),)
    rdtype = "A" if address.version == 4 else "AAAA"
    forward = resolver.query_many([(n, rdtype) for n in names])
    confirmed = tuple(n for n, a in zip(names, forward) if address in a.records)
    result = ReverseDns(str(address), names, confirmed)
    if not confirmed:
        return result, (finding("AUTH011", f"{address} has PTR {', '.join(names)}, which does not "
                                           f"resolve back to {address}", where),)
    return result, ()
