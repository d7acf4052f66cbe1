"""Fetching a message's URLs, the only place `--network` opens sockets.

Standard library only (http.client in a thread pool): the fetches wait on the network, a
handful of threads is enough, and every bound stays in our hands: per-host and total
concurrency, a timeout per request, a time budget for the whole message, a byte cap per
response, a redirect limit. No cookies are ever stored or sent; no credentials either.

The template may be hostile, so each host is resolved here and every address checked before
connecting, on every redirect too: private, loopback, link-local and other non-global addresses
are refused unless the user allows them (`allow_private`). The connection then goes to the
address that was checked, not to a second lookup (no DNS rebinding between check and connect).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urljoin, urlsplit

from ..limits import input_limits

USER_AGENT = "newsletter-toolkit link check (+https://pypi.org/project/newsletter-toolkit/)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65_536


@dataclass(frozen=True)
class NetworkOptions:
    """What `--network` may do; the bounds default to `checks/input-limits.toml` [network]."""

    allow_private: bool = False  # --allow-private-network: fetch private and loopback addresses too
    max_urls: int | None = None
    max_concurrency: int | None = None
    max_per_host: int | None = None
    request_timeout: float | None = None
    total_budget: float | None = None
    max_redirects: int | None = None
    max_response_bytes: int | None = None

    def limit(self, name: str) -> float:
        given = getattr(self, name)
        return input_limits("network")[name] if given is None else given


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"  # GET (links, images) or POST (the one-click unsubscribe)
    body: bytes | None = None
    read_body: bool = False  # images: read the body to know its weight and size


@dataclass(frozen=True)
class Hop:
    url: str
    status: int


@dataclass(frozen=True)
class Outcome:
    """What one request came to: the answers along its redirects, the body read (images) or an
    error (no final answer), or a refusal (an address not to fetch)."""

    request: Request
    hops: tuple[Hop, ...] = ()
    body: bytes = b""
    size: int | None = None  # bytes of the final body: read, or Content-Length when not read
    truncated: bool = False  # the body went past the byte cap
    error: str | None = None
    refused: str | None = None

    @property
    def status(self) -> int | None:
        return self.hops[-1].status if self.hops and self.error is None else None

    @property
    def final_url(self) -> str:
        return self.hops[-1].url if self.hops else self.request.url


class RefusedAddress(Exception):
    """The host resolves to an address the options do not allow."""


def fetch_all(requests: Iterable[Request], options: NetworkOptions = NetworkOptions()) -> dict[Request, Outcome]:
    """Every request once, concurrently within the bounds; the outcomes by request."""
    unique = list(dict.fromkeys(requests))
    deadline = time.monotonic() + options.limit("total_budget")
    hosts = _HostLimits(int(options.limit("max_per_host")))
    with ThreadPoolExecutor(max_workers=int(options.limit("max_concurrency")),
                            thread_name_prefix="newsletter-fetch") as pool:
        futures = {request: pool.submit(_fetch, request, options, hosts, deadline) for request in unique}
        return {request: future.result() for request, future in futures.items()}


class _HostLimits:
    """One semaphore per host, made on first use."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}

    def of(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._semaphores.setdefault(host, threading.Semaphore(self._per_host))


def _fetch(request: Request, options: NetworkOptions, hosts: _HostLimits, deadline: float) -> Outcome:
    hops: list[Hop] = []
    url = request.url
    for _ in range(int(options.limit("max_redirects")) + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return Outcome(request, tuple(hops), error=f"redirected to {url!r}, not an http(s) URL")
        if time.monotonic() >= deadline:
            return Outcome(request, tuple(hops), error=f"not fetched: the {options.limit('total_budget'):g} s budget "
                                                       "for the message ran out")
        try:
            with hosts.of(parts.hostname.lower()):
                status, location, body, size, truncated = _exchange(request, url, options, deadline)
        except RefusedAddress as exc:
            return Outcome(request, tuple(hops), refused=str(exc))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return Outcome(request, tuple(hops), error=_describe(exc))
        hops.append(Hop(url, status))
        if status in _REDIRECTS and location and request.method == "GET":
            url = urljoin(url, location.strip())
            continue
        return Outcome(request, tuple(hops), body, size, truncated)
    return Outcome(request, tuple(hops), error=f"more than {options.limit('max_redirects'):g} redirects")


def _exchange(request: Request, url: str, options: NetworkOptions,
              deadline: float) -> tuple[int, str | None, bytes, int | None, bool]:
    """One request and its answer: status, Location, the body read, its size, whether cut."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _checked_address(parts.hostname, port, options.allow_private)
    timeout = max(0.1, min(options.limit("request_timeout"), deadline - time.monotonic()))
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    # Connect to the address checked above; TLS still verifies the certificate for the name
    # (against the system's CAs, or $SSL_CERT_FILE's, as OpenSSL reads it).
    connection._create_connection = lambda _, timeout, source: socket.create_connection(  # type: ignore[attr-defined]
        (address, port), timeout, source)
    try:
        path = parts.path or "/"
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
        if request.body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(request.method, path + (f"?{parts.query}" if parts.query else ""), body=request.body,
                           headers=headers)
        response = connection.getresponse()
        location = response.getheader("Location")
        declared = response.getheader("Content-Length")
        size = int(declared) if declared and declared.isdigit() else None
        body, truncated = b"", False
        if request.read_body:
            body, truncated = _read(response, int(options.limit("max_response_bytes")), deadline)
            size = len(body) if not truncated else max(size or 0, len(body))
        return response.status, location, body, size, truncated
    finally:
        connection.close()


def _read(response: http.client.HTTPResponse, cap: int, deadline: float) -> tuple[bytes, bool]:
    """The body up to `cap` bytes; stops at the deadline (a server trickling bytes)."""
    chunks, total = [], 0
    while total <= cap:
        if time.monotonic() >= deadline:
            raise TimeoutError("the time budget ran out while reading the answer")
        chunk = response.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)[:cap], True


def _checked_address(host: str, port: int, allow_private: bool) -> str:
    """The first address of `host`, when every address it has may be fetched."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"{host} does not resolve ({exc.strerror})") from None
    addresses = [info[4][0] for info in found]
    if not allow_private:
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            mapped = getattr(address, "ipv4_mapped", None)
            if not (mapped or address).is_global:
                where = host if text == host.strip("[]") else f"{host} resolves to {text}, which"
                raise RefusedAddress(f"{where} is a private, loopback or link-local address")
    return addresses[0]


def _describe(error: Exception) -> str:
    if isinstance(error, (socket.timeout, TimeoutError)):
        return str(error) if str(error) and "timed out" not in str(error) else "no answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not valid: {error.verify_message}"
    return str(error) or type(error).__name__
