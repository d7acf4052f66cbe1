"""A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe`.

Why a pipe: no port to pick or leak, no websocket library, and the browser's lifetime is the
pipe's. Chromium reads commands on its fd 3 and writes replies and events on its fd 4, each a
JSON message ended by a NUL byte (the transport Puppeteer and Playwright use too).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any, Sequence

from ..errors import NewsletterError


class DevToolsPipe:
    """A running browser and its protocol pipe. Use as a context manager: leaving it closes
    the browser (politely, then by force)."""

    def __init__(self, executable: Path, flags: Sequence[str], log: Path, timeout: float = 30.0) -> None:
        try:
            import fcntl  # POSIX only, and only here: the CLI must import on Windows
        except ImportError:
            raise NewsletterError("the browser pipe needs a POSIX system (Linux, macOS)",
                                  fix="run screenshots under Linux, macOS or WSL") from None
        self.timeout = timeout
        self._log = log
        to_child, self._commands = os.pipe()
        self._replies, from_child = os.pipe()

        def remap() -> None:  # in the child between fork and exec: the pipe ends become fds 3 and 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        with log.open("wb") as stderr:
            self._process = subprocess.Popen(
                [str(executable), *flags, "--remote-debugging-pipe", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                preexec_fn=remap, close_fds=False,  # Python's own fds are not inheritable (PEP 446)
            )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._next_id = 0

    def __enter__(self) -> "DevToolsPipe":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its reply; protocol errors raise NewsletterError."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            self._died()
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply is None:
                raise NewsletterError(f"the browser did not answer {method} within {self.timeout:g} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise NewsletterError(f"browser: {method} failed: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str, session: str | None = None, timeout: float | None = None) -> bool:
        """Wait for an event (one already received counts); False when `timeout` passes first."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            for index, received in enumerate(self._events):
                if received["method"] == event and received.get("sessionId") == session:
                    del self._events[: index + 1]
                    return True
            received = self._read(deadline)
            if received is None:
                return False
            if "method" in received:
                self._events.append(received)

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                os.write(self._commands, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                self._process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        for fd in (self._commands, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None at the deadline."""
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._replies], [], [], remaining)[0]:
                return None
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                self._died()
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _died(self) -> None:
        self._process.wait()
        lines = [line for line in self._log.read_text(errors="replace").splitlines() if line.strip()]
        last = f": {lines[-1].strip()}" if lines else ""
        raise NewsletterError(f"the browser exited (status {self._process.returncode}){last}",
                              fix="check that it starts: run it with --headless --no-sandbox")
