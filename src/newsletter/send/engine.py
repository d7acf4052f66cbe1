"""Several connections, one thread and one SMTP session each, taking messages from one schedule.

Each transaction is journaled before it starts and after its reply, and judged (`replies.py`):
sent, tried again later, bounced (the address suppressed when the reply is about it) or
uncertain. A refusal that no message could pass (the sender refused, the server unreachable, a
login refused, a message file changed) stops the run: every connection finishes the transaction
it is in, and the error names what to fix before `--resume`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

from ..errors import NewsletterError
from ..limits import input_limits
from ..suppressions import Suppressor
from .connection import ConnectError, Connection, tls_context
from .journal import SendJournal
from .outgoing import Outgoing
from .replies import Attempt, Stage, Status, Verdict, judge, suppresses
from .schedule import Schedule
from .settings import SmtpSettings

_LOST = {
    Stage.MAIL: "connection lost before the server answered MAIL FROM",
    Stage.RCPT: "connection lost before the server answered RCPT TO",
    Stage.DATA: "connection lost while the message was being sent",
    Stage.END: "connection lost waiting for the reply to the message's end: the server may have taken it",
}


@dataclass(frozen=True)
class Result:
    """A message's last transaction: its status, and the reply (or what happened to the connection)."""

    status: Status
    reply: str | None


class Delivery:
    def __init__(self, messages: Sequence[Outgoing], sender: str, settings: SmtpSettings,
                 journal: SendJournal | None, suppressor: Suppressor | None) -> None:
        self.sender = sender
        self.settings = settings
        self.journal = journal
        self.suppressor = suppressor
        self.schedule = Schedule(messages, rate=settings.rate, domain_rate=settings.domain_rate,
                                 retry_delays=settings.retry_delays, quota_pause=settings.quota_pause)
        self.results: dict[int, Result] = {}
        self.finished = 0
        self._tls = tls_context(settings)
        self._connected = threading.Event()  # a session was opened once: the server is there
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    def run(self, progress: Callable[[int], None] | None = None) -> dict[int, Result]:
        """Send everything; returns each message's last result. Raises `NewsletterError` when the
        run had to stop."""
        workers = [threading.Thread(target=self._work, args=(index,), name=f"smtp-{index}", daemon=True)
                   for index in range(self.settings.connections)]
        for worker in workers:
            worker.start()
        try:
            for worker in workers:
                while worker.is_alive():
                    worker.join(0.2)
                    if progress:
                        progress(self.finished)
        except KeyboardInterrupt:
            self._fail(NewsletterError("interrupted", fix="run the same command with --resume to send the rest"))
            for worker in workers:
                worker.join()
        if progress:
            progress(self.finished)
        if isinstance(self._error, OSError):  # the journal or the suppressions file: a full disk
            raise NewsletterError(f"cannot write: {self._error.strerror or self._error}", path=self._error.filename,
                                  fix="make room, then run the same command with --resume") from None
        if self._error is not None:
            raise self._error
        return self.results

    def _work(self, index: int) -> None:
        """One connection's loop. The session is opened before a message is taken, so that the
        pace is kept at the server, not only at the queue."""
        connection: Connection | None = None
        used = failures = 0
        try:
            while self.schedule.has_work(index):
                if connection is None or not connection.alive or used >= self.settings.messages_per_connection:
                    if connection is not None:
                        connection.close()
                    try:
                        connection, used, failures = Connection.open(self.settings, self._tls), 0, 0
                        self._connected.set()
                    except ConnectError as exc:
                        connection, failures = None, failures + 1
                        self._check_connect_failure(exc, failures)
                        self._stopping.wait(self.settings.retry_delays[failures - 1])
                        continue
                message = self.schedule.take(index)
                if message is None:
                    break
                data = self._read(message)
                if self.journal:
                    self.journal.begin(message, self.schedule.attempts[message.key])
                # A file checked against its manifest is as the renderer wrote it: CRLF only.
                attempt = connection.submit(self.sender, message.recipient, data, crlf=message.sha256 is not None)
                used += 1
                self._settle(message, attempt)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            self._fail(exc)
        finally:
            if connection is not None:
                connection.close()

    def _check_connect_failure(self, error: ConnectError, failures: int) -> None:
        """A session that could not be opened stops the run when it never will be: the settings
        are wrong, the server was never reached, or it stayed away through every retry delay."""
        if error.lasting or not self._connected.is_set() or failures > len(self.settings.retry_delays):
            raise NewsletterError(error.what, fix=error.fix or "then run the same command with --resume")

    def _read(self, message: Outgoing) -> bytes:
        limit = input_limits("send")["max_message_bytes"]
        try:
            with message.path.open("rb") as handle:
                if os.fstat(handle.fileno()).st_size > limit:
                    raise NewsletterError(f"the message is larger than {limit:,} bytes", path=message.path,
                                          fix="a message file is tens of KB: check the file named")
                data = handle.read()
        except OSError as exc:
            raise NewsletterError(f"cannot read the message: {exc.strerror}", path=message.path) from None
        if message.sha256 and hashlib.sha256(data).hexdigest() != message.sha256:
            raise NewsletterError("the message file changed after it was rendered (its sha256 is not the manifest's)",
                                  path=message.path, fix="render the campaign again, or restore the file")
        return data

    def _settle(self, message: Outgoing, attempt: Attempt) -> None:
        verdict = judge(attempt)
        reply = str(attempt.reply) if attempt.reply is not None else _LOST[attempt.stage]
        status = {Verdict.SENT: Status.SENT, Verdict.BOUNCE: Status.BOUNCED,
                  Verdict.UNCERTAIN: Status.UNCERTAIN}.get(verdict, Status.DEFERRED)
        if self.journal:
            self.journal.end(message, status, reply)
        again = self.schedule.done(message, retry=verdict is Verdict.RETRY, slow_down=verdict is Verdict.SLOW_DOWN)
        if status is Status.BOUNCED and self.suppressor and suppresses(attempt.reply):
            self.suppressor.add(message.recipient, reply)
        with self._lock:
            self.results[message.key] = Result(status, reply)
            self.finished += not again  # deferred and to be tried again: not finished
        if verdict is Verdict.SENDER_REFUSED:
            raise NewsletterError(f"the server refuses the sender {self.sender}: {reply}",
                                  fix="check the From address (or --mail-from) is one the server lets "
                                      "you send as, then run the same command with --resume")

    def _fail(self, error: BaseException) -> None:
        with self._lock:
            if self._error is None:
                self._error = error
        self._stopping.set()
        self.schedule.stop()

