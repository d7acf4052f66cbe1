"""A loopback HTTP(S) server for the --network tests: fixed routes, every request recorded."""

from __future__ import annotations

import ssl
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

from newsletter.images import encode_png


def png(width: int, height: int) -> bytes:
    """A grey opaque PNG of this size."""
    return encode_png(width, height, [bytes((128, 128, 128, 255)) * width] * height)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Site:
    """What the server answers: path -> (status, headers, body), or a callable for the rest."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    slow: dict[str, float] = field(default_factory=dict)  # path -> seconds to wait before answering
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    most_in_flight: int = 0


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path
            with site.lock:
                site.seen.append(Seen(self.command, path, {k.lower(): v for k, v in self.headers.items()}, body))
                site.in_flight += 1
                site.most_in_flight = max(site.most_in_flight, site.in_flight)
            try:
                time.sleep(site.slow.get(path.split("?")[0], 0.0))
                status, headers, content = site.routes.get(path.split("?")[0], (404, {}, b"not here"))
                if callable(content):
                    status, headers, content = content(self.command, self.headers, body)
            finally:  # before the answer: once the client has it, it may start its next request
                with site.lock:
                    site.in_flight -= 1
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(site: Site, tls: tuple | None = None) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 (HTTPS with `tls` = (server.pem, server.key)); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    scheme = "http"
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, tls))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
