"""The recipient's display name in the To header: `Prénom Nom <addr>`.

By default it is the data's `name`, else `first_name` and `last_name` joined. A list whose columns
are named otherwise says so in newsletter.toml, in the order they are written:

    [recipients]
    name = ["prenom", "nom"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..errors import NewsletterError

DEFAULT_COLUMNS = ("first_name", "last_name")
_FIX = 'write e.g. name = ["prenom", "nom"] under [recipients]'


def name_columns(section: Mapping[str, Any], path: Path | None) -> tuple[str, ...]:
    """The columns `[recipients] name` names; () when it is not set (the default applies)."""
    unknown = sorted(set(section) - {"name"})
    if unknown:
        raise NewsletterError(f"unknown key 'recipients.{unknown[0]}'", path=path, fix=f"the only key is name; {_FIX}")
    value = section.get("name", ())
    columns = (value,) if isinstance(value, str) else value
    if not isinstance(columns, (list, tuple)) or not all(isinstance(c, str) and c.strip() for c in columns):
        raise NewsletterError("'recipients.name' must be a list of column names", path=path, fix=_FIX)
    return tuple(c.strip() for c in columns)


def display_name(data: Mapping[str, Any], columns: tuple[str, ...] = ()) -> str | None:
    """The named columns' values joined by a space (empty ones left out); without columns, the
    data's `name`, else `first_name` and `last_name`. None when there is nothing to show."""
    if not columns:
        if data.get("name"):
            return str(data["name"])
        columns = DEFAULT_COLUMNS
    name = " ".join([str(data[c]) for c in columns if data.get(c)])
    return name or None
