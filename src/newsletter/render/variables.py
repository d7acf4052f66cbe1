"""Where a campaign's template variables come from: each recipient's row, or the shared data.

A variable the list's rows bring is the recipient's own; one only the shared data (`--data`) has
is the same for everyone. That split is silent where it goes wrong, so it is said once, before
the first message: a list column the template never uses (`Prénom` where the template reads
`prenom`), the values the shared data gives everyone for want of a column (a warning when one
looks like a recipient's own: a sample recipient's `prenom` left in the data file greets every
recipient « Hélène »), and, after the run, a recipient value that is empty (`Bonjour ,`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2.meta

from ..findings import Finding, Location, Severity, finding
from .campaign import PER_CAMPAIGN, PER_RECIPIENT
from .environment import header_environment
from .pipeline import Campaign

# What the renderer itself reads from a recipient's data, for the To header.
TO_HEADER = ("name", "first_name", "last_name")


@dataclass(frozen=True)
class VariableSources:
    needed: frozenset[str] | None  # every variable the template reads; None when not known
    own: frozenset[str]  # brought by each row
    shared: frozenset[str]  # given by the shared data, the same for everyone
    required: frozenset[str]  # own ones the shared data does not give: a row without one is rejected

    @property
    def personal(self) -> frozenset[str]:
        """The recipient's own values the template reads, besides those the renderer computes."""
        return (self.own & (self.needed or frozenset())) - set(PER_RECIPIENT)


def variable_sources(needed: set[str] | None, columns: Iterable[str], shared_data: Mapping[str, Any]) -> VariableSources:
    """Split the template's variables, given the list's columns (as its first row has them)."""
    columns, given = set(columns), set(shared_data)
    if needed is None:  # a template chosen at run time: every message is rendered in full
        return VariableSources(None, frozenset(columns), frozenset(given), frozenset())
    own = (needed & columns) | (needed - given - set(PER_CAMPAIGN))
    return VariableSources(frozenset(needed), frozenset(own), frozenset(needed - own), frozenset(own - given))


def unsubscribe_variables(campaign: Campaign) -> set[str]:
    """The variables the unsubscribe URL pattern reads (`{{ email | urlencode }}`)."""
    pattern = campaign.options.unsubscribe_url or campaign.compiled.config.unsubscribe_url
    return jinja2.meta.find_undeclared_variables(header_environment().parse(pattern)) if pattern else set()


def list_findings(sources: VariableSources, columns: list[str], shared_data: Mapping[str, Any],
                  also_read: set[str], recipients: Path) -> list[Finding]:
    """Columns the template never uses, and shared values that look like a recipient's own.
    `also_read`: variables read besides the template's (the unsubscribe URL pattern)."""
    if sources.needed is None:
        return []
    where = Location(str(recipients), 1)
    read = sources.needed | also_read | set(TO_HEADER) | set(PER_RECIPIENT)
    unused = [name for name in columns if name not in read]
    out = []
    if unused:
        out.append(finding("R010", f"the template never uses the list's column{'s' if len(unused) > 1 else ''} "
                                   + ", ".join(repr(name) for name in unused), where))
    # Lists and objects in the shared data are the campaign's (products, the shop); a text or a
    # number the list lacks may be a recipient's, and is a warning when it looks like one.
    values, personal = [], False
    for name in sorted(sources.shared - set(PER_CAMPAIGN) - set(PER_RECIPIENT)):
        value = shared_data[name]
        if isinstance(value, (dict, list)):
            continue
        meant = next((column for column in unused if _fold(column) == _fold(name)), None)
        personal = personal or bool(meant) or name in TO_HEADER
        values.append(f"'{name}' = {_show(value)}" + (f" (the list's column '{meant}' is not used)" if meant else ""))
    if values:
        out.append(finding(
            "R011", "the same for every recipient, from the shared data, as the list has no such column: "
                    + ", ".join(values),
            where, severity=Severity.WARNING if personal else Severity.INFO,
        ))
    return out


@dataclass
class EmptyValues:
    """The rows where a recipient value the template prints is empty, counted per variable."""

    names: frozenset[str]
    lines: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def note(self, line: int, data: Mapping[str, Any]) -> None:
        values = data.values()
        if "" not in values and None not in values:  # the usual row, known without a loop
            return
        for name in self.names:
            if name in data and data[name] in ("", None):
                self.counts[name] = self.counts.get(name, 0) + 1
                if len(self.lines.setdefault(name, [])) < 3:
                    self.lines[name].append(line)

    def findings(self, recipients: Path) -> list[Finding]:
        out = []
        for name in sorted(self.counts):
            count, lines = self.counts[name], self.lines[name]
            places = ", ".join(map(str, lines)) + (", …" if count > len(lines) else "")
            who = "1 recipient (line" if count == 1 else f"{count:,} recipients (lines"
            out.append(finding("R012", f"'{name}' is empty for {who} {places})", Location(str(recipients), lines[0]),
                               fix=f"fill it in the list, or write the template so that it reads well without it: "
                                   f"{{% if {name} %}}…{{% endif %}}"))
        return out


def _fold(name: str) -> str:
    """`Prénom`, `prenom` and `PRENOM` alike; `first name` and `first_name` alike."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"
