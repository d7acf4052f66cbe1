"""Which requests the preview answers: those addressed to it by a loopback name, from its own page
or the address bar. Pure: it reads headers and the port, nothing else.

The server listens on 127.0.0.1 only, but a page of evil.example can have its name pointed at
127.0.0.1 (DNS rebinding) and then read the server as its own origin: its requests carry
`Host: evil.example`. Pages of other sites (or other ports here) may send requests without
reading the answers; browsers mark them with `Origin` or `Sec-Fetch-Site`, and they are refused
too, so that no other page can make the preview work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from urllib.parse import urlsplit

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
_AUTHORITY = re.compile(r"(?P<name>\[[0-9a-fA-F:.]*\]|[^:\[\]]*)(?::(?P<port>[0-9]+))?")
_OWN_PAGE_OR_ADDRESS_BAR = frozenset({"same-origin", "none"})


@dataclass(frozen=True)
class Refusal:
    """Answer `status` with the one-line `reason` instead of the page."""

    status: HTTPStatus
    reason: str


def refusal(headers: Message, port: int) -> Refusal | None:
    """Why the preview on `port` must not answer a request with these headers; None: answer it."""
    hosts = headers.get_all("Host") or []
    if len(hosts) != 1:
        return Refusal(HTTPStatus.BAD_REQUEST, "one Host header is required")
    if not _is_loopback_authority(hosts[0], port):
        return Refusal(HTTPStatus.MISDIRECTED_REQUEST,
                       "this preview answers only to 127.0.0.1, localhost or [::1] (with its own port)")
    origin = headers.get("Origin")
    if origin is not None and not _is_own_origin(origin, port):
        return Refusal(HTTPStatus.FORBIDDEN, "requests from other pages are refused")
    site = headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() not in _OWN_PAGE_OR_ADDRESS_BAR:
        return Refusal(HTTPStatus.FORBIDDEN, "requests from other pages are refused: open the preview's address")
    return None


def _is_loopback_authority(authority: str, port: int) -> bool:
    """`localhost`, `127.0.0.1` or `[::1]`, any case, alone or with `port`."""
    match = _AUTHORITY.fullmatch(authority.strip())
    return (match is not None and match["name"].lower() in _LOOPBACK_NAMES
            and match["port"] in (None, str(port)))


def _is_own_origin(origin: str, port: int) -> bool:
    parts = urlsplit(origin.strip())
    return parts.scheme == "http" and _is_loopback_authority(parts.netloc, port) and parts.path == ""
