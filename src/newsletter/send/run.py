"""`newsletter send` as a library: a test send of one message, or a rendered campaign.

A campaign's messages are those its manifest lists; the folder is locked for the run (a render
and a send cannot work in it at once), and the send journal decides what `--resume` sends.
Every message given ends in one of four states, which add up to the messages given: sent,
deferred (refused for now: `--resume` tries again), bounced (refused for good, with the server's
reason) or uncertain (see `journal.py`).
"""

from __future__ import annotations

import email.parser
import email.policy
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..config import Config
from ..errors import NewsletterError
from ..addresses import AddressError, parse_address
from ..render.lock import FolderLock
from ..suppressions import Suppressor, suppressions_path
from .connection import ConnectError, Connection
from .engine import Delivery
from .journal import Earlier, SendJournal, earlier_runs
from .outgoing import Outgoing, campaign_messages
from .explain import Explanation, explain
from .replies import Status
from .settings import SmtpSettings


@dataclass(frozen=True)
class SendOptions:
    resume: bool = False
    resend_uncertain: bool = False  # with resume: send again the messages a stop left uncertain
    progress: Callable[[int, int], None] | None = None  # (messages done, messages to send)


@dataclass(frozen=True)
class Outcome:
    """One message that was not sent, and why."""

    row: int
    email: str
    file: str
    status: Status
    reply: str | None
    explanation: Explanation | None = None  # what a provider's reply about sender rules means (5.7.26...)


@dataclass(frozen=True)
class SendSummary:
    messages: int  # given: the manifest's, or 1
    sent: int
    deferred: int
    bounced: int
    uncertain: int
    sent_before: int  # by earlier runs (counted in `sent`)
    seconds: float
    server: str
    not_sent: tuple[Outcome, ...]  # every bounced, deferred and uncertain message
    suppressed: int  # addresses added to the suppressions file by this run
    suppressions: Path | None

    @property
    def per_second(self) -> float:
        return (self.sent - self.sent_before) / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class SendPlan:
    """What a run would do (`--dry-run`): the server was reached, and nothing was sent."""

    server: str
    greeting: str
    tls_version: str | None
    username: str | None
    sender: str
    messages: int
    to_send: int
    done_before: int  # sent or bounced by earlier runs
    uncertain_left: int  # uncertain, and not sent again without --resend-uncertain
    domains: int
    connections: int
    rate: float | None
    domain_rate: float | None


def send_message(path: Path, to: str, settings: SmtpSettings, options: SendOptions = SendOptions(),
                 dry_run: bool = False) -> SendSummary | SendPlan:
    """Send one `.eml` as it is to `to` (the envelope recipient; the headers are not changed): a
    test send. No journal, no suppression."""
    try:
        recipient = parse_address(to).addr_spec
    except AddressError as exc:
        raise NewsletterError(f"--to: {exc}", fix=exc.fix) from None
    if not path.is_file():
        raise NewsletterError("no such message file", path=path)
    message = Outgoing(1, path, recipient)
    settings = replace(settings, connections=1)
    sender = settings.mail_from or envelope_sender(path)
    if dry_run:
        return _plan(settings, sender, [message], {})
    return _deliver([message], {}, sender, settings, None, None, options)


def send_campaign(folder: Path, settings: SmtpSettings, config: Config, options: SendOptions = SendOptions(),
                  dry_run: bool = False) -> SendSummary | SendPlan:
    """Send a rendered campaign: each message of the manifest to its recipient."""
    if not folder.is_dir():
        raise NewsletterError("no such campaign folder", path=folder)
    lock = FolderLock.acquire(folder)
    try:
        messages = campaign_messages(folder)
        if not messages:
            raise NewsletterError("the campaign has no messages: its manifest is empty", path=folder)
        earlier = earlier_runs(folder, options.resume)
        to_send = [m for m in messages if _to_send(earlier.get(m.key), options.resend_uncertain)]
        sender = settings.mail_from or envelope_sender((to_send or messages)[0].path)
        if dry_run:
            return _plan(settings, sender, messages, earlier, to_send)
        journal = SendJournal.open(folder)
        try:
            suppressor = Suppressor(suppressions_path(config))
            return _deliver(messages, earlier, sender, settings, journal, suppressor, options, to_send)
        finally:
            journal.close()
    finally:
        lock.release()


