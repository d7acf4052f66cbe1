"""The messages a run hands to the server: one `.eml` file (a test send) or a rendered campaign's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import NewsletterError
from ..render.journal import MANIFEST, manifest_records


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
    messages = [Outgoing(record["row"], folder / record["file"], record["email"], record.get("sha256"))
                for _, record in manifest_records(folder / MANIFEST)]
    missing = next((m for m in messages if not m.path.is_file()), None)
    if missing is not None:
        raise NewsletterError(f"the manifest lists {missing.path.name}, which is not in the folder", path=folder,
                              fix="finish the render with the same command and --resume")
    return messages
