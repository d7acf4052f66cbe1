"""H007-H010: the From display name and the Feedback-ID header against Gmail's guidelines.

The display-name rules are Google's 2024 guidelines (checks/sender-names.toml); Feedback-ID
is Gmail's feedback loop header (`a:b:c:SenderId`, SenderId of 5 to 15 characters, one header,
covered by the DKIM signature: https://support.google.com/mail/answer/6254652).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from email.message import Message
from functools import cache
from typing import Iterator

from ..checkfiles import read_check
from ..document.as_written import addresses_in, first_value, header_text, header_texts
from ..findings import Finding, finding
from .data import PhraseList, normalise
from .model import LintInput, Origin

_THREAD_COUNT = re.compile(r"\(\d+\)\s*\"?\s*(?:<|$)")  # 'User (2)', quoted or as an RFC 5322 comment
_CAPITAL_WORD = re.compile(r"(?<![\w.])[^\W\d_a-z]{3,}(?![\w.])")
_GMAIL_ADDRESS = re.compile(r"@(gmail|googlemail)\.com\b", re.IGNORECASE)
_DKIM_HEADERS = re.compile(r"(?:^|;)\s*h\s*=\s*([^;]*)", re.IGNORECASE)


@cache
def _names() -> tuple[PhraseList, int]:
    raw = tomllib.loads(read_check("sender-names.toml"))
    return PhraseList.of([*raw["content_phrases"]["en"], *raw["content_phrases"]["fr"]]), raw["capital_words"]


def sender_header_rules(lint_input: LintInput) -> Iterator[Finding]:
    message = lint_input.message
    if message is None or lint_input.origin is not Origin.EML:
        return
    here = lint_input.at(1)
    senders = addresses_in(header_texts(message, "From"))
    name = senders[0][0].strip() if senders else ""
    raw = " ".join((first_value(message, "From") or "").split())  # comments kept
    if name or _THREAD_COUNT.search(raw):
        yield from (finding(rule, text, here) for rule, text in display_name_problems(
            name or raw, header_text(message, "Subject") or "",
            [n for n, _ in addresses_in(header_texts(message, "To"))], raw))
    yield from (finding("H010", text, here) for text in feedback_id_problems(message))


def display_name_problems(name: str, subject: str, recipients: list[str], raw_from: str = "") -> Iterator[tuple[str, str]]:
    """(rule, message) for each of Gmail's display-name guidelines the From name breaks."""
    phrases, capital_words = _names()
    folded = normalise(name)
    said = phrases.find(name)
    if subject.strip() and len(normalise(subject)) >= 8 and normalise(subject) in folded:
        yield "H007", f"From name {name!r} repeats the subject"
    elif said:
        yield "H007", f"From name {name!r} says {said[0]!r}: message content, not who sends"
    elif len(_CAPITAL_WORD.findall(name)) >= capital_words:
        yield "H007", f"From name {name!r} is written in capitals, like message content"
    for recipient in recipients:
        first = normalise(recipient).split(" ")[0] if recipient.strip() else ""
        if len(first) >= 2 and re.search(rf"(?<!\w){re.escape(first)}(?!\w)", folded):
            yield "H008", f"From name {name!r} holds the recipient's name {recipient!r}"
            break
    if _THREAD_COUNT.search(name) or _THREAD_COUNT.search(raw_from):
        yield "H008", f"From {raw_from.strip() or name!r} ends the name with a count, as if the message were in a thread"
    if _GMAIL_ADDRESS.search(name):
        yield "H008", f"From name {name!r} shows an @gmail.com address"
    symbols = [c for c in name if unicodedata.category(c) == "So"]
    if symbols:
        yield "H009", f"From name {name!r} holds {''.join(dict.fromkeys(symbols))}: symbols that imitate a badge"


def feedback_id_problems(message: Message) -> Iterator[str]:
    """What keeps Gmail from reading a message's Feedback-ID (none when it has none)."""
    values = header_texts(message, "Feedback-ID")
    if not values:
        return
    if len(values) > 1:
        yield f"{len(values)} Feedback-ID headers; Gmail asks for exactly one"
    fields = " ".join(values[0].split()).split(":")
    sender_id = fields[-1].strip()
    if len(fields) > 4:
        yield f"Feedback-ID {values[0].strip()!r} has {len(fields)} fields; Gmail reads the last four (a:b:c:SenderId)"
    if not 5 <= len(sender_id) <= 15:
        yield (f"Feedback-ID SenderId {sender_id!r} is {len(sender_id)} characters; Gmail asks for 5 to 15"
               if sender_id else "Feedback-ID has no SenderId (its last field): Gmail makes no report")
    signed = [h.strip().lower() for sig in message.get_all("DKIM-Signature", [])
              for match in _DKIM_HEADERS.finditer(" ".join(str(sig).split())) for h in match.group(1).split(":")]
    if "feedback-id" not in signed:
        yield "Feedback-ID is not covered by a DKIM signature (h=): Gmail ignores it, as anyone could set it"
