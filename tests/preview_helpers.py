"""Shared by the preview tests: a copy of the starter templates to edit, a running server (in a
thread, or the command in its own process), the browser (or a skip), PNG sizes."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT
from newsletter.errors import NewsletterError
from newsletter.preview import PreviewServer, PreviewSource, Previewer, find_browser

SALE = ROOT / "examples" / "boutique" / "sale.json"
FLASH_SALE = ROOT / "templates" / "promotional" / "flash-sale.html"
ORDER = ROOT / "templates" / "transactional" / "order-confirmation.html"
ORDER_DATA = ROOT / "examples" / "boutique" / "order.json"


def copy_starters(tmp_path: Path) -> Path:
    """templates/, newsletter.toml and the example data copied to tmp_path (safe to edit)."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copy(ROOT / "newsletter.toml", tmp_path / "newsletter.toml")
    shutil.copytree(ROOT / "examples" / "boutique", tmp_path / "data")
    return tmp_path


def browser_or_skip() -> Path:
    try:
        return find_browser()
    except NewsletterError as exc:
        pytest.skip(f"no browser: {exc}")


@contextmanager
def running_server(source: PreviewSource) -> Iterator[str]:
    """A preview server on a free loopback port, in a thread; yields its URL."""
    server = PreviewServer(Previewer(source), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def start_preview(*args: str) -> tuple[subprocess.Popen, str]:
    """`newsletter preview ARGS...` as a user runs it; the process and the URL it printed."""
    process = subprocess.Popen([sys.executable, "-m", "newsletter", "preview", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, process.kill)  # never hang the suite
    watchdog.start()
    first = process.stderr.readline()
    watchdog.cancel()
    match = re.search(r"http://127\.0\.0\.1:\d+/", first)
    assert match, first + process.stderr.read()
    return process, match.group(0)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])
