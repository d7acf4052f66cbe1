"""The edge that reads the disk: report files, folders of them, a maildir folder or an mbox file
(the mailbox the `rua=` address receives), each input handed to `unpack`."""

from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import display_path
from .unpack import Found, Skipped, limit, message_reports, unpack


def find_reports(paths: Sequence[Path]) -> Iterator[Found | Skipped]:
    """Every report in the paths, in order: folders sorted by name, mailboxes message by message."""
    for path in paths:
        yield from _path(path)


def _path(path: Path) -> Iterator[Found | Skipped]:
    if path.is_dir():
        if is_maildir(path):
            for folder in ("cur", "new"):
                for message in sorted((path / folder).iterdir()):
                    if message.is_file() and not message.name.startswith("."):
                        yield from _file(message)
            return
        for child in sorted(path.iterdir()):
            if not child.name.startswith(".") and not (child.is_symlink() and child.is_dir()):
                yield from _path(child)
    elif path.is_file():
        yield from _file(path)
    else:
        yield Skipped(display_path(path), "no such file or folder")


def is_maildir(path: Path) -> bool:
    return all((path / name).is_dir() for name in ("cur", "new", "tmp"))


def _file(path: Path) -> Iterator[Found | Skipped]:
    where = display_path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError as exc:
        yield Skipped(where, f"cannot read: {exc.strerror or exc}")
        return
    if head == b"From ":
        yield from _mbox(path, where)
    else:
        yield from unpack(where, lambda: path.open("rb"))


def _mbox(path: Path, where: str) -> Iterator[Found | Skipped]:
    """An mbox file, message by message (each bounded like any message)."""
    most = limit("max_message_bytes")
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), 1):
            location = f"{where}: message {number}"
            with box.get_file(key) as handle:
                data = handle.read(most + 1)
            if len(data) > most:
                yield Skipped(location, f"message larger than {most} bytes: refused")
                continue
            yield from message_reports(location, data)
    finally:
        box.close()
