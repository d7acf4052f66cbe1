"""The SPF record lint: what is wrong with a domain's SPF before any IP is evaluated.

Counts DNS-querying terms through nested includes and redirects (the 10-lookup limit), void
lookups among literal targets, and flags risky or obsolete constructs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...findings import Finding, Location, finding
from ..resolver import Answer, Resolver, Status, Txt
from .check import LOOKUP_LIMIT, MX_LIMIT, VOID_LIMIT, spf_records, valid_domain
from .macros import MacroString
from .syntax import Mechanism, SpfRecord, SpfSyntaxError, parse_record

MAX_RECORD_BYTES = 450
MAX_STRING_BYTES = 255
_MAX_RECORDS_WALKED = 40


def lookup_failed(message: str, where: Location) -> Finding:
    """SPF014: a DNS lookup SPF needs failed (temperror): the result is unknown, not a fail."""
    return finding("SPF014", message, where)


@dataclass(frozen=True)
class SpfLint:
    domain: str
    record: str | None
    lookups: int  # DNS-querying terms, counted through includes and redirects
    void_lookups: int
    findings: tuple[Finding, ...]


def lint_spf(domain: str, resolver: Resolver) -> SpfLint:
    txt, spf_type = resolver.query_many([(domain, "TXT"), (domain, "SPF")])
    where = Location(f"{domain} TXT")
    findings: list[Finding] = []
    if txt.status is Status.TEMPERROR:
        return SpfLint(domain, None, 0, 0, (lookup_failed(
            f"TXT lookup for {domain} failed: {txt.error}", where),))
    records = spf_records(txt)
    if spf_records(spf_type):
        findings.append(finding("SPF009", f"{domain} publishes an SPF-type (99) record",
                                Location(f"{domain} SPF")))
    if not records:
        findings.append(finding("SPF001", f"{domain} has no SPF record", where))
        return SpfLint(domain, None, 0, 0, tuple(findings))
    if len(records) > 1:
        findings.append(finding("SPF002", f"{domain} has {len(records)} SPF records", where))
    for record in (r for r in txt.records if isinstance(r, Txt) and r.joined in records):
        for string in record.strings:
            if len(string) > MAX_STRING_BYTES:
                findings.append(finding("SPF010", f"a string of {len(string)} bytes", where))
    text = records[0].decode("latin-1")
    if len(records[0]) > MAX_RECORD_BYTES:
        findings.append(finding("SPF011", f"the record is {len(records[0])} bytes long", where))
    walk = _Walk(resolver, findings)
    walk.record(domain, text, (domain,), top=True)
    if walk.loop:
        findings.append(finding("SPF004", f"include/redirect loop through {walk.loop}: "
                                          "evaluation always exceeds the limit", where))
    elif walk.lookups > LOOKUP_LIMIT:
        findings.append(finding("SPF004", f"{walk.lookups} DNS-querying terms through includes "
                                          f"and redirects (limit {LOOKUP_LIMIT})", where))
    if walk.voids > VOID_LIMIT:
        findings.append(finding("SPF005", f"{walk.voids} void lookups (limit {VOID_LIMIT}): "
                                          + ", ".join(walk.void_names), where))
    return SpfLint(domain, text, walk.lookups, walk.voids, tuple(findings))


class _Walk:
    def __init__(self, resolver: Resolver, findings: list[Finding]):
        self.resolver = resolver
        self.findings = findings
        self.lookups = 0
        self.voids = 0
        self.void_names: list[str] = []
        self.walked = 0
        self.loop: str | None = None

    def record(self, domain: str, text: str, path: tuple[str, ...], *, top: bool) -> None:
        where = Location(f"{domain} TXT")
        try:
            record = parse_record(text)
        except SpfSyntaxError as exc:
            self.findings.append(finding("SPF003", f"{exc.message} in {text!r}",
                                         Location(f"{domain} TXT", 1, exc.offset + 1)))
            return
        self.walked += 1
        self._constructs(record, domain, where, top)
        evaluated = [m for m in record.mechanisms if m.queries_dns][:LOOKUP_LIMIT]  # then permerror
        literal = [m for m in evaluated
                   if m.kind in ("a", "mx") and (m.domain is None or not m.domain.has_macros)]
        self._count_voids(literal, domain)
        for term in record.mechanisms:
            if term.queries_dns:
                self.lookups += 1
            if term.kind == "include" and not term.domain.has_macros:  # type: ignore[union-attr]
                self._follow(_literal(term.domain), path, "include", where)  # type: ignore[arg-type]
        redirect = record.redirect
        if redirect is not None and not any(m.kind == "all" for m in record.mechanisms):
            self.lookups += 1
            if not redirect.value.has_macros:
                self._follow(_literal(redirect.value), path, "redirect", where)

    def _constructs(self, record: SpfRecord, domain: str, where: Location, top: bool) -> None:
        for term in record.mechanisms:
            column = Location(where.path, 1, term.offset + 1)
            if term.kind == "ptr":
                self.findings.append(finding("SPF008", f"{term.text!r} in the record of {domain}",
                                             column))
            if term.kind == "all" and term.qualifier == "+" and top:
                self.findings.append(finding("SPF006", f"{term.text!r} in the record of {domain}",
                                             column))
            if term.kind == "all" and term.qualifier == "?" and top:
                self.findings.append(finding("SPF007", f"{term.text!r} in the record of {domain}",
                                             column))
        if top and record.redirect is None and not any(m.kind == "all" for m in record.mechanisms):
            self.findings.append(finding("SPF015", f"the record of {domain} ends without 'all'",
                                         where))

    def _follow(self, target: str, path: tuple[str, ...], how: str, where: Location) -> None:
        target = target.rstrip(".")
        if target.lower() in (p.lower() for p in path) or self.walked >= _MAX_RECORDS_WALKED:
            self.loop = target  # evaluation would loop until the limit
            return
        answer = self.resolver.query(target, "TXT") if valid_domain(target) else None
        if answer is not None and answer.status is Status.TEMPERROR:
            self.findings.append(lookup_failed(f"{how} {target}: {answer.error}", where))
            return
        records = spf_records(answer) if answer else []
        if answer is None or answer.void:
            self._void(target)
        if not records:
            self.findings.append(finding("SPF012", f"{how}:{target} has no SPF record", where))
            return
        if len(records) > 1:
            self.findings.append(finding("SPF002", f"{how}:{target} has {len(records)} SPF "
                                                   "records", Location(f"{target} TXT")))
            return
        self.record(target, records[0].decode("latin-1"), (*path, target), top=False)

    def _count_voids(self, mechanisms: list[Mechanism], domain: str) -> None:
        """Void lookups of a/mx terms with literal targets (A and AAAA both empty for 'a')."""
        pairs: list[tuple[str, str]] = []
        for m in mechanisms:
            target = (_literal(m.domain) if m.domain else domain).rstrip(".")
            pairs += [(target, "A"), (target, "AAAA")] if m.kind == "a" else [(target, "MX")]
        answers = iter(self.resolver.query_many(pairs))
        for m in mechanisms:
            batch: list[Answer] = [next(answers)] + ([next(answers)] if m.kind == "a" else [])
            if all(a.void for a in batch):
                self._void(batch[0].name + (" MX" if m.kind == "mx" else ""))
            mx = [r for r in batch[0].records] if m.kind == "mx" else []
            if len(mx) > MX_LIMIT:
                self.findings.append(finding(
                    "SPF004", f"'{m.text}' names {len(mx)} MX hosts (limit {MX_LIMIT})",
                    Location(f"{domain} TXT")))

    def _void(self, name: str) -> None:
        self.voids += 1
        self.void_names.append(name)


def _literal(spec: MacroString) -> str:
    """A domain-spec without macro letters (escapes like %- still expand)."""
    return spec.expand(lambda letter: "")
