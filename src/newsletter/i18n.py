"""What people read, in their language: the locale a command uses, the message catalogues
(`checks/locale/*.toml`, English as the fallback key by key) and prices, dates and percentages
written the locale's way (Babel's CLDR data: `89,00 €`, `3 févr.`, `40 %`).

Two locales, chosen apart. Reports (`check`, `lint`, `rules`, `markup`) are read by the person
running the command: `--locale`, else $NEWSLETTER_LOCALE, else the POSIX locale ($LC_ALL,
$LC_MESSAGES, $LANG, as gettext reads them), else English. What a recipient sees (the preview's
Promotions card, the `money` filter) follows the mail's language: newsletter.toml's `locale`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from typing import Any, Callable, Mapping

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from .checkfiles import checks_dir, read_check
from .findings import Finding, Rule, Severity, catalogue

LOCALES = ("en", "fr")
DEFAULT = "en"
# CLDR locales: English as in Britain, day before month ("31 Jan"), as Gmail's badge writes it.
_CLDR = {"en": "en_GB", "fr": "fr_FR"}


def language(tag: str | None) -> str:
    """The catalogue for a language tag: "fr-CA", "fr_FR", "FR" -> "fr"; anything else -> "en"."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LOCALES else DEFAULT


REPORT_VARIABLES = ("NEWSLETTER_LOCALE", "LC_ALL", "LC_MESSAGES", "LANG")


def reader_messages(flag: str | None = None, environ: Mapping[str, str] = os.environ) -> "Messages":
    """The texts of a report: `--locale`, else the first of REPORT_VARIABLES that is set (C and
    POSIX read as English), else English."""
    tag = flag or next((environ[name] for name in REPORT_VARIABLES if environ.get(name)), None)
    return messages(tag)


# Texts of the rooms above this module that a message may quote (the placement model's reasons,
# quoted by P003/P004): each such room registers, when it is imported, how to say them in a locale.
_QUOTED_TEXTS: list[Callable[[str, "Messages"], str | None]] = []


def register_quoted_texts(translate: Callable[[str, "Messages"], str | None]) -> None:
    _QUOTED_TEXTS.append(translate)


