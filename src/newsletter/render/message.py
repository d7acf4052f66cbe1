"""The complete RFC 5322 message, built with the standard `email` package.

`multipart/alternative` with text/plain then text/html, both UTF-8. Promotional mail carries
`List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
Header values are checked for line breaks before they reach the message: no header injection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from ..errors import NewsletterError

# CRLF, 7-bit headers (RFC 2047 for non-ASCII), folded at 78; raw headers kept as they are.
_POLICY = SMTP.clone(refold_source="none")
from .kinds import Kind


@dataclass(frozen=True)
class Envelope:
    """Everything that goes into the headers."""

    sender: Address
    recipient: Address
    subject: str
    kind: Kind
    reply_to: Address | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    list_id: str | None = None
    date: datetime | None = None
    message_id: str | None = None


def build_message(envelope: Envelope, html: str, text: str) -> EmailMessage:
    """A sendable message. Raises `NewsletterError` for a header value with a line break."""
    for name, value in (
        ("Subject", envelope.subject),
        ("List-Unsubscribe", envelope.unsubscribe_url),
        ("List-Unsubscribe", envelope.unsubscribe_mailto),
        ("List-Id", envelope.list_id),
        ("Message-ID", envelope.message_id),
    ):
        if value and ("\r" in value or "\n" in value):
            raise NewsletterError(
                f"line break in the {name} header value {value!r}",
                fix="header values must be one line (line breaks would inject headers)",
            )
    message = EmailMessage(policy=_POLICY)
    message["From"] = envelope.sender
    message["To"] = envelope.recipient
    if envelope.reply_to:
        message["Reply-To"] = envelope.reply_to
    message["Subject"] = envelope.subject
    message["Date"] = format_datetime((envelope.date or datetime.now()).astimezone())
    message["Message-ID"] = envelope.message_id or make_msgid(domain=envelope.sender.domain)
    message["MIME-Version"] = "1.0"
    if envelope.list_id:
        message["List-Id"] = envelope.list_id
    if envelope.kind is Kind.PROMOTIONAL:
        if not envelope.unsubscribe_url:
            raise NewsletterError(
                "promotional mail needs an unsubscribe URL (Gmail and Yahoo require one-click "
                "unsubscribe, RFC 8058)",
                fix="set unsubscribe_url in newsletter.toml or pass --unsubscribe-url",
            )
        targets = [f"<{envelope.unsubscribe_url}>"]
        if envelope.unsubscribe_mailto:
            targets.append(f"<mailto:{envelope.unsubscribe_mailto.removeprefix('mailto:')}>")
        # Set raw and folded between targets: the policy would otherwise turn a URL longer than
        # a line into an RFC 2047 encoded-word, which no mailbox provider reads as a URL.
        message.set_raw("List-Unsubscribe", ",\n ".join(targets))
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message
