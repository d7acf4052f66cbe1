"""The preview server as a hostile page or a flaky client meets it: raw HTTP over real sockets.

DNS rebinding: a page on evil.example whose name is then pointed at 127.0.0.1 reaches the server
with `Host: evil.example`, and must read neither the state nor the email (which carries the
recipient's address). A client that resets its connection costs that connection, nothing more."""

from __future__ import annotations

import json
import signal
import socket
import struct
import time

import pytest

from newsletter.preview import PreviewServer, PreviewSource, Previewer
from preview_helpers import FLASH_SALE, SALE, running_server, start_preview

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
    assert status == 200 and json.loads(body)["inbox"]["subject"].startswith("Camille, -30\u00a0%")


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


def _reset(port: int, request: bytes) -> None:
    """Send `request` and close with an RST (SO_LINGER 0), as a crashed or impatient client does."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.sendall(request)
    sock.close()


def test_clients_that_reset_leave_no_traceback_and_the_server_keeps_serving():
    process, url = start_preview(str(FLASH_SALE), "--data", str(SALE), "--port", "0", "--no-open")
    port = int(url.rsplit(":", 1)[1].strip("/"))
    try:
        assert get(port, "Host: 127.0.0.1")[0] == 200  # built once: the answers below are immediate
        for _ in range(20):
            _reset(port, b"GET /email.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # reset while answered
            _reset(port, b"GET /state.json HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # reset mid-request
        time.sleep(1)  # let the handlers meet the resets
        status, body = get(port, "Host: 127.0.0.1")
        assert status == 200 and b"Camille" in body
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert stderr.splitlines() == ["newsletter preview: stopped"], stderr


def test_any_other_error_is_one_line(capsys):
    server = PreviewServer(Previewer(PreviewSource(FLASH_SALE, SALE)), port=0)
    try:
        try:
            raise RuntimeError("a bug in a handler")
        except RuntimeError:
            server.handle_error(None, ("127.0.0.1", 40000))
        try:
            raise BrokenPipeError(32, "Broken pipe")
        except BrokenPipeError:
            server.handle_error(None, ("127.0.0.1", 40001))
    finally:
        server.server_close()
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "a bug in a handler" in stderr and "127.0.0.1:40000" in stderr
