"""Where and how a run sends: the SMTP server, TLS, login and pace.

Each setting comes from the command line, else `[smtp]` in newsletter.toml, else
`checks/smtp.toml`, where every default says why it is what it is. The password is never a
setting: it is read from an environment variable (or typed at the command's prompt) and kept out
of every repr, message and journal.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from ..checkfiles import read_check
from ..config import Config
from ..errors import NewsletterError
from ..addresses import AddressError, parse_address

TLS_MODES = ("starttls", "implicit", "none")
_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|min|minute|h|hour))?\s*", re.I)
_PER = {"s": 1, "sec": 1, "second": 1, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@cache
def knowledge() -> Mapping[str, Any]:
    """`checks/smtp.toml`: the default settings and the meaning of replies."""
    text = read_check("smtp.toml")
    return tomllib.loads(text)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  # one of TLS_MODES
    cafile: Path | None  # certificates to trust instead of the system's (a private CA)
    username: str | None
    password_env: str
    mail_from: str | None  # the envelope sender (bounces go there); default: the message's From
    connections: int
    messages_per_connection: int
    rate: float | None  # messages per second in all; None: as fast as the server takes them
    domain_rate: float | None  # messages per second to one recipient domain
    command_timeout: float
    data_timeout: float
    retry_delays: tuple[float, ...]
    quota_pause: float
    password: str | None = field(default=None, repr=False)

    @property
    def server(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def loopback(self) -> bool:
        return self.host in ("localhost", "::1") or self.host.startswith("127.")


# Each [smtp] key: what it must be. Options on the command line carry the same names.
_KINDS = {
    "host": "host", "tls": "tls", "cafile": "file", "username": "text",
    "password_env": "env", "mail_from": "address", "connections": "count",
    "messages_per_connection": "count", "rate": "rate", "domain_rate": "rate",
    "command_timeout": "seconds", "data_timeout": "seconds", "retry_delays": "delays",
    "quota_pause": "seconds",
}

# The command line's names where they differ from the keys.
_OPTIONS = {"host": "--smtp", "username": "--user", "messages_per_connection": "--per-connection"}


def resolve_settings(config: Config, overrides: Mapping[str, Any] | None = None,
                     environ: Mapping[str, str] = os.environ) -> SmtpSettings:
    """The settings of a run: `overrides` (the command line; None values are unset) over the
    configuration's `[smtp]` table over the defaults. `host` is `HOST[:PORT]`. Raises
    `NewsletterError` naming the file or option and the fix."""
    defaults = knowledge()["settings"]
    values: dict[str, Any] = {}
    for key, value in config.section("smtp").items():
        values[key] = _check(key, value, f"'smtp.{key}'", config.path)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _check(key, value, _OPTIONS.get(key, f"--{key.replace('_', '-')}"), None)
    if not values.get("host"):
        raise NewsletterError("no SMTP server to send through",
                              fix="give --smtp HOST[:PORT], or host in [smtp] of newsletter.toml")
    host, port = values.pop("host")
    tls = values.get("tls") or ("implicit" if port == defaults["implicit_tls_port"] else "starttls")
    port = port or (defaults["implicit_tls_port"] if tls == "implicit" else defaults["port"])
    unset = {name: defaults.get(name) for name in _KINDS if name != "host"}  # None: no default
    settings = SmtpSettings(**{**unset, **values, "host": host, "port": port, "tls": tls,
                               "retry_delays": tuple(values.get("retry_delays", defaults["retry_delays"]))})
    if settings.username and environ.get(settings.password_env):
        settings = replace(settings, password=environ[settings.password_env])
    if settings.username and settings.tls == "none" and not settings.loopback:
        raise NewsletterError(f"the password for {settings.server} would cross the network unencrypted (tls = none)",
                              fix="use STARTTLS (port 587) or implicit TLS (port 465)")
    return settings


def _check(key: str, value: Any, where: str, path: Path | None) -> Any:
    """The value of one setting, checked and converted."""
    if key == "password":
        raise NewsletterError(f"{where}: a password does not belong in a file", path=path,
                              fix='set password_env = "NAME" and export NAME=... where the command runs')
    kind = _KINDS.get(key)
    if kind is None:
        close = difflib.get_close_matches(key, list(_KINDS), n=1)
        raise NewsletterError(f"unknown key {where}", path=path,
                              fix=f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(_KINDS)}")
    try:
        return _CONVERT[kind](value, path)
    except (ValueError, TypeError) as exc:
        raise NewsletterError(f"{where}: {exc}", path=path) from None


def parse_server(value: str) -> tuple[str, int | None]:
    """`HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`."""
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?|([^\s:\[\]/]+)(?::(\d+))?", value.strip())
    if not match:
        raise ValueError(f"not HOST[:PORT]: {value!r}")
    host = match.group(1) or match.group(3)
    port = match.group(2) or match.group(4)
    return host, _port(int(port)) if port else None


def parse_rate(value: Any) -> float:
    """Messages per second from `N`, `N/s`, `N/min` or `N/h`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, per = float(value), 1
    else:
        match = _RATE.fullmatch(str(value))
        if not match:
            raise ValueError(f"not a rate: {value!r} (write e.g. 20/s, 600/min or 10000/h)")
        number, per = float(match.group(1)), _PER[(match.group(2) or "s").lower()]
    if number <= 0:
        raise ValueError(f"a rate must be more than 0: {value!r}")
    return number / per


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError(f"not a port number: {value!r}")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a whole number of at least 1: {value!r}")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"must be a number of seconds: {value!r}")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string: {value!r}")
    return value.strip()


def _tls(value: Any) -> str:
    if value not in TLS_MODES:
        raise ValueError(f"must be one of {', '.join(TLS_MODES)}: {value!r}")
    return value


def _file(value: Any, path: Path | None) -> Path:
    file = Path(_text(value))
    if path is not None and not file.is_absolute():
        file = path.parent / file
    if not file.is_file():
        raise ValueError(f"file not found: {str(file)!r}")
    return file


def _env(value: Any) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise ValueError(f"must name an environment variable: {value!r}")
    return value


def _address(value: Any) -> str:
    try:
        return parse_address(_text(value)).addr_spec
    except AddressError as exc:
        raise ValueError(str(exc)) from None


def _delays(value: Any) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"must be a list of seconds, e.g. [5, 30, 120]: {value!r}")
    return tuple(_seconds(item) for item in value)


_CONVERT = {
    "host": lambda v, _: parse_server(_text(v)),
    "tls": lambda v, _: _tls(v), "file": _file, "text": lambda v, _: _text(v),
    "env": lambda v, _: _env(v), "address": lambda v, _: _address(v), "count": lambda v, _: _count(v),
    "rate": lambda v, _: parse_rate(v), "seconds": lambda v, _: _seconds(v),
    "delays": lambda v, _: _delays(v),
}
