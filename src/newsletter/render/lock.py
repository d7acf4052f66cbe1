"""One run at a time in a campaign folder.

Two runs writing one folder at once interleave their manifests and remove each other's files. A
run holds an exclusive lock on `.newsletter.lock` in the folder for as long as it writes there,
and writes in it who holds it (pid, host, start time), so a second run can say who is in the way.
The lock belongs to the open file, so the operating system releases it when the run ends, even
by `kill -9`: no stale lock to remove by hand. The file itself stays (removing it would let a
third run lock a new file while the second still holds the old one).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from ..errors import NewsletterError

LOCK_FILE = ".newsletter.lock"


class FolderLock:
    """An exclusive lock on a folder, held until `release`."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, folder: Path) -> "FolderLock":
        """Lock `folder`, or raise a `NewsletterError` naming the run that holds it."""
        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise NewsletterError(f"cannot use the output folder: {exc.strerror}", path=folder) from None
        if not _try_lock(fd):
            holder = _holder(fd)
            os.close(fd)
            raise NewsletterError(
                f"another run is writing to this output folder ({holder})", path=folder,
                fix="wait for it to finish or stop it, then run again with --resume",
            )
        started = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started})
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, me.encode() + b"\n")
        except OSError:
            pass  # a full disk: the lock holds all the same, only the holder goes unnamed
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: lock one byte far past the holder's line, which stays readable
        import msvcrt

        os.lseek(fd, 1 << 20, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: held by another run
        return False
    return True


def _holder(fd: int) -> str:
    """Who holds the lock, as the holder wrote it."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096))
        return f"pid {holder['pid']} on {holder['host']}, started {holder['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "it has not said who it is yet"
