"""What a server's reply to one transaction means for the message: pure, no I/O.

RFC 5321 section 4.2.1: 2yz accepted, 4yz try again later, 5yz never. The enhanced status code
(RFC 3463) at the start of the text says more; which codes suppress an address or mean "slow
down" is data, in `checks/smtp.toml` [replies].
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from .settings import knowledge

_ENHANCED = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    @property
    def enhanced(self) -> str | None:
        """The enhanced status code (`5.1.1`) when the text starts with one of the reply's class."""
        match = _ENHANCED.match(self.text)
        return match.group(0) if match and match.group(1) == str(self.code)[0] else None

    def __str__(self) -> str:
        return f"{self.code} {' '.join(self.text.split())}".strip()


class Stage(str, enum.Enum):
    """Where a transaction stopped: the command whose reply ended it."""

    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"  # the DATA command, or sending the message's lines
    END = "end"  # the reply to the message's end: the server's yes or no


@dataclass(frozen=True)
class Attempt:
    """One transaction as it went: the stage it reached and the reply there; `reply` None when
    the connection was lost (or timed out) waiting for it."""

    stage: Stage
    reply: Reply | None

    @property
    def accepted(self) -> bool:
        return self.stage is Stage.END and self.reply is not None and self.reply.code // 100 == 2


class Status(str, enum.Enum):
    SENT = "sent"
    DEFERRED = "deferred"  # refused for now: tried again
    BOUNCED = "bounced"  # refused for good: never tried again
    UNCERTAIN = "uncertain"  # the server may have taken it: not sent again unless asked


class Verdict(enum.Enum):
    SENT = "sent"
    RETRY = "retry"
    SLOW_DOWN = "slow down"  # a quota or rate limit: pause, then one connection
    BOUNCE = "bounce"
    UNCERTAIN = "uncertain"
    SENDER_REFUSED = "sender refused"  # MAIL FROM refused for good: every message would be


def judge(attempt: Attempt) -> Verdict:
    """The verdict on one transaction."""
    reply = attempt.reply
    if attempt.accepted:
        return Verdict.SENT
    if reply is None:
        # Lost before the message's end was sent: the server cannot have taken it. Lost while
        # waiting for the reply to its end: it may have (RFC 5321 6.1; RFC 1047).
        return Verdict.UNCERTAIN if attempt.stage is Stage.END else Verdict.RETRY
    rules = knowledge()["replies"]
    if reply.code // 100 == 4 or (attempt.stage is Stage.RCPT and reply.code in rules["temporary_at_rcpt"]):
        return Verdict.SLOW_DOWN if reply.enhanced in rules["quota"] else Verdict.RETRY
    if reply.code // 100 == 5:
        return Verdict.SENDER_REFUSED if attempt.stage is Stage.MAIL else Verdict.BOUNCE
    # 1yz, 3yz where 2yz was due, or 2yz before the end: the server does not follow the protocol.
    return Verdict.RETRY


def suppresses(reply: Reply | None) -> bool:
    """Whether a bounce with this reply is about the recipient's address (the address is then
    suppressed), rather than about the message or the sender."""
    return reply is not None and reply.enhanced in knowledge()["replies"]["suppress"]
