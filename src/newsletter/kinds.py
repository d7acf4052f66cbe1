"""The two kinds of mail. The kind decides headers and defaults."""

from __future__ import annotations

import enum
from pathlib import Path

from .errors import NewsletterError


class Kind(str, enum.Enum):
    TRANSACTIONAL = "transactional"
    PROMOTIONAL = "promotional"

    @classmethod
    def parse(cls, value: str, *, source: str = "--kind") -> "Kind":
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise NewsletterError(
                f"unknown kind {value.strip()!r} in {source}",
                fix="use 'transactional' or 'promotional'",
            ) from None


def resolve_kind(flag: Kind | str | None, declared: str | None, template: Path) -> Kind:
    """`--kind` wins, then the template's own `{% block kind %}`, then its folder's name."""
    if flag:
        return flag if isinstance(flag, Kind) else Kind.parse(flag)
    if declared and declared.strip():
        return Kind.parse(declared, source=f"{template} ({{% block kind %}})")
    for folder in template.resolve().parents:
        if folder.name in (Kind.TRANSACTIONAL.value, Kind.PROMOTIONAL.value):
            return Kind(folder.name)
    raise NewsletterError(
        "cannot tell whether this is transactional or promotional mail",
        path=template,
        fix="pass --kind, add {% block kind %}promotional{% endblock %}, or put it in a "
        "transactional/ or promotional/ folder",
    )
