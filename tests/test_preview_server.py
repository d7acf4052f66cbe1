"""The preview server as a hostile page meets it: raw HTTP over real sockets.

DNS rebinding: a page on evil.example whose name is then pointed at 127.0.0.1 reaches the server
with `Host: evil.example`, and must read neither the state nor the email (which carries the
recipient's address)."""

from __future__ import annotations

import json
import socket

import pytest

from newsletter.preview import PreviewSource
from preview_helpers import FLASH_SALE, SALE, running_server

RECIPIENT = b"camille.durand@example.com"
PAGES = ["/", "/state.json", "/email.html", "/version"]


def get(port: int, *headers: str, path: str = "/state.json", version: str = "HTTP/1.1") -> tuple[int, bytes]:
    """Status and body of one GET carrying exactly these header lines."""
    lines = [f"GET {path} {version}", *headers, "Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall("\r\n".join(lines).encode("latin-1"))
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture(scope="module")
def port():
    with running_server(PreviewSource(FLASH_SALE, SALE)) as url:
        yield int(url.rsplit(":", 1)[1].strip("/"))


@pytest.mark.parametrize("host", [
    "evil.example", "evil.example:{port}", "localhost.evil.example:{port}", "127.0.0.1.nip.io:{port}",
    "127.0.0.1:1", "localhost:{port}0", "[::1]:1", "127.0.0.2:{port}", "0.0.0.0:{port}", "[::2]", "",
])
def test_a_foreign_host_reads_nothing(port, host):
    for path in PAGES:
        status, body = get(port, f"Host: {host.format(port=port)}", path=path)
        assert status == 421, (path, status)
        assert RECIPIENT not in body and b"Camille" not in body and len(body) < 200


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.0.0.1:{port}", "localhost", "localhost:{port}", "LocalHost:{port}", "[::1]", "[::1]:{port}",
])
def test_loopback_names_are_served(port, host):
    status, body = get(port, f"Host: {host.format(port=port)}")
    assert status == 200 and json.loads(body)["inbox"]["subject"].startswith("Camille, -30 %")


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
def test_a_request_without_host_is_refused(port, version):
    status, body = get(port, version=version)
    assert status == 400 and b"Host" in body and RECIPIENT not in body


def test_two_host_headers_are_refused(port):
    status, body = get(port, "Host: 127.0.0.1", "Host: evil.example")
    assert status == 400 and b"Camille" not in body


@pytest.mark.parametrize("header, expected", [
    ("Origin: http://127.0.0.1:{port}", 200),
    ("Origin: http://localhost:{port}", 200),
    ("Origin: http://evil.example", 403),
    ("Origin: http://127.0.0.1:1", 403),  # another server on this machine
    ("Origin: https://127.0.0.1:{port}", 403),
    ("Origin: null", 403),
    ("Sec-Fetch-Site: same-origin", 200),
    ("Sec-Fetch-Site: none", 200),  # typed in the address bar, or opened by `newsletter preview`
    ("Sec-Fetch-Site: cross-site", 403),
    ("Sec-Fetch-Site: same-site", 403),  # a page of another port on localhost
])
def test_requests_from_other_pages_are_refused(port, header, expected):
    status, body = get(port, "Host: 127.0.0.1", header.format(port=port))
    assert status == expected
    assert (b"Camille" in body) == (expected == 200)
