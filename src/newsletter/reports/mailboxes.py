"""The edge that reads the disk: report files, folders of them, a maildir folder or an mbox file
(the mailbox the `rua=` address receives), each input handed to `unpack`.

A folder's files are named from the folder's display path (worked out once, not once a file)
and each file is opened once to be recognised: a mailbox of thousands of small reports pays for its
reports, not for its paths."""

from __future__ import annotations

import mailbox
import os
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import display_path
from .unpack import HEAD_BYTES, Found, Skipped, limit, message_reports, unpack


def find_reports(paths: Sequence[Path]) -> Iterator[Found | Skipped]:
    """Every report in the paths, in order: folders sorted by name, mailboxes message by message."""
    for path in paths:  # a relative path is already as the user typed it: no need to resolve it
        yield from _path(path, str(path) if not path.is_absolute() else display_path(path))


def _path(path: Path, where: str) -> Iterator[Found | Skipped]:
    if path.is_dir():
        if is_maildir(path):
            for folder in ("cur", "new"):
                for message in sorted((path / folder).iterdir()):
                    if message.is_file() and not message.name.startswith("."):
                        yield from _file(message, os.path.join(where, folder, message.name))
            return
        for child in sorted(path.iterdir()):
            if not child.name.startswith(".") and not (child.is_symlink() and child.is_dir()):
                yield from _path(child, os.path.join(where, child.name))
    elif path.is_file():
        yield from _file(path, where)
    else:
        yield Skipped(where, "no such file or folder")


def is_maildir(path: Path) -> bool:
    return all((path / name).is_dir() for name in ("cur", "new", "tmp"))


def _file(path: Path, where: str) -> Iterator[Found | Skipped]:
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        yield Skipped(where, f"cannot read: {exc.strerror or exc}")
        return
    if head.startswith(b"From "):
        yield from _mbox(path, where)
    else:
        yield from unpack(where, lambda: path.open("rb"), head=head)


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
