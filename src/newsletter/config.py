"""Project configuration: `newsletter.toml`, or `[tool.newsletter]` in `pyproject.toml`.

Found from the template's folder upwards; the nearest file wins. Command-line flags override it.
Unknown keys and bad values are errors that name the file, the key and the fix. The folder of the
file is the project: templates load layouts and partials from it (and from `template_dirs`) only.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import NewsletterError

CONFIG_NAME = "newsletter.toml"

# Tables that other parts of the project read; their own modules validate their contents. A
# table nothing reads is an unknown key: a setting silently ignored would mislead.
SECTIONS = ("lint", "recipients", "reports", "smtp")


@dataclass(frozen=True)
class Config:
    """Settings shared by every command. Empty strings never appear: unset is None."""

    sender_name: str | None = None
    sender_address: str | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    list_id: str | None = None
    locale: str = "en"
    template_dirs: tuple[Path, ...] = ()  # more folders templates may load from, resolved
    path: Path | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)

    def section(self, name: str) -> dict[str, Any]:
        return self.sections.get(name, {})

    @property
    def project(self) -> Path | None:
        """The folder of the configuration file: the project's root (None without a file)."""
        return self.path.resolve().parent if self.path else None


_KEYS = tuple(f.name for f in fields(Config) if f.name not in ("path", "sections"))


def find_config(start: Path) -> Config:
    """The configuration that applies to files in `start` (a folder or a file)."""
    folder = start if start.is_dir() else start.parent
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        own = candidate / CONFIG_NAME
        if own.is_file():
            return load_config(own)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("newsletter")
            if table is not None:
                return _validate(table, pyproject, prefix="tool.newsletter.")
    return Config()


def load_config(path: Path) -> Config:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        return _validate(data.get("tool", {}).get("newsletter", {}), path, prefix="tool.newsletter.")
    return _validate(data, path, prefix="")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NewsletterError(f"cannot read configuration: {exc}", path=path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        what = str(exc).split(" (at ")[0]
        raise NewsletterError(
            f"invalid TOML: {what}",
            path=path,
            line=int(where.group(1)) if where else None,
            column=int(where.group(2)) if where else None,
            fix="correct the syntax",
        ) from None


def _validate(table: dict[str, Any], path: Path, prefix: str) -> Config:
    from .render.headers import UnsafeCharacter, first_unsafe  # render imports this module

    values: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise NewsletterError(f"[{prefix}{key}] must be a table", path=path)
            sections[key] = value
            continue
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS + SECTIONS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else \
                f"known keys: {', '.join(_KEYS)}; tables: {', '.join(f'[{name}]' for name in SECTIONS)}"
            raise NewsletterError(f"unknown key '{prefix}{key}'", path=path, fix=hint)
        if key == "template_dirs":
            values[key] = _template_dirs(value, path, prefix)
            continue
        if not isinstance(value, str) or not value.strip():
            raise NewsletterError(
                f"'{prefix}{key}' must be a non-empty string", path=path, fix=f'write {key} = "..."'
            )
        character = first_unsafe(value)  # every value ends in a header
        if character is not None:
            raise UnsafeCharacter(character, f"'{prefix}{key}'", value, path=path)
        values[key] = value.strip()
    _check_values(values, path, prefix)
    return Config(**values, path=path, sections=sections)


def _template_dirs(value: Any, path: Path, prefix: str) -> tuple[Path, ...]:
    """Folders relative to the configuration file, each of which must exist."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise NewsletterError(f"'{prefix}template_dirs' must be a list of folder names", path=path,
                              fix='write e.g. template_dirs = ["../shared-layouts"]')
    folders = []
    for item in value:
        folder = (path.parent / item.strip()).resolve()
        if not folder.is_dir():
            raise NewsletterError(f"'{prefix}template_dirs': folder {item!r} not found", path=path,
                                  fix="give folders relative to this file")
        folders.append(folder)
    return tuple(dict.fromkeys(folders))


def _check_values(values: dict[str, Any], path: Path, prefix: str) -> None:
    from .render.addresses import AddressError, parse_address

    for key in ("sender_address", "reply_to", "unsubscribe_mailto"):
        if key in values:
            raw = values[key].removeprefix("mailto:") if key == "unsubscribe_mailto" else values[key]
            try:
                address = parse_address(raw)
            except AddressError as exc:
                raise NewsletterError(f"'{prefix}{key}': {exc}", path=path, fix=exc.fix) from None
            if key == "unsubscribe_mailto":
                values[key] = address.addr_spec  # its domain in IDNA: a header is ASCII
    url = values.get("unsubscribe_url")
    if url and not url.startswith("https://"):
        raise NewsletterError(
            f"'{prefix}unsubscribe_url' must be an https:// URL (RFC 8058 one-click needs https)",
            path=path,
        )
    locale = values.get("locale")
    if locale and not locale.replace("_", "-").split("-")[0].isalpha():
        raise NewsletterError(f"'{prefix}locale' is not a language tag: {locale!r}", path=path,
                              fix='write e.g. locale = "fr" or "en-GB"')
