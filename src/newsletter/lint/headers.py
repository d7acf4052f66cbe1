"""H rules: the headers of a message against Gmail's 2024 sender rules and RFC 5322."""

from __future__ import annotations

import re
from email.message import Message
from typing import Iterator

from ..document.as_written import addresses_in, blank_date, first_value, header_text, header_texts, plain_message_id
from ..findings import Finding, finding
from ..kinds import Kind
from .model import LintInput, Origin

_REPLY_PREFIX = re.compile(r"^\s*(re|fwd?|tr|réf|ref|aw|wg)\s*:", re.IGNORECASE)
_HTTPS_URI = re.compile(r"<\s*https://[^>]+>", re.IGNORECASE)


def header_rules(lint_input: LintInput) -> Iterator[Finding]:
    message = lint_input.message
    if message is None or lint_input.origin is not Origin.EML:
        return  # rendered templates get their headers from the renderer, which sets them all
    here = lint_input.at(1)  # a header that is missing: the top of the header block

    def at(name: str):
        return lint_input.at(lint_input.header_line(name) or 1)

    message_id = first_value(message, "Message-ID")  # judged as written where that shows (no parse)
    if not (message_id is not None and plain_message_id(message_id)) and not _header(message, "Message-ID"):
        yield finding("H003", "no Message-ID header", here)
    if blank_date(first_value(message, "Date")):
        yield finding("H004", "no Date header", here)
    senders = addresses_in(header_texts(message, "From"))
    found = [address for _, address in senders if address]
    written = first_value(message, "From")
    if not any("@" in address for address in found):  # `From: Boutique` reads as a local part alone
        yield finding("H011", "no From header" if written is None else f"no address in From {written.strip()!r}",
                      here if written is None else at("From"))
    elif len(found) > 1:
        yield finding("H005", f"{len(senders)} addresses in From", at("From"))
    subject = _header(message, "Subject")
    if _REPLY_PREFIX.match(subject) and not (_header(message, "In-Reply-To") or _header(message, "References")):
        yield finding("H006", f"subject {subject!r} looks like a reply but has no In-Reply-To or References",
                      at("Subject"))
    unsubscribe = _header(message, "List-Unsubscribe")
    if not unsubscribe:
        if lint_input.kind is Kind.PROMOTIONAL:
            yield finding("H001", "promotional message without a List-Unsubscribe header", here)
        return
    post = _header(message, "List-Unsubscribe-Post")
    if not _HTTPS_URI.search(unsubscribe) or " ".join(post.split()).lower() != "list-unsubscribe=one-click":
        yield finding("H002", "List-Unsubscribe needs an https URI and List-Unsubscribe-Post: "
                      "List-Unsubscribe=One-Click", at("List-Unsubscribe"))

def _header(message: Message, name: str) -> str:
    """A header's value, or "" when absent or unreadable (a malformed header is not a crash)."""
    try:
        value = header_text(message, name)
    except (ValueError, IndexError, TypeError):
        return "?"  # present but malformed
    return str(value).strip() if value is not None else ""
