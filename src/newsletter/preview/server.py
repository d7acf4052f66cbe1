"""The preview server: standard library HTTP on 127.0.0.1 only, answering only requests addressed
to a loopback name from its own page (see `access`).

    GET /            the page (static, fills itself from /state.json)
    GET /version     {"version": "..."}: changes when a watched file's contents change
    GET /state.json  the snapshot: inbox row, Promotions card, placement, findings, error
    GET /email.html  the rendered email, served with a CSP that forbids scripts;
                     ?scheme=dark: its prefers-color-scheme dark styles applied,
                     ?scheme=inverted: its colours inverted as Gmail's iOS app does (darkmode)

The page polls /version; a change rebuilds the snapshot once, whoever asks first.
"""

from __future__ import annotations

import json
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from ..errors import NewsletterError
from .access import refusal
from .build import PreviewSource, build_snapshot
from .darkmode import SCHEMES, for_scheme
from .model import Snapshot
from .page import nothing_yet, page_html

HOST = "127.0.0.1"
DEFAULT_PORT = 8425

_STATIC = {
    "/preview.css": ("preview.css", "text/css; charset=utf-8"),
    "/preview.js": ("preview.js", "text/javascript; charset=utf-8"),
}
# The email may not run scripts, load plugins or submit forms, even opened outside its iframe.
_EMAIL_POLICY = "sandbox allow-popups allow-popups-to-escape-sandbox; script-src 'none'; object-src 'none'"


class Previewer:
    """The latest snapshot of one source, rebuilt when the watched files change."""

    def __init__(self, source: PreviewSource) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def current(self) -> Snapshot:
        with self._lock:
            if self._snapshot is None or self._snapshot.version != self.source.version():
                self._snapshot = build_snapshot(self.source, self._snapshot)
            return self._snapshot


class _Handler(BaseHTTPRequestHandler):
    server: "PreviewServer"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        refused = refusal(self.headers, self.server.server_address[1])
        if refused is not None:
            self.close_connection = True
            self._send(f"{refused.reason}\n".encode(), "text/plain; charset=utf-8", status=refused.status)
            return
        parts = urlsplit(self.path)
        route = parts.path
        try:
            if route == "/":
                self._send(page_html(self.server.previewer.source.reader_texts), "text/html; charset=utf-8")
            elif route in _STATIC:
                name, content_type = _STATIC[route]
                self._send(resources.files(__package__).joinpath("static", name).read_bytes(), content_type)
            elif route == "/version":
                self._json({"version": self.server.previewer.current().version})
            elif route == "/state.json":
                self._json(self.server.previewer.current().to_json())
            elif route == "/email.html":
                scheme = parse_qs(parts.query).get("scheme", ["light"])[0]
                if scheme not in SCHEMES:
                    self._json({"error": f"scheme must be one of {', '.join(SCHEMES)}"}, HTTPStatus.BAD_REQUEST)
                    return
                html = self.server.previewer.current().html
                html = for_scheme(html, scheme) if html else nothing_yet(self.server.previewer.source.reader_texts)
                self._send(html.encode("utf-8"), "text/html; charset=utf-8",
                           {"Content-Security-Policy": _EMAIL_POLICY})
            else:
                self._json({"error": f"no such page: {route}"}, HTTPStatus.NOT_FOUND)
        except ConnectionError:
            raise  # the client went away: nothing to tell it (see PreviewServer.handle_error)
        except Exception as exc:  # a bug must not stop the server: say it in the page
            print(f"newsletter preview: internal error: {exc!r}", file=sys.stderr)
            self._json({"error": f"internal error: {exc!r}"}, HTTPStatus.INTERNAL_SERVER_ERROR)

    def _json(self, value: object, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(json.dumps(value, ensure_ascii=False).encode("utf-8"), "application/json", status=status)

    def _send(self, body: bytes, content_type: str, headers: dict[str, str] | None = None,
              status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # the page polls: stay quiet
        pass


class PreviewServer(ThreadingHTTPServer):
    """Serves one `Previewer` on 127.0.0.1. Port 0 picks a free port (see `url`)."""

    daemon_threads = True

    def __init__(self, previewer: Previewer, port: int = DEFAULT_PORT) -> None:
        self.previewer = previewer
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as exc:
            raise NewsletterError(f"cannot listen on {HOST}:{port}: {exc.strerror}",
                                  fix="pass --port with another number (0 picks a free one)") from None

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that goes away mid-answer (a closed tab, a reload) is not an error: say
        nothing. Anything else is said in one line, not the standard library's traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            host, port = client_address[:2]
            print(f"newsletter preview: error serving {host}:{port}: {error!r}", file=sys.stderr)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"