@dataclass(frozen=True)
class Messages:
    """One locale's texts (its catalogue over the English one) and its ways of writing numbers."""

    locale: str
    texts: Mapping[str, Any]

    # -- texts ---------------------------------------------------------------------------------

    def text(self, key: str, **values: Any) -> str:
        """The text at a dotted key ("report.tab.primary"), its {names} filled in."""
        found = _lookup(self.texts, key)
        if not isinstance(found, str):
            found = _lookup(_catalogue(DEFAULT), key)
        if not isinstance(found, str):
            raise KeyError(f"no text {key!r} in the {self.locale} or English catalogue")
        return found.format(**values) if values else found

    def plural(self, key: str, count: int, **values: Any) -> str:
        """`key_one` or `key_other` by the locale's plural rule (French: 0 and 1 are singular)."""
        form = "one" if Locale.parse(_CLDR[self.locale]).plural_form(count) == "one" else "other"
        return self.text(f"{key}_{form}", count=count, **values)

    def optional(self, key: str, default: str, **values: Any) -> str:
        """The text at `key` in this locale, or `default` (English from elsewhere) as it is."""
        found = _lookup(self.texts, key)
        return found.format(**values) if isinstance(found, str) else default

    def severity(self, severity: Severity) -> str:
        return self.text(f"severity.{severity.value}")

    def rule(self, rule: Rule) -> Rule:
        """The rule with its title, why and fix in this locale (the catalogue's English where missing)."""
        own = self.texts.get("rules", {}).get(rule.id, {})
        why = self.texts.get("why", {}).get(rule.id, rule.why)
        return replace(rule, title=own.get("title", rule.title), fix=own.get("fix", rule.fix), why=why)

    def fix(self, finding: Finding) -> str | None:
        """A finding's fix: the rule's, translated, when the finding kept the catalogue's fix;
        a fix a check wrote for this finding is matched like a message."""
        rule = catalogue().get(finding.rule)
        if rule is not None and finding.fix == rule.fix:
            return self.rule(rule).fix
        return self.message(finding.fix) if finding.fix else finding.fix

    def message(self, english: str) -> str:
        """A text written in English by a check (a finding's message, a reason's detail), in this
        locale when one of its `[[message]]` patterns matches it whole; else as it is.

        A pattern's groups are filled in as they are (values quoted from the input), except
        `…_en` groups, English words of the project translated in turn (a list joined by "; "
        item by item), and `…_n` groups, numbers written the locale's way ("4,212" -> 4 212)."""
        return english if self.locale == DEFAULT else self._translated(english, 0)

    def _translated(self, english: str, depth: int) -> str:
        """`message` at a nesting depth (a group's value translated in turn, twice at most)."""
        for pattern, translation in self._patterns:
            match = pattern.fullmatch(english)
            if match:
                return self._fill(match, translation, depth)
        if depth < 2 and "; " in english:
            parts = [self._translated(part, depth + 1) for part in english.split("; ")]
            return self.text("formats.list_separator").join(parts)
        for translate in _QUOTED_TEXTS:
            found = translate(english, self)
            if found:
                return found
        return english

    def _fill(self, match: re.Match[str], translation: str, depth: int) -> str:
        values = {}
        for name, value in match.groupdict().items():
            if value and name.endswith("_en"):
                value = self._translated(value, depth + 1)
            elif value and name.endswith("_n"):
                value = self.number(value)
            values[name] = value or ""
        return translation.format(**values)

    def number(self, english: str) -> str:
        """A number as an English text writes it ("4,212", "100.0"), in this locale's way."""
        try:
            number = Decimal(english.replace(",", ""))
        except InvalidOperation:
            return english
        decimals = len(english.partition(".")[2])
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        sign = "+" if english.startswith("+") else ""
        return sign + format_decimal(number, format=pattern, locale=_CLDR[self.locale])

    @cached_property
    def _patterns(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        if self.locale == DEFAULT:
            return ()
        return tuple((re.compile(entry["english"]), entry["french"]) for entry in self.texts.get("message", ()))

    # -- numbers and dates ---------------------------------------------------------------------

    def price(self, amount: str | float | None, currency: str | None) -> str | None:
        """"89.00", "EUR" -> `89,00 €` (fr), `€89.00` (en); text that is not a number, as it is."""
        if amount is None or str(amount).strip() == "":
            return None
        try:
            number = Decimal(str(amount).strip())
        except InvalidOperation:
            return " ".join(str(part) for part in (amount, currency) if part)
        if not number.is_finite():
            return " ".join(str(part) for part in (amount, currency) if part)
        if currency:
            return format_currency(number, currency.strip().upper(), locale=_CLDR[self.locale])
        return format_decimal(number, format="#,##0.00", locale=_CLDR[self.locale])

    def date(self, value: date | datetime, *, with_time: bool = False) -> str:
        """`3 févr.` (fr), `3 Feb` (en); with the time, `3 févr. à 23:59`, `3 Feb 23:59`."""
        day = format_skeleton("MMMd", value, locale=_CLDR[self.locale])
        if not with_time or not isinstance(value, datetime):
            return day
        return self.text("formats.date_time", date=day, time=format_time(value, "HH:mm", locale=_CLDR[self.locale]))

    def percent(self, fraction: float) -> str:
        """0.4 -> `40 %` (fr, with a no-break space), `40%` (en, as Python writes it)."""
        if self.locale == DEFAULT:
            return f"{fraction:.0%}"
        return format_percent(fraction, locale=_CLDR[self.locale])

    def signed(self, value: float) -> str:
        """A contribution to a score: `+1,4` (fr), `+1.4` (en, as Python writes it)."""
        if self.locale == DEFAULT:
            return f"{value:+.1f}"
        return format_decimal(value, format="+0.0;-0.0", locale=_CLDR[self.locale])


@cache
def messages(locale: str | None = None) -> Messages:
    """The catalogue of a language (any tag; unknown languages get English)."""
    chosen = language(locale)
    return Messages(chosen, _catalogue(chosen))


@cache
def _catalogue(locale: str) -> dict[str, Any]:
    """`{locale}.toml` and its companions `{locale}-*.toml` (finding messages, why, dns, reports,
    preview: one file a concern), merged: tables key by key, `[[message]]` lists end to end."""
    folder = checks_dir().joinpath("locale")
    names = [f"{locale}.toml"] + sorted(e.name for e in folder.iterdir()
                                        if e.name.startswith(f"{locale}-") and e.name.endswith(".toml"))
    merged: dict[str, Any] = {}
    for name in names:
        _merge(merged, tomllib.loads(read_check("locale", name)))
    return merged


def _merge(into: dict[str, Any], table: Mapping[str, Any]) -> None:
    for key, value in table.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


def _lookup(table: Mapping[str, Any], key: str) -> Any:
    found: Any = table
    for part in key.split("."):
        if not isinstance(found, Mapping) or part not in found:
            return None
        found = found[part]
    return found
