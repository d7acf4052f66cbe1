"""SPF `check_host()` (RFC 7208 sections 4 to 6, 8): may this IP send for this domain?

Pure: all DNS goes through the given resolver. Limits per RFC 7208 4.6.4: 10 DNS-querying terms
(include, a, mx, ptr, exists, redirect) for the whole evaluation, 2 void lookups, 10 MX and 10 PTR
names; anything beyond is a permerror (PTR names beyond 10 are just ignored).
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from typing import Callable

import dns.reversename

from ..resolver import Answer, Mx, Resolver, Status, Txt
from .macros import Ip, MacroError, MacroString, macro_values, parse_macro_string
from .syntax import Mechanism, SpfRecord, SpfSyntaxError, is_spf_record, parse_record

LOOKUP_LIMIT = 10
VOID_LIMIT = 2
MX_LIMIT = 10
PTR_LIMIT = 10


class SpfResult(str, enum.Enum):
    NONE = "none"
    NEUTRAL = "neutral"
    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"


@dataclass(frozen=True)
class SpfEvaluation:
    result: SpfResult
    domain: str  # the domain checked (MAIL FROM domain, or HELO)
    reason: str  # what decided the result, for a human
    mechanism: str | None = None  # the matching term, if one matched
    explanation: str | None = None  # from exp=, only for fail
    lookups: int = 0
    void_lookups: int = 0


class _Abort(Exception):
    def __init__(self, result: SpfResult, reason: str):
        super().__init__(reason)
        self.result = result
        self.reason = reason


@dataclass(frozen=True)
class _Outcome:
    result: SpfResult
    reason: str
    mechanism: str | None = None
    explanation: str | None = None


def spf_records(answer: Answer) -> list[bytes]:
    """The TXT records of an answer that are SPF records (joined strings)."""
    return [r.joined for r in answer.records if isinstance(r, Txt) and is_spf_record(r.joined)]


def valid_domain(name: str) -> bool:
    """RFC 7208 4.3: a multi-label name DNS can carry (no empty or over-long label), and not an
    address literal such as a HELO of '[192.0.2.1]' (RFC 5321 4.1.3)."""
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    return (len(labels) >= 2 and len(name) <= 253 and not name.startswith("[")
            and all(0 < len(label.encode("utf-8", "replace")) <= 63 for label in labels))


def normalise_ip(ip: str | Ip) -> Ip:
    """IPv4-mapped IPv6 addresses are IPv4 (RFC 7208 5)."""
    address = ipaddress.ip_address(ip.strip() if isinstance(ip, str) else ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def check_sender(resolver: Resolver, ip: str | Ip, mail_from: str, helo: str = "",
                 *, receiver: str = "unknown") -> SpfEvaluation:
    """Evaluate the MAIL FROM identity; with an empty MAIL FROM, the HELO one (RFC 7208 2.4)."""
    sender = mail_from.strip().strip("<>") or f"postmaster@{helo}"
    local, at, domain = sender.rpartition("@")
    if not at:
        local, domain = "postmaster", sender
    sender = f"{local or 'postmaster'}@{domain}"
    return check_host(resolver, ip, domain, sender, helo, receiver=receiver)


def check_host(resolver: Resolver, ip: str | Ip, domain: str, sender: str, helo: str = "",
               *, receiver: str = "unknown") -> SpfEvaluation:
    evaluation = _Evaluation(resolver, normalise_ip(ip), sender, helo, receiver)
    try:
        if not valid_domain(domain):
            outcome = _Outcome(SpfResult.NONE, f"{domain!r} is not a valid domain name")
        else:
            outcome = evaluation.check(domain.rstrip("."))
    except _Abort as abort:
        outcome = _Outcome(abort.result, abort.reason)
    return SpfEvaluation(outcome.result, domain, outcome.reason, outcome.mechanism,
                         outcome.explanation, evaluation.lookups, evaluation.voids)


class _Evaluation:
    def __init__(self, resolver: Resolver, ip: Ip, sender: str, helo: str, receiver: str):
        self.resolver = resolver
        self.ip = ip
        self.sender = sender
        self.helo = helo
        self.receiver = receiver
        self.lookups = 0
        self.voids = 0
        self._validated: dict[str, str] = {}

    # --- limits ----------------------------------------------------------------------------

    def _count(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > LOOKUP_LIMIT:
            raise _Abort(SpfResult.PERMERROR,
                         f"more than {LOOKUP_LIMIT} DNS lookups (at {term!r})")

    def _void(self, answer: Answer) -> None:
        self.voids += 1
        if self.voids > VOID_LIMIT:
            raise _Abort(SpfResult.PERMERROR,
                         f"more than {VOID_LIMIT} void lookups (at {answer.name} {answer.rdtype})")

    def _answer(self, name: str, rdtype: str, *, void: bool = True) -> Answer:
        answer = self.resolver.query(name, rdtype)
        if answer.status is Status.TEMPERROR:
            raise _Abort(SpfResult.TEMPERROR,
                         f"DNS error for {name} {rdtype}: {answer.error or 'temporary failure'}")
        if answer.void and void:
            self._void(answer)
        return answer

    # --- record ----------------------------------------------------------------------------

    def check(self, domain: str) -> _Outcome:
        answer = self.resolver.query(domain, "TXT")
        if answer.status is Status.TEMPERROR:
            raise _Abort(SpfResult.TEMPERROR,
                         f"DNS error for {domain} TXT: {answer.error or 'temporary failure'}")
        records = spf_records(answer)
        if not records:
            return _Outcome(SpfResult.NONE, f"no SPF record at {domain}")
        if len(records) > 1:
            raise _Abort(SpfResult.PERMERROR, f"{len(records)} SPF records at {domain}")
        try:
            record = parse_record(records[0].decode("latin-1"))
        except SpfSyntaxError as exc:
            raise _Abort(SpfResult.PERMERROR,
                         f"syntax error in SPF record of {domain}: {exc.message}") from None
        return self._evaluate(record, domain)

    def _evaluate(self, record: SpfRecord, domain: str) -> _Outcome:
        for mechanism in record.mechanisms:
            if self._matches(mechanism, domain):
                result = SpfResult(mechanism.result)
                explanation = self._explain(record, domain) if result is SpfResult.FAIL else None
                return _Outcome(result, f"{mechanism.text!r} matched in the record of {domain}",
                                mechanism.text, explanation)
        redirect = record.redirect
        if redirect is None:
            return _Outcome(SpfResult.NEUTRAL, f"no mechanism matched in the record of {domain}")
        self._count(redirect.text)
        target = self._expand(redirect.value, domain)
        outcome = self.check(target) if valid_domain(target) else None
        if outcome is None or outcome.result is SpfResult.NONE:
            raise _Abort(SpfResult.PERMERROR, f"redirect to {target} which has no SPF record")
        return outcome

    # --- mechanisms ------------------------------------------------------------------------

    def _matches(self, mechanism: Mechanism, domain: str) -> bool:
        kind = mechanism.kind
        if kind == "all":
            return True
        if kind in ("ip4", "ip6"):
            return self.ip in mechanism.network  # type: ignore[operator]
        self._count(mechanism.text)
        target = self._expand(mechanism.domain, domain) if mechanism.domain else domain
        if kind == "include":
            outcome = self.check(target) if valid_domain(target) else None
            if outcome is None or outcome.result is SpfResult.NONE:
                raise _Abort(SpfResult.PERMERROR, f"include of {target} which has no SPF record")
            return outcome.result is SpfResult.PASS
        if not valid_domain(target):
            return False  # cannot be queried: treated as non-existent (RFC 7208 leaves it open)
        if kind == "a":
            answer = self._answer(target, self._address_type)
            return self._in_addresses(answer, mechanism)
        if kind == "mx":
            return self._mx_matches(target, mechanism)
        if kind == "exists":
            return not self._answer(target, "A").void
        return any(_same_or_sub(name, target) for name in self._validated_names(void=True))

    @property
    def _address_type(self) -> str:
        return "A" if self.ip.version == 4 else "AAAA"

    def _in_addresses(self, answer: Answer, mechanism: Mechanism) -> bool:
        prefix = mechanism.cidr4 if self.ip.version == 4 else mechanism.cidr6
        for address in answer.records:
            if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) \
                    and address.version == self.ip.version:
                bits = address.max_prefixlen if prefix is None else prefix
                if self.ip in ipaddress.ip_network(f"{address}/{bits}", strict=False):
                    return True
        return False

    def _mx_matches(self, target: str, mechanism: Mechanism) -> bool:
        answer = self._answer(target, "MX")
        hosts = [r.exchange for r in answer.records if isinstance(r, Mx)]
        if len(hosts) > MX_LIMIT:
            raise _Abort(SpfResult.PERMERROR,
                         f"{target} has {len(hosts)} MX records, more than {MX_LIMIT}")
        hosts = [h for h in hosts if h]  # a null MX ('.') names no host
        for address_answer in self.resolver.query_many([(h, self._address_type) for h in hosts]):
            if address_answer.status is Status.TEMPERROR:
                raise _Abort(SpfResult.TEMPERROR, f"DNS error for {address_answer.name}: "
                                                  f"{address_answer.error}")
            if self._in_addresses(address_answer, mechanism):
                return True
        return False

    def _validated_names(self, *, void: bool) -> list[str]:
        """RFC 7208 5.5: PTR names of the IP whose own addresses include the IP."""
        reverse = dns.reversename.from_address(str(self.ip)).to_text(omit_final_dot=True)
        answer = self.resolver.query(reverse, "PTR")
        if answer.void and void:
            self._void(answer)
        if answer.status is not Status.RECORDS:
            return []
        names = [r for r in answer.records if isinstance(r, str)][:PTR_LIMIT]
        answers = self.resolver.query_many([(n, self._address_type) for n in names])
        return [name for name, found in zip(names, answers)
                if found.status is Status.RECORDS and self.ip in found.records]

    # --- macros and explanation ------------------------------------------------------------

    def _values(self, domain: str) -> Callable[[str], str]:
        def validated() -> str:
            if domain not in self._validated:
                names = self._validated_names(void=False)
                preferred = [n for n in names if _same_or_sub(n, domain)]
                self._validated[domain] = (preferred or names or ["unknown"])[0]
            return self._validated[domain]

        return macro_values(sender=self.sender, domain=domain, ip=self.ip, helo=self.helo,
                            validated=validated, receiver=self.receiver)

    def _expand(self, spec: MacroString, domain: str) -> str:
        """A domain-spec, expanded, truncated on the left to 253 characters, no trailing dot."""
        name = spec.expand(self._values(domain))
        name = name[:-1] if name.endswith(".") else name
        while len(name) > 253 and "." in name:
            name = name.split(".", 1)[1]
        return name

    def _explain(self, record: SpfRecord, domain: str) -> str | None:
        """RFC 7208 6.2: any problem with the explanation means 'no explanation'."""
        modifier = record.explanation
        if modifier is None:
            return None
        target = self._expand(modifier.value, domain)
        if not valid_domain(target):
            return None
        answer = self.resolver.query(target, "TXT")
        texts = [r for r in answer.records if isinstance(r, Txt)]
        if answer.status is not Status.RECORDS or len(texts) != 1:
            return None
        raw = texts[0].joined
        if not raw.isascii():
            return None
        try:
            return parse_macro_string(raw.decode("ascii"), explanation=True).expand(
                self._values(domain))
        except MacroError:
            return None


def _same_or_sub(name: str, domain: str) -> bool:
    name, domain = name.lower().rstrip("."), domain.lower().rstrip(".")
    return name == domain or name.endswith("." + domain)
