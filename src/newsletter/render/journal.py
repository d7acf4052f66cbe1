"""A campaign folder's record of what is done: the message files, `manifest.jsonl`, `rejects.jsonl`.

A message file is written whole or not at all (a temporary file, checked, then renamed), and its
manifest line is written only after that. `--resume` keeps a manifest line only when its file is
still there with the recorded size and sha256, and removes what no line accounts for, so a
message is never counted as written unless it is, whole, and none is written twice. The run
holds the folder's lock (`lock.py`) from the moment it reads the manifest until it closes it.
`rejects.jsonl` is rewritten by each run, which checks the rows the earlier one rejected again.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import suppress
from json.encoder import encode_basestring as _json_string  # json.dumps's, ensure_ascii=False
from pathlib import Path
from typing import Any

from ..errors import NewsletterError
from ..files import write_atomic
from .lock import LOCK_FILE, FolderLock
from .recipients import Row
from ..json_lines import escape_line_breaks, json_line

MANIFEST = "manifest.jsonl"
REJECTS = "rejects.jsonl"
_MESSAGE = re.compile(r"\d{6,}\.eml")


def message_file(row: int) -> str:
    return f"{row:06d}.eml"


def manifest_line(row: int, line: int, email: str, file: str, size: int, message_id: str, sha256: str) -> str:
    """The manifest's line for a message written, as `json_line` writes the record, in a third of
    its time: a campaign writes thousands a second."""
    return escape_line_breaks(
        f'{{"row": {int(row)}, "line": {int(line)}, "email": {_json_string(email)}, "file": {_json_string(file)}, '
        f'"bytes": {int(size)}, "message_id": {_json_string(message_id)}, "sha256": {_json_string(sha256)}}}') + "\n"


class Journal:
    """The manifest (kept across runs) and the rejects (rewritten by each run) of one run; in a
    dry run (no folder), only the counts and the first rejects."""

    def __init__(self, out_dir: Path | None, done: set[int], redone: int, lock: FolderLock | None) -> None:
        self.out_dir = out_dir
        self.done = done  # rows an earlier run rendered, files checked
        self.redone = redone  # rows an earlier run recorded whose file was missing, short or changed
        self.rendered = len(done)
        self.rejected = 0
        self.first_rejects: list[dict[str, Any]] = []
        self._lock = lock
        self._manifest = open(out_dir / MANIFEST, "a", encoding="utf-8") if out_dir else None
        self._rejects = open(out_dir / REJECTS, "w", encoding="utf-8") if out_dir else None

    @classmethod
    def open(cls, out_dir: Path | None, resume: bool) -> "Journal":
        """Lock `out_dir` and read what an earlier run did there (with `resume`), or refuse a
        folder that is not empty."""
        if out_dir is None:
            return cls(None, set(), 0, None)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NewsletterError(f"cannot use the output folder: {exc.strerror}", path=out_dir) from None
        lock = FolderLock.acquire(out_dir)
        try:
            if not resume and any(p.name != LOCK_FILE for p in out_dir.iterdir()):
                raise NewsletterError(
                    "the output folder is not empty", path=out_dir,
                    fix="pass --resume to finish the campaign rendered there, or choose an empty folder",
                )
            done, redone = _check_earlier_run(out_dir)
            return cls(out_dir, done, redone, lock)
        except OSError as exc:
            lock.release()
            raise NewsletterError(f"cannot use the output folder: {exc.strerror}", path=out_dir) from None
        except BaseException:
            lock.release()
            raise

    def record(self, lines: str, count: int = 1) -> None:
        """`count` messages written, with their `manifest_line`s."""
        if self._manifest:
            self._manifest.write(lines)
        self.rendered += count

    def reject(self, row: Row, reason: str) -> None:
        email = row.data.get("email") if row.data else None
        self.reject_record({"row": row.number, "line": row.line, "email": email, "reason": reason})

    def reject_record(self, record: dict[str, Any]) -> None:
        record = {k: record.get(k) for k in ("row", "line", "email", "reason")}
        if self._rejects:
            self._rejects.write(json_line(record) + "\n")
        if len(self.first_rejects) < 10:
            self.first_rejects.append(record)
        self.rejected += 1

    def close(self, complete: bool = True) -> None:
        """Write out the journal and release the folder. After a run that stopped early
        (`complete` false), remove what the manifest does not account for: temporary files
        and messages whose line was never written, and count what is recorded. Raises the first
        `OSError` met."""
        failure: OSError | None = None
        try:
            for handle in (self._manifest, self._rejects):
                if handle:
                    try:
                        handle.close()
                    except OSError as exc:
                        failure = failure or exc
            if self.out_dir is not None and not complete:
                recorded = {record["file"] for _, record in manifest_records(self.out_dir / MANIFEST)}
                self.rendered = len(recorded)  # what the manifest on disk holds
                with suppress(OSError):
                    _remove_unrecorded(self.out_dir, recorded)
        finally:
            if self._lock:
                self._lock.release()
        if failure:
            raise failure


def _check_earlier_run(out_dir: Path) -> tuple[set[int], int]:
    """The rows whose manifest line is complete and whose file is intact, and how many lines were
    dropped because their file was not. Rewrites the manifest with the kept lines only."""
    manifest = out_dir / MANIFEST
    done: set[int] = set()
    kept: list[str] = []
    files: set[str] = set()
    damaged = 0
    for line, record in manifest_records(manifest):
        if record["row"] in done:
            continue
        if _intact(out_dir / record["file"], record):
            done.add(record["row"])
            kept.append(line)
            files.add(record["file"])
        else:
            damaged += 1
    _remove_unrecorded(out_dir, files)
    if manifest.exists():
        write_atomic(manifest, "".join(kept).encode("utf-8"))
    return done, damaged


def manifest_records(manifest: Path) -> list[tuple[str, dict[str, Any]]]:
    """The manifest's complete lines with their records (a run killed mid-write leaves a last
    line without its end, or a disk that filled up one cut short, maybe inside a character).
    `newsletter send` reads a campaign's messages from here too."""
    try:
        text = manifest.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines(keepends=True):
        try:
            record = json.loads(line)
            valid = line.endswith("\n") and isinstance(record["row"], int) and _MESSAGE.fullmatch(record["file"])
        except (ValueError, KeyError, TypeError):
            continue
        if valid:
            out.append((line, record))
    return out


def _intact(path: Path, record: dict[str, Any]) -> bool:
    """The file is there with the size and sha256 its manifest line records."""
    try:
        if "bytes" in record and path.stat().st_size != record["bytes"]:
            return False
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() == record.get("sha256")
    except OSError:
        return False


def _remove_unrecorded(out_dir: Path, recorded: set[str]) -> None:
    """Remove temporary files and message files no manifest line accounts for (rendered again)."""
    for path in out_dir.iterdir():
        name = path.name
        if (name.startswith(".") and name.endswith(".tmp")) or (_MESSAGE.fullmatch(name) and name not in recorded):
            path.unlink()