def envelope_sender(path: Path) -> str:
    """The address of the message's From header: where bounces go unless --mail-from says."""
    try:
        with path.open("rb") as handle:
            headers = email.parser.BytesHeaderParser(policy=email.policy.default).parse(handle)
        return parse_address(str(headers["From"])).addr_spec
    except (OSError, AddressError, TypeError, ValueError, IndexError):
        raise NewsletterError("cannot tell the envelope sender: no usable From address in the message",
                              path=path, fix="give --mail-from ADDRESS") from None


def _to_send(earlier: Earlier | None, resend_uncertain: bool) -> bool:
    if earlier is None or earlier.status is Status.DEFERRED:
        return True
    return earlier.status is Status.UNCERTAIN and resend_uncertain


def _deliver(messages: list[Outgoing], earlier: dict[int, Earlier], sender: str, settings: SmtpSettings,
             journal: SendJournal | None, suppressor: Suppressor | None, options: SendOptions,
             to_send: list[Outgoing] | None = None) -> SendSummary:
    to_send = messages if to_send is None else to_send
    started = time.perf_counter()
    progress = options.progress
    _check_password(settings)
    results = Delivery(to_send, sender, settings, journal, suppressor).run(
        (lambda done: progress(done, len(to_send))) if progress else None)
    seconds = time.perf_counter() - started
    counts = dict.fromkeys(Status, 0)
    not_sent = []
    sent_before = 0
    for message in messages:
        result = results.get(message.key)
        if result is not None:
            status, reply = result.status, result.reply
        else:  # not sent by this run: as an earlier one left it
            status, reply = earlier[message.key].status, earlier[message.key].reply
            sent_before += status is Status.SENT
        counts[status] += 1
        if status is not Status.SENT:
            not_sent.append(Outcome(message.key, message.recipient, message.path.name, status, reply, explain(reply)))
    return SendSummary(
        messages=len(messages), sent=counts[Status.SENT], deferred=counts[Status.DEFERRED],
        bounced=counts[Status.BOUNCED], uncertain=counts[Status.UNCERTAIN], sent_before=sent_before,
        seconds=seconds, server=settings.server, not_sent=tuple(not_sent),
        suppressed=suppressor.added if suppressor else 0, suppressions=suppressor.path if suppressor else None,
    )


def _plan(settings: SmtpSettings, sender: str, messages: list[Outgoing], earlier: dict[int, Earlier],
          to_send: list[Outgoing] | None = None) -> SendPlan:
    """Open one session (TLS, login) to show the settings work, then say what a run would do."""
    to_send = messages if to_send is None else to_send
    try:
        _check_password(settings)
        connection = Connection.open(settings)
    except ConnectError as exc:
        raise NewsletterError(exc.what, fix=exc.fix) from None
    connection.close()
    keys = {m.key for m in to_send}
    return SendPlan(
        server=settings.server, greeting=connection.info.greeting, tls_version=connection.info.tls_version,
        username=settings.username, sender=sender, messages=len(messages), to_send=len(to_send),
        done_before=sum(e.status in (Status.SENT, Status.BOUNCED) for e in earlier.values()),
        uncertain_left=sum(e.status is Status.UNCERTAIN and k not in keys for k, e in earlier.items()),
        domains=len({m.domain for m in to_send}), connections=min(settings.connections, max(len(to_send), 1)),
        rate=settings.rate, domain_rate=settings.domain_rate,
    )


def _check_password(settings: SmtpSettings) -> None:
    if settings.username and settings.password is None:
        raise NewsletterError(f"no password for the SMTP user {settings.username!r}",
                              fix=f"set the environment variable {settings.password_env}")
