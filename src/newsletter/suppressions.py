"""The addresses not to mail again: `suppressions.jsonl` beside newsletter.toml.

`newsletter send` adds an address when the server refuses it for good for a reason about the
address itself (the mailbox does not exist, the domain has no mail: `checks/smtp.toml`
[replies] suppress); `newsletter render --recipients` sets those rows aside as rejected. One line
an address: `{"email", "date", "reply"}` as written by send, or a bare address (a list exported
from elsewhere). Addresses are compared as the duplicate check compares them (case, IDNA).
The file holds customers' addresses: keep it out of version control, as `newsletter init`'s
.gitignore does.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Mapping

from .config import Config
from .errors import NewsletterError
from .addresses import AddressError, duplicate_key
from .json_lines import json_line

SUPPRESSIONS = "suppressions.jsonl"


def suppressions_path(config: Config) -> Path:
    """Beside the configuration file; without one, in the current folder."""
    return (config.project or Path.cwd()) / SUPPRESSIONS


def read_suppressions(path: Path) -> Mapping[str, str]:
    """Suppressed address (as `duplicate_key` writes it) -> why, e.g. "bounced on 2026-11-29
    (550 5.1.1 no such user)". A line that names no address is skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise NewsletterError(f"cannot read the suppressions file: {exc}", path=path) from None
    suppressed: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            record = json.loads(line) if line.startswith("{") else {"email": line}
            key = duplicate_key(str(record["email"]))
        except (ValueError, KeyError, TypeError, AddressError):
            continue
        reply = record.get("reply")
        when = f" on {record['date']}" if record.get("date") else ""
        suppressed[key] = f"bounced{when} ({reply})" if reply else f"listed in {path.name}"
    return suppressed


class Suppressor:
    """Adds bounced addresses to the file, one line each, as they come (from several threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.added = 0
        self._lock = threading.Lock()

    def add(self, email: str, reply: str) -> None:
        line = json_line({"email": email, "date": date.today().isoformat(), "reply": reply})
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            self.added += 1
