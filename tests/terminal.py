"""Running the command in a real terminal (a pseudo-terminal), answering its prompts."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path


def run_in_terminal(args: list[str], answers: list[tuple[str, str]], cwd: Path, env: dict[str, str],
                    timeout: float = 60) -> tuple[int, str]:
    """`python -m newsletter ARGS` with a terminal for stdin, stdout and stderr; each answer is typed
    when its prompt has appeared. Returns the exit status and everything the terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its controlling terminal
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "newsletter", *args], env)
    shown = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if pending and pending[0][0].encode() in shown:
                os.write(fd, pending.pop(0)[1].encode() + b"\n")
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")
