"""The messages a run hands to the server: one `.eml` file (a test send) or a rendered campaign's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import NewsletterError
from ..render.journal import MANIFEST, manifest_records


# What RCPT TO may carry between its angle brackets: printable ASCII without spaces or brackets, so
# that a manifest edited by hand cannot slip a command into the session. The renderer writes
# addresses checked by email-validator, in ASCII.
_ENVELOPE_ADDRESS = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")


@dataclass(frozen=True)
class Outgoing:
    key: int  # the campaign manifest's row (1 for a single message)
    path: Path
    recipient: str  # the envelope recipient (RCPT TO)
    sha256: str | None = None  # as the manifest records it: the file is checked before it is sent

    @property
    def domain(self) -> str:
        return self.recipient.rpartition("@")[2].lower()


def campaign_messages(folder: Path) -> list[Outgoing]:
    """The messages of a campaign folder, in manifest order: those the renderer wrote whole."""
    if not (folder / MANIFEST).is_file():
        raise NewsletterError(f"not a rendered campaign: no {MANIFEST} in the folder", path=folder,
                              fix="render one with: newsletter render TEMPLATE --recipients LIST --out-dir FOLDER")
    messages = [Outgoing(record["row"], folder / record["file"], _recipient(record, folder), record.get("sha256"))
                for _, record in manifest_records(folder / MANIFEST)]
    missing = next((m for m in messages if not m.path.is_file()), None)
    if missing is not None:
        raise NewsletterError(f"the manifest lists {missing.path.name}, which is not in the folder", path=folder,
                              fix="finish the render with the same command and --resume")
    return messages


def _recipient(record: dict, folder: Path) -> str:
    email = record.get("email")
    if not isinstance(email, str) or not _ENVELOPE_ADDRESS.fullmatch(email):
        raise NewsletterError(f"row {record['row']} of the manifest has no address to send to: {email!r}",
                              path=folder / MANIFEST, fix="render the campaign again into a new folder")
    return email
