"""A campaign's send journal, `send.jsonl` in its folder: one line before each transaction and one
after, so that after any stop, even `kill -9`, the next run knows what the server took.

SMTP cannot hand a message over exactly once: the server takes it when it says "250" to the
message's end, and a run that stops between that reply and the line recording it leaves nothing
that tells. The journal chooses *at most once* for those: a message with a "begin" line and none
after is **uncertain**, and `--resume` does not send it again unless asked (`--resend-uncertain`),
since a second copy to a customer costs more than a missing one. Every other message is done
(sent, or bounced: never again) or sent again by `--resume` (deferred, or never begun). Lines are
written with one `write` each, before the run goes on: they survive the process, killed at any
point, though not a crash of the machine that loses what the system had not yet written to disk.
"""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import NewsletterError
from .outgoing import Outgoing
from .replies import Status
from ..json_lines import json_line

SEND_JOURNAL = "send.jsonl"


@dataclass(frozen=True)
class Earlier:
    """What earlier runs did to one message: its last status, and the reply that ended it."""

    status: Status
    reply: str | None


class SendJournal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, folder: Path) -> "SendJournal":
        path = folder / SEND_JOURNAL
        try:
            return cls(path)
        except OSError as exc:
            raise NewsletterError(f"cannot write the send journal: {exc.strerror}", path=path) from None

    def begin(self, message: Outgoing, attempt: int) -> None:
        self._write({"row": message.key, "email": message.recipient, "file": message.path.name,
                     "try": attempt, "at": _now()})

    def end(self, message: Outgoing, status: Status, reply: str | None) -> None:
        self._write({"row": message.key, "status": status.value, "reply": reply, "at": _now()})

    def close(self) -> None:
        os.close(self._fd)

    def _write(self, record: dict) -> None:
        line = (json_line(record) + "\n").encode("utf-8")
        with self._lock:
            written = os.write(self._fd, line)
            if written != len(line):  # a full disk: what is written is a cut line, read as none
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))


def earlier_runs(folder: Path, resume: bool) -> dict[int, Earlier]:
    """What earlier runs did, by manifest row. Without `resume`, a campaign already (partly) sent
    from this folder is refused."""
    path = folder / SEND_JOURNAL
    earlier = read_journal(path)
    if earlier and not resume:
        raise NewsletterError(
            "this campaign was sent (or partly sent) from this folder already", path=path,
            fix="pass --resume to send what is left; messages already sent are never sent again",
        )
    return earlier


def read_journal(path: Path) -> dict[int, Earlier]:
    """The last state of each message the journal names. A "begin" line with nothing after it is
    uncertain; a last line cut short by a stop is not read (the state before it stands)."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise NewsletterError(f"cannot read the send journal: {exc.strerror}", path=path) from None
    state: dict[int, Earlier] = {}
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            continue
        try:
            record = json.loads(line)
            row = record["row"]
            status = Status(record["status"]) if "status" in record else Status.UNCERTAIN
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(row, int):
            state[row] = Earlier(status, record.get("reply"))
    return state


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
