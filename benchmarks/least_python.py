"""The least Python that writes ours' messages: a yardstick for the bulk benchmark.

`newsletter render --recipients` compiles a campaign once, then per recipient reads and checks the
row, fills the compiled pieces, writes the message and records it. This is that per-recipient loop
written by hand for `templates/promotional/newsletter.html` alone: the same compiled pieces, the
same encoders, the same file writing, sha256 and manifest line, in one loop without the layers
that let ours take any template, any list and any failure (quoted CSV fields, row limits, name
columns, slot paths, per-row fallbacks to a full render, rejects, resume, workers).

It writes the same bytes as ours (`check_same_bytes`, run before the rounds), so the gap between
the two is the cost of that generality, and its own distance to the file floor is about as close
as Python gets: a bound on what any Python implementation of ours could reach.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from datetime import datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Any, Mapping

from newsletter.addresses import duplicate_key
from newsletter.files import write_atomic
from newsletter.headers import first_unsafe
from newsletter.render.bulk import BulkOptions, render_bulk
from newsletter.render.campaign import CompiledCampaign, compile_campaign
from newsletter.render.journal import manifest_line
from newsletter.render.message import _LINE, _display_name, _mailbox, encode_header, new_message_id
from newsletter.render.pipeline import Campaign, CompiledTemplate, RenderOptions

_BARE = re.compile(r"[a-z0-9.+_-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)
_PART = '--%s\r\nContent-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
_PERSONAL = {"first_name", "last_name", "city", "loyalty"}


def _qp(line: str) -> bytes:
    return binascii.b2a_qp(line.encode("utf-8")).replace(b"\n", b"\r\n")


class LeastPython:
    """This template's campaign compiled by ours, filled per recipient by one hand-written loop."""

    def __init__(self, template: Path, data: Mapping[str, Any]) -> None:
        campaign = Campaign.prepare(CompiledTemplate.load(template), data, RenderOptions())
        compiled: CompiledCampaign = compile_campaign(campaign, data, _PERSONAL)
        self.head = campaign.head(datetime.now())
        self.domain = campaign.sender.domain
        self.url = campaign.unsubscribe.pieces[0]  # type: ignore[union-attr]  # then the address, URL-encoded
        self.html, self.text = compiled.html_encoded, compiled.text_encoded
        (self.h1, _, _, self.h1_end), (self.h2, _, _, self.h2_end) = self.html.lines
        (self.t1, _, _, self.t1_end), (self.t2, _, _, self.t2_end) = self.text.lines  # type: ignore[union-attr]
        self.subject = encode_header("".join(compiled.subject), len("Subject: "))  # type: ignore[arg-type]
        self.label = compiled.text[compiled._text_slots[1][0]].label[0]  # type: ignore[index, union-attr]

    def run(self, recipients: Path, out: Path) -> int:
        """Every row of `recipients` (a plain CSV file) to `out`; the number written."""
        head, html, text = self.head, self.html, self.text
        folder = f"{out}/"
        out.mkdir()
        seen: set[str] = set()
        written = 0
        with open(recipients, encoding="utf-8") as rows, open(folder + "manifest.jsonl", "w", encoding="utf-8") as manifest:
            columns = rows.readline().rstrip("\r\n").split(",")
            for number, line in enumerate(rows, 1):
                fields = line.rstrip("\r\n").split(",")
                if first_unsafe("".join(fields), header=False) is not None:
                    continue
                row = dict(zip(columns, map(" ".join, map(str.split, fields))))
                email = row["email"]
                key = duplicate_key(email)
                if key in seen or not _BARE.fullmatch(email):
                    continue
                seen.add(key)
                first = row["first_name"]
                name = f"{first} {row['last_name']}"
                url = self.url + email.replace("@", "%40")
                message_id = new_message_id(self.domain)
                if not (name + email + message_id).isprintable():
                    continue
                to = f"{_display_name(name)} <{email}>"
                if len(to) + len("To: ") > _LINE:
                    to = _mailbox("To", Address(name, addr_spec=email), checked=True)
                escaped = first.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                html_body = b"".join((html.statics[0], _qp(self.h1 + escaped + self.h1_end), html.statics[1],
                                      _qp(f'{self.h2}href="{url}"{self.h2_end}'), html.statics[2]))
                text_body = b"".join((text.statics[0], _qp(self.t1 + first + self.t1_end), text.statics[1],  # type: ignore[union-attr]
                                      _qp(f"{self.t2}{self.label} ({url}){self.t2_end}"), text.statics[2]))  # type: ignore[union-attr]
                boundary = "=_alt_" + hashlib.sha1(message_id.encode()).hexdigest()[:24]
                lines = "".join((head.to, to, head.subject, self.subject, head.message_id, message_id,
                                 head.unsubscribe_url, url, head.boundary, boundary, '"\r\n'))
                raw = b"".join(((lines + "\r\n" + _PART % (boundary, "plain")).encode("ascii"), text_body,
                                ("\r\n" + _PART % (boundary, "html")).encode("ascii"), html_body,
                                f"\r\n--{boundary}--\r\n".encode("ascii")))
                file = f"{number:06d}.eml"
                write_atomic(folder + file, raw, durable=False, new=True)
                manifest.write(manifest_line(number, number + 1, email, file, len(raw), message_id,
                                             hashlib.sha256(raw).hexdigest()))
                written += 1
        return written


_MASK = re.compile(rb"<\d+\.\d+\.\d+@[^>]+>|=_alt_[0-9a-f]{24}|\r\nDate: [^\r]*")  # new each message, or second


def check_same_bytes(least: LeastPython, template: Path, recipients: Path, data: Mapping[str, Any],
                     folder: Path) -> int:
    """Render `recipients` both ways and compare every message, Date, Message-ID and boundary masked;
    the number compared. Raises `AssertionError` at the first difference."""
    render_bulk(template, recipients, data, RenderOptions(), BulkOptions(folder / "ours", jobs=1))
    count = least.run(recipients, folder / "least")
    for number in range(1, count + 1):
        ours, mine = ((folder / side / f"{number:06d}.eml").read_bytes() for side in ("ours", "least"))
        assert _MASK.sub(b"", ours) == _MASK.sub(b"", mine), f"message {number} differs"
    return count
