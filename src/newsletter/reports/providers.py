"""Who a sending IP belongs to (Google, Microsoft, the shop's ESP...), from
`checks/report-providers.toml`, and the `[reports]` table of newsletter.toml that names the
shop's own ESP and sending ranges."""

from __future__ import annotations

import difflib
import ipaddress
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from ..checkfiles import read_check
from ..config import Config
from ..errors import NewsletterError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    reverse_suffixes: tuple[str, ...]
    spf_includes: tuple[str, ...]
    source: str

    def owns_name(self, name: str) -> bool:
        name = name.rstrip(".").lower()
        return any(name == s or name.endswith("." + s) for s in self.reverse_suffixes)


@cache
def providers() -> Mapping[str, Provider]:
    text = read_check("report-providers.toml")
    table = tomllib.loads(text)["provider"]
    return MappingProxyType({key: Provider(key, value["name"], tuple(value["reverse_suffixes"]),
                                           tuple(value["spf_includes"]), value["source"])
                             for key, value in table.items()})


def provider_of_name(name: str) -> Provider | None:
    """The provider whose reverse names end like `name` (the longest suffix wins)."""
    matches = [p for p in providers().values() if p.owns_name(name)]
    return max(matches, key=lambda p: max(len(s) for s in p.reverse_suffixes), default=None)


def provider_of_include(domain: str) -> Provider | None:
    domain = domain.rstrip(".").lower()
    return next((p for p in providers().values() if domain in p.spf_includes), None)


@dataclass(frozen=True)
class ReportSettings:
    """`[reports]` in newsletter.toml: `esp` (a provider id), `own_ips` (CIDR ranges that send
    for the shop), `db` (the store, relative to the configuration file)."""

    esp: Provider | None = None
    own_ips: tuple[Network, ...] = ()
    db: Path | None = None

    def is_own(self, ip: str) -> bool:
        address = ipaddress.ip_address(ip)
        return any(address in network for network in self.own_ips)


_KEYS = ("esp", "own_ips", "db")


def report_settings(config: Config) -> ReportSettings:
    table = config.section("reports")
    where = config.path
    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            raise NewsletterError(f"unknown key 'reports.{key}'", path=where,
                                  fix=f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(_KEYS)}")
    esp = table.get("esp")
    if esp is not None and (not isinstance(esp, str) or esp.strip().lower() not in providers()):
        raise NewsletterError(f"'reports.esp' is {esp!r}, not a known provider", path=where,
                              fix=f"choose among {', '.join(providers())}, or list its ranges in own_ips")
    ranges = table.get("own_ips", [])
    if not isinstance(ranges, list) or not all(isinstance(r, str) for r in ranges):
        raise NewsletterError("'reports.own_ips' must be a list of strings", path=where,
                              fix='write own_ips = ["192.0.2.0/24", "2001:db8::/32"]')
    networks = []
    for text in ranges:
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise NewsletterError(f"'reports.own_ips': {text!r} is not an IP range", path=where,
                                  fix='write ranges as "192.0.2.0/24" or single addresses') from None
    db = table.get("db")
    if db is not None and (not isinstance(db, str) or not db.strip()):
        raise NewsletterError("'reports.db' must be a file name", path=where, fix='write db = "reports.sqlite"')
    base = where.parent if where is not None else Path.cwd()
    return ReportSettings(esp=providers()[esp.strip().lower()] if esp else None, own_ips=tuple(networks),
                          db=base / db if db else None)
