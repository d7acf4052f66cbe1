"""Writing the files a user keeps: all at once, never half, with the mode any other tool would give."""

from __future__ import annotations

import contextlib
import errno
import os
import random
import stat
from typing import Callable

_NAME_ATTEMPTS = 100  # temporary names tried before giving up, as `tempfile` does
_NAME_KEPT = 32  # characters of the target's name in the temporary's: room left under NAME_MAX

Writer = Callable[[int, memoryview], int]


def write_atomic(path: str | os.PathLike[str], data: bytes, *, durable: bool = True, new: bool = False,
                 write: Writer = os.write) -> None:
    """Replace `path` with `data` in one step: readers see the old file or the new one, and a
    failure (disk full, interrupt) leaves the old file as it was and no temporary file behind.

    `os.write` may write less than asked on a nearly full disk: it is called again for the rest,
    and the rename comes only once the kernel has taken every byte. `durable`: fsync before the
    rename (a campaign's thousands of messages skip it; its resume checks every file's sha256
    instead). A new file gets the mode the umask gives (0644 under umask 022, 0600 under 077),
    as with any tool; a file replaced keeps its permission bits (`new`: the caller knows there is
    none, as in a campaign's locked folder, and saves the look). Raises `OSError` naming `path`.

    Paths are handled as strings: a campaign writes thousands of files a second, and `pathlib`
    operations were a third of the cost of writing one."""
    target = os.fspath(path)
    temporary, fd = _create_beside(target)
    try:
        try:
            if not new:
                _keep_mode(fd, target)
            rest = memoryview(data)
            while rest:
                written = write(fd, rest)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                rest = rest[written:]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            exc.filename = target  # os.write's own errors name no file
        raise


def _create_beside(target: str) -> tuple[str, int]:
    """A new empty file in `target`'s folder (same file system, so the rename is atomic), named
    `.NAME.XXXXXXXX.tmp`. The kernel gives it 0666 less the umask: reading the umask with
    `os.umask` would change it, for a moment, for every thread of the process. The random part
    only avoids collisions (O_EXCL refuses an existing name, a symbolic link among them), so it
    comes from `random` (reseeded in a forked worker), as `tempfile`'s names do."""
    folder, separator, name = target.rpartition(os.sep)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for _ in range(_NAME_ATTEMPTS):
        temporary = f"{folder}{separator}.{name[:_NAME_KEPT]}.{random.getrandbits(32):08x}.tmp"
        try:
            return temporary, os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def _keep_mode(fd: int, target: str) -> None:
    """Give the new file the permission bits of the regular file it replaces, if any: a file
    the user made private stays private."""
    if not os.access(target, os.F_OK, follow_symlinks=False):  # no exception to raise and catch
        return
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        return
    if stat.S_ISREG(existing.st_mode):
        os.fchmod(fd, stat.S_IMODE(existing.st_mode))
