"""Which rules run: `--select`/`--ignore` by id or prefix, and the `[lint]` table of the config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..config import Config
from ..errors import NewsletterError
from ..findings import catalogue
from .clients import resolve_clients

_KEYS = ("select", "ignore", "exclude", "clients")


@dataclass(frozen=True)
class Selection:
    """A rule runs when it matches a `select` prefix (all rules when empty) and no `ignore` one."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def keeps(self, rule: str) -> bool:
        selected = not self.select or any(rule.startswith(p) for p in self.select)
        return selected and not any(rule.startswith(p) for p in self.ignore)


@dataclass(frozen=True)
class LintSettings:
    selection: Selection = Selection()
    exclude: tuple[str, ...] = ()
    clients: tuple[str, ...] | None = None  # mail clients the E rules judge support for; None: the default


def parse_rule_list(values: Iterable[str], *, source: str) -> tuple[str, ...]:
    """Rule ids or prefixes, comma-separated or repeated; each must match a catalogued rule."""
    rules = tuple(r.strip().upper() for value in values for r in value.split(",") if r.strip())
    known = catalogue()
    for prefix in rules:
        if not any(rule_id.startswith(prefix) for rule_id in known):
            raise NewsletterError(f"unknown rule or prefix {prefix!r} in {source}",
                                  fix="see `newsletter rules` for the rule ids")
    return rules


def settings_from(config: Config, *, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> LintSettings:
    """The `[lint]` table, validated, with the command line on top: `--select` replaces the
    configured selection, `--ignore` adds to the configured ignores."""
    table = config.section("lint")
    where = f"{config.path or 'configuration'} [lint]"
    for key, value in table.items():
        if key not in _KEYS:
            raise NewsletterError(f"unknown key '{key}' in [lint]", path=config.path,
                                  fix=f"known keys: {', '.join(_KEYS)}")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise NewsletterError(f"[lint] {key} must be a list of strings", path=config.path,
                                  fix=f'write {key} = ["..."]')
    select = tuple(select)
    chosen = parse_rule_list(select, source="--select") if select else parse_rule_list(table.get("select", []), source=where)
    ignored = parse_rule_list(table.get("ignore", []), source=where) + parse_rule_list(ignore, source="--ignore")
    clients = resolve_clients(table["clients"], where=where, path=config.path) if "clients" in table else None
    return LintSettings(Selection(chosen, ignored), tuple(table.get("exclude", [])), clients)

