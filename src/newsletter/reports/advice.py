"""What the reports mean, as findings (rules DR###): unknown senders, mail of the shop's own
that fails or is blocked, and whether the DMARC policy can move a step up — with the numbers."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Mapping

from ..checkfiles import read_check
from ..findings import Finding, Location, finding
from .senders import Sender
from .summary import DomainTraffic, SourceTraffic, TlsTraffic, plural

_NEXT_STEP = {"none": "quarantine", "quarantine": "reject"}


@dataclass(frozen=True)
class Thresholds:
    min_days: int
    min_messages: int
    pass_rate: float


@cache
def thresholds() -> Thresholds:
    text = read_check("dmarc-advice.toml")
    data = tomllib.loads(text)
    return Thresholds(int(data["min_days"]), int(data["min_messages"]), float(data["pass_rate"]))


def is_own(source: SourceTraffic, sender: Sender) -> bool:
    """Mail the shop sends itself: from its own ranges, authorised by its SPF record, or signed
    with its DKIM key (a spoofer can do none of these)."""
    return sender.own or sender.in_spf is True or source.dkim_aligned > 0


def dmarc_findings(traffic: DomainTraffic, senders: Mapping[str, Sender], checked: bool) -> tuple[Finding, ...]:
    where = Location(f"{traffic.domain} (DMARC reports)")
    found: list[Finding] = []
    if not checked:
        found.append(finding("DR003", f"{plural(len(traffic.sources), 'source')} of {traffic.domain} not checked "
                                      "against its SPF record (no DNS given)", where))
    for source in traffic.sources:
        sender = senders[source.ip]
        if sender.in_spf is not False or sender.own:
            continue
        label = _label(sender)
        if source.dkim_aligned == 0:
            found.append(finding("DR001", f"{label} sent {source.messages:,} messages as {traffic.domain}: not "
                                          f"in its SPF record ({sender.spf}), no aligned DKIM signature", where))
        else:
            found.append(finding("DR002", f"{label} sent {source.messages:,} messages: not in the SPF record, "
                                          f"{_percent(source.dkim_aligned, source.messages)} DKIM-aligned", where))
    own = [(s, senders[s.ip]) for s in traffic.sources if is_own(s, senders[s.ip])]
    blocked = [(s, sender) for s, sender in own if s.quarantined or s.rejected]
    if blocked:
        count = sum(s.quarantined + s.rejected for s, _ in blocked)
        names = ", ".join(f"{_label(sender)} ({s.quarantined + s.rejected:,})" for s, sender in blocked[:5])
        found.append(finding("DR006", f"{count:,} messages from your own sources were quarantined or rejected: "
                                      f"{names}", where))
    for error in traffic.errors:
        found.append(finding("DR008", f"a receiver reports: {error}", where))
    found.append(_policy_advice(traffic, own, where))
    return tuple(found)


def _policy_advice(traffic: DomainTraffic, own: list[tuple[SourceTraffic, Sender]], where: Location) -> Finding:
    policy = traffic.policy
    step = _NEXT_STEP.get(policy.p)
    limits = thresholds()
    messages = sum(s.messages for s, _ in own)
    passed = sum(s.dmarc_pass for s, _ in own)
    days = len(traffic.days)
    rate = passed / messages if messages else 0.0
    spoofed = traffic.messages - messages
    numbers = (f"{_percent(passed, messages)} of {plural(messages, 'message')} from your own sources passed "
               f"DMARC in reports of {plural(days, 'day')}; {plural(spoofed, 'message')} came from other sources")
    if step is None:
        stopped = sum(s.rejected for s in traffic.sources if all(s is not o for o, _ in own))
        return finding("DR004", f"p=reject already: {numbers}, {stopped:,} of them rejected", where,
                       fix="keep reading the reports: new services must be set up before they send")
    if days < limits.min_days or messages < limits.min_messages:
        return finding("DR007", f"p={policy.p}: {numbers}; the advice needs {limits.min_days} days and "
                                f"{limits.min_messages:,} of your messages", where)
    if rate >= limits.pass_rate:
        partial = f" (and pct={policy.pct} applies it to part of the mail only)" if policy.pct not in (None, 100) else ""
        return finding("DR004", f"ready for p={step}: {numbers}{partial}", where,
                       fix=f"publish p={step} in the _dmarc TXT record of {traffic.domain}, then read another "
                           f"{limits.min_days} days of reports")
    failing = sorted(((s, sender) for s, sender in own if s.messages > s.dmarc_pass),
                     key=lambda pair: pair[0].dmarc_pass - pair[0].messages)
    names = ", ".join(f"{_label(sender)} ({s.messages - s.dmarc_pass:,} failed)" for s, sender in failing[:5])
    return finding("DR005", f"not ready for p={step}: {numbers}, below {limits.pass_rate:.0%}; fix first: {names}",
                   where)


def tls_findings(traffic: TlsTraffic) -> tuple[Finding, ...]:
    if not traffic.failed:
        return ()
    total = traffic.successful + traffic.failed
    kinds = ", ".join(f"{kind} ({count:,})" for kind, count in traffic.failures[:5]) or "no details given"
    hosts = ", ".join(host for host, _ in traffic.failing_hosts[:3])
    return (finding("DR009", f"{traffic.failed:,} of {total:,} TLS sessions to {traffic.domain} failed: {kinds}"
                             + (f"; at {hosts}" if hosts else ""), Location(f"{traffic.domain} (TLS reports)")),)


def _label(sender: Sender) -> str:
    parts = [p for p in (sender.reverse_name, sender.provider) if p]
    return sender.ip + (f" ({', '.join(parts)})" if parts else "")


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "0%"
