"""Who each source IP is: its reverse name (forward-confirmed), the provider it belongs to, and
whether the domain's SPF record authorises it. Everything asks the `Resolver` it is given (zone
files, or the live DNS when the user asked for it); without one, nothing is looked up and
the answer says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import dns.reversename

from ..auth import Resolver, check_host, check_reverse_dns
from ..auth.spf import SpfResult
from .providers import ReportSettings, provider_of_include, provider_of_name


@dataclass(frozen=True)
class Sender:
    ip: str
    reverse_name: str | None  # the forward-confirmed PTR name, else the first PTR name
    reverse: str  # confirmed, unconfirmed (PTR does not resolve back), none (no PTR), unknown
    provider: str | None
    own: bool  # in [reports] own_ips, or the configured ESP's
    spf: str | None  # check_host() for the domain; None: not checked (no DNS given)
    spf_mechanism: str | None = None  # the term that authorised it

    @property
    def in_spf(self) -> bool | None:
        """Authorised by the domain's SPF record; None when that could not be checked."""
        if self.spf is None or self.spf == SpfResult.TEMPERROR.value:
            return None
        return self.spf == SpfResult.PASS.value


def identify_senders(domain: str, ips: Iterable[str], resolver: Resolver | None,
                     settings: ReportSettings) -> dict[str, Sender]:
    """Each IP's identity as a sender for `domain`."""
    ips = list(dict.fromkeys(ips))
    if resolver is not None:  # the PTR queries in parallel (a network resolver), then cached
        resolver.query_many([(dns.reversename.from_address(ip).to_text(omit_final_dot=True), "PTR")
                             for ip in ips])
    return {ip: _identify(domain, ip, resolver, settings) for ip in ips}


def _identify(domain: str, ip: str, resolver: Resolver | None, settings: ReportSettings) -> Sender:
    name, reverse, spf, mechanism = None, "unknown", None, None
    if resolver is not None:
        result, _ = check_reverse_dns(ip, resolver)
        if result.error:
            reverse = "unknown"
        elif result.confirmed:
            name, reverse = result.confirmed[0], "confirmed"
        elif result.names:
            name, reverse = result.names[0], "unconfirmed"
        else:
            reverse = "none"
        evaluation = check_host(resolver, ip, domain, f"postmaster@{domain}")
        spf, mechanism = evaluation.result.value, evaluation.mechanism
    provider = provider_of_name(name) if name and reverse == "confirmed" else None
    if provider is None and mechanism and mechanism.lstrip("+").startswith("include:"):
        provider = provider_of_include(mechanism.partition(":")[2])
    own = settings.is_own(ip) or (provider is not None and provider == settings.esp)
    label = provider.name if provider else None
    if settings.is_own(ip) and provider is None:
        label = settings.esp.name if settings.esp else "your servers"
    return Sender(ip, name, reverse, label, own, spf, mechanism)
