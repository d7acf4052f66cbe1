"""The resolver a command asks, chosen in one place: zone files first (records checked before
they are published), then the given nameservers or the system's; zone files alone mean offline."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import NewsletterError
from .report import CheckOptions, DomainReport, check_domains, validate_domain
from .resolver import LayeredResolver, NetworkResolver, QueryBudget, Resolver, ZoneResolver, parse_nameserver


@contextmanager
def dns_resolver(zones: Sequence[Path] = (), nameservers: Sequence[str] = (), *, origin: str | None = None,
                 timeout: float = 2.0, budget: QueryBudget | None = None,
                 live: bool | None = None) -> Iterator[Resolver | None]:
    """A resolver for the block's lookups: the zone files, layered over the nameservers given, or
    over the system's DNS when `live` (None: only when no zone file is given). `origin`: the
    domain that relative zone-file names belong to. None when there is nothing to ask: nothing
    goes to the network unless asked. Raises
    `NewsletterError` once the block is done if the network answered nothing: a report made of
    timeouts would blame the domain for the network."""
    zone = ZoneResolver.from_files(list(zones), origin=origin.rstrip(".") + "." if origin else None) if zones else None
    network = None
    if nameservers or (zone is None if live is None else live):
        network = NetworkResolver([parse_nameserver(n) for n in nameservers] or None, timeout=timeout, budget=budget)
    try:
        yield LayeredResolver(zone, network) if zone and network else (zone or network)  # type: ignore[misc]
    finally:
        if network is not None:
            network.close()
    if network is not None and network.queries and not network.responses:
        servers = ", ".join(f"{host}:{port}" for host, port in network.nameservers)
        raise NewsletterError(f"no answer from the nameserver(s) {servers} within {timeout:g} s",
                              fix="check --nameserver and the network, raise --timeout, or check records "
                                  "from a zone file with --zone")


def report_domains(domains: Sequence[str], options: CheckOptions = CheckOptions(), *, zones: Sequence[Path] = (),
                   nameservers: Sequence[str] = (), timeout: float = 2.0) -> list[DomainReport]:
    """The sender-authentication report of each domain, as `newsletter dns` makes it."""
    names = [validate_domain(d) for d in domains]
    with dns_resolver(zones, nameservers, origin=names[0], timeout=timeout,
                      budget=QueryBudget.for_domains(len(names))) as resolver:
        return check_domains(names, resolver, options)
