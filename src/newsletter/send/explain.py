"""What a provider's reply about sender requirements means and how to fix it, from
`checks/provider-replies.toml` (Gmail's SMTP error reference, Microsoft's 5.7.515): pure data
lookup, so a bounce line can say why in words."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from ..checkfiles import read_check

_ENHANCED = re.compile(r"\b([45])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class Explanation:
    provider: str  # the provider's name: Gmail, Outlook.com
    code: str  # the enhanced status code, 5.7.26
    meaning: str
    fix: str
    source: str

    def __str__(self) -> str:
        return f"{self.provider} {self.code}: {self.meaning}; fix: {self.fix}"


@cache
def _table() -> tuple[dict, dict[str, list[dict]]]:
    raw = tomllib.loads(read_check("provider-replies.toml"))
    by_code: dict[str, list[dict]] = {}
    for entry in raw["reply"]:
        for code in entry["codes"]:
            by_code.setdefault(code, []).append(entry)
    return raw["provider"], by_code


def explain(reply: str | None) -> Explanation | None:
    """The explanation of a reply (`550-5.7.26 This email has been blocked ... - gsmtp`), or None
    when it is no provider's known reply."""
    if not reply:
        return None
    providers, by_code = _table()
    for match in _ENHANCED.finditer(reply):
        for entry in by_code.get(match.group(0), ()):
            provider = providers[entry["provider"]]
            if provider["marker"].lower() in reply.lower():
                return Explanation(provider["name"], match.group(0), entry["meaning"], entry["fix"], provider["source"])
    return None
