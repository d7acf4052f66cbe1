"""`--network`: the message's links, images and one-click unsubscribe URL, fetched and judged.

Nothing here runs unless the user passes --network; private and loopback addresses are refused
unless they also pass --allow-private-network (the template may be hostile).

    family = network_family(NetworkOptions())      # a lint rule family (LintInput -> findings)
    lint_paths([Path("templates")], families=(*FAMILIES, family))
"""

from __future__ import annotations

from typing import Callable

from ..findings import Finding
from ..lint.model import LintInput
from .fetch import Hop, NetworkOptions, Outcome, Request, fetch_all
from .judge import judge, not_fetched, requests_of
from .targets import Targets, targets_of


def network_findings(item: LintInput, options: NetworkOptions = NetworkOptions()) -> list[Finding]:
    """Fetch what `item` links to (within the bounds) and say what is wrong with it."""
    targets = targets_of(item)
    requests = requests_of(targets)
    limit = int(options.limit("max_urls"))
    findings: list[Finding] = []
    if len(requests) > limit:
        findings.append(not_fetched(f"{len(requests) - limit} URLs past the first {limit} were not fetched",
                                    item.at()))
        requests = requests[:limit]
    outcomes = fetch_all(requests, options) if requests else {}
    return findings + list(judge(item, targets, outcomes))


def network_family(options: NetworkOptions) -> Callable[[LintInput], list[Finding]]:
    """`network_findings` with these options, as a lint rule family."""
    return lambda item: network_findings(item, options)


__all__ = ["Hop", "NetworkOptions", "Outcome", "Request", "Targets", "fetch_all", "network_family",
           "network_findings", "targets_of"]
