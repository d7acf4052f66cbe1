"""SpamAssassin as the peer to beat: Debian's spamd started on loopback with local tests only
(`-L`: no DNS blocklists, no Razor/Pyzor; no Bayes database is trained here), asked through the
project's own spamc client."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator, Sequence

from newsletter.placement import CheckOptions, check_paths, score_message


@contextlib.contextmanager
def local_spamd(children: int = 2) -> Iterator[tuple[str, int]]:
    binary = shutil.which("spamd") or "/usr/sbin/spamd"
    if not os.path.exists(binary):
        raise SystemExit("spamd not installed (Debian package spamassassin)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        command = [binary, "--listen", f"127.0.0.1:{port}", "--allowed-ips=127.0.0.1", "-L",
                   f"--max-children={children}", f"--syslog={folder}/spamd.log", "--nouser-config"]
        if os.geteuid() == 0:
            command += ["-u", "nobody"]
        os.chmod(folder, 0o755)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("spamd did not start")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.3)
            yield "127.0.0.1", port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def spamassassin_scores(paths: Sequence[Path], address: tuple[str, int], workers: int = 2) -> list[float]:
    """SpamAssassin's score of each message as `newsletter check --spamassassin` sends it: an
    .eml as received; a template rendered, HTML wrapped in a minimal message."""
    host, port = address
    options = CheckOptions(offline=True, spamassassin=address)

    def scored(path: Path) -> float:
        if path.suffix == ".eml":
            return score_message(path.read_bytes(), host, port, timeout=120).score
        (report,) = check_paths([path], options)
        return report.spamassassin.score

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(scored, paths))
