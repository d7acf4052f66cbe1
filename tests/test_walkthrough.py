"""The README's campaign walk-through, read from the README and run as written in a copy of the
repository's example shop: render the campaign, check a sample, test-send it, send it (to
aiosmtpd's own server on loopback; only the port differs). It writes under out/ only, which
.gitignore covers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time

from conftest import ROOT

def readme_walkthrough() -> list[str]:
    """The commands of the README's walk-through block, continuation lines joined."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- walkthrough -->\n```sh\n", 1)[1].split("```\n<!-- /walkthrough -->", 1)[0]
    return [" ".join(line.split()) for line in block.replace("\\\n", " ").splitlines()]


SERVER = "python -m aiosmtpd -n -c aiosmtpd.handlers.Sink -l 127.0.0.1:8025"


def test_the_campaign_walkthrough_runs_and_leaves_only_ignored_output(tmp_path):
    for name in ("templates", "examples"):
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=True)
    shutil.copy(ROOT / "newsletter.toml", tmp_path)
    before = {p for p in tmp_path.rglob("*")}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    server = subprocess.Popen([sys.executable, *SERVER.replace("8025", port).split()[1:]], cwd=tmp_path)
    try:
        _wait_for(int(port))
        outputs = []
        commands = readme_walkthrough()
        assert len(commands) == 4 and all(c.startswith("newsletter ") for c in commands), commands
        for line in commands:
            args = line.replace("8025", port).split()
            done = subprocess.run([sys.executable, "-m", "newsletter", *args[1:]], cwd=tmp_path,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            outputs.append(done.stdout + done.stderr)
    finally:
        server.terminate()
        server.wait()
    assert "55 rows read, 55 rendered, 0 rejected" in outputs[0]
    assert "tab: Promotions" in outputs[1]  # and no error-severity finding: check exited 0
    assert "000001.eml: sent through 127.0.0.1" in outputs[2]
    assert "55 messages: 55 sent, 0 deferred, 0 bounced, 0 uncertain" in outputs[3]
    created = {p.relative_to(tmp_path).parts[0] for p in set(tmp_path.rglob("*")) - before}
    assert created == {"out"}
    assert "/out/" in (ROOT / ".gitignore").read_text().splitlines()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("aiosmtpd did not start")
