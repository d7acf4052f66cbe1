"""Sending through the shop's SMTP relay or email service: a test send, or a rendered campaign.

We hand messages to a relay (Postfix, an ESP's SMTP endpoint), the engine that queues, retries
for days and scales past one machine; our part is a correct, fast, resumable submission: several
connections, a pace, retries of what the relay defers, bounces recorded and suppressed, and a
journal so that nothing the relay took is sent twice.
"""

from .journal import SEND_JOURNAL
from .replies import Status
from .run import SendOptions, SendPlan, SendSummary, envelope_sender, send_campaign, send_message
from .settings import SmtpSettings, resolve_settings

__all__ = [
    "SEND_JOURNAL",
    "SendOptions",
    "SendPlan",
    "SendSummary",
    "SmtpSettings",
    "Status",
    "envelope_sender",
    "resolve_settings",
    "send_campaign",
    "send_message",
]
