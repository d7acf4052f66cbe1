"""One SMTP session with the relay (stdlib `smtplib`): TLS, login, then one transaction per message.

`smtplib` opens the session; the transaction is written out here rather than left to
`smtplib.sendmail`, to pipeline its commands where the server allows (RFC 2920), and to tell two
failures apart that SMTP treats very differently: the connection lost while the message is being
sent (the server cannot have taken it: send it again), and the connection lost while waiting for
the reply to its end (the server may have taken it: the message is uncertain).
"""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from functools import cache

from .replies import Attempt, Reply, Stage
from .settings import SmtpSettings

_BARE_LINE_END = re.compile(rb"\r\n|\r|\n")


class ConnectError(Exception):
    """The session could not be opened. `lasting`: trying again will not help (a certificate or
    login refused, TLS not offered) until the settings change."""

    def __init__(self, what: str, fix: str | None = None, lasting: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix
        self.lasting = lasting


@dataclass(frozen=True)
class SessionInfo:
    """What the server said and agreed to, for the dry run's report."""

    greeting: str
    tls_version: str | None  # None: no TLS


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Certificates and host names verified. Made once a run and shared by its connections:
    reading the system's authorities takes milliseconds."""
    return ssl.create_default_context(cafile=settings.cafile)


@cache
def helo_name() -> str:
    """The name given in EHLO: this machine's (looked up once a run, not once a connection)."""
    return socket.getfqdn()


class Connection:
    def __init__(self, smtp: smtplib.SMTP, settings: SmtpSettings, info: SessionInfo) -> None:
        self._smtp = smtp
        self._settings = settings
        self.info = info
        self.alive = True
        self.pipelining = smtp.has_extn("pipelining")

    @classmethod
    def open(cls, settings: SmtpSettings, context: ssl.SSLContext | None = None) -> "Connection":
        """Connect, start TLS as the settings require (the certificate verified), log in. Raises
        `ConnectError`."""
        context = context or tls_context(settings)
        smtp: smtplib.SMTP | None = None
        try:
            if settings.tls == "implicit":
                smtp = smtplib.SMTP_SSL(local_hostname=helo_name(), timeout=settings.command_timeout,
                                        context=context)
            else:
                smtp = smtplib.SMTP(local_hostname=helo_name(), timeout=settings.command_timeout)
            smtp._host = settings.host  # the name TLS checks the certificate against (set by the constructor only)
            greeting = Reply(*_decode(smtp.connect(settings.host, settings.port)))
            if greeting.code != 220:
                raise smtplib.SMTPConnectError(greeting.code, greeting.text)
            smtp.ehlo_or_helo_if_needed()
            if settings.tls == "starttls":
                if not smtp.has_extn("starttls"):
                    raise ConnectError(f"{settings.server} does not offer STARTTLS, and TLS is required",
                                       fix="use its implicit TLS port (465), or for a relay on this "
                                           "machine give --tls none", lasting=True)
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                _login(smtp, settings.username, settings.password or "")
            tls = smtp.sock.version() if isinstance(smtp.sock, ssl.SSLSocket) else None
            return cls(smtp, settings, SessionInfo(str(greeting), tls))
        except ConnectError:
            _close(smtp)
            raise
        except ssl.SSLCertVerificationError as exc:
            _close(smtp)
            raise ConnectError(f"{settings.server}: certificate not trusted: {exc.verify_message}",
                               fix="check the host name; for a private certificate authority give --cafile",
                               lasting=True) from None
        except smtplib.SMTPAuthenticationError as exc:
            _close(smtp)
            raise ConnectError(f"{settings.server}: login as {settings.username!r} refused: {_reply(exc)}",
                               fix=f"check the user name and the password in ${settings.password_env}",
                               lasting=exc.smtp_code // 100 == 5) from None
        except smtplib.SMTPNotSupportedError:
            _close(smtp)
            raise ConnectError(f"{settings.server} offers no login (AUTH), and a user name is set",
                               fix="remove the user name to send without login, or use the "
                                   "submission port (587 or 465)", lasting=True) from None
        except smtplib.SMTPResponseException as exc:  # a greeting or an EHLO refused
            _close(smtp)
            raise ConnectError(f"{settings.server} refused the session: {_reply(exc)}",
                               lasting=exc.smtp_code // 100 == 5) from None
        except (smtplib.SMTPException, OSError) as exc:
            _close(smtp)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            raise ConnectError(f"cannot connect to {settings.server}: {reason}",
                               fix="check the host and port, and that the server is running") from None

    def submit(self, sender: str, recipient: str, message: bytes, crlf: bool = False) -> Attempt:
        """One transaction: MAIL, RCPT, DATA, the message, its end. Where the server offers
        PIPELINING (RFC 2920; Postfix and the email services do), the three commands go in one
        write and their replies are read after: two round trips a message instead of four. The
        addresses are addr-specs checked already (`smtplib.mail` would parse them again: a fifth
        of a transaction's time); `crlf`: the message is known to end its lines with CRLF only.
        After a refusal the session is reset for the next message; after a lost connection (or a
        421) it is closed."""
        smtp = self._smtp
        body = " BODY=8BITMIME" if not message.isascii() and smtp.has_extn("8bitmime") else ""
        commands = ((Stage.MAIL, f"MAIL FROM:<{sender}>{body}"), (Stage.RCPT, f"RCPT TO:<{recipient}>"),
                    (Stage.DATA, "DATA"))
        stage = Stage.MAIL
        refused: Attempt | None = None
        try:
            if self.pipelining:
                smtp.send("".join(f"{command}\r\n" for _, command in commands))
            for stage, command in commands:
                if not self.pipelining:
                    if refused:
                        break
                    smtp.send(f"{command}\r\n")
                reply = Reply(*_decode(smtp.getreply()))
                if refused is None and reply.code // 100 != (3 if stage is Stage.DATA else 2):
                    refused = Attempt(stage, reply)
                if reply.code == 421:  # closing: no more replies come
                    break
            if refused is not None and reply.code == 354:  # DATA taken after a refusal: end it empty
                smtp.send(".\r\n")
                smtp.getreply()
            if refused is None:
                smtp.send(wire_format(message, normalise=not crlf))
                stage = Stage.END
                smtp.sock.settimeout(self._settings.data_timeout)
                reply = Reply(*_decode(smtp.getreply()))
                smtp.sock.settimeout(self._settings.command_timeout)
        except (smtplib.SMTPException, OSError):
            self.close()
            return refused or Attempt(stage, None)
        attempt = refused or Attempt(Stage.END, reply)
        if attempt.reply.code == 421:  # the server is closing the connection
            self.close()
        elif not attempt.accepted:
            try:
                smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
        return attempt

    def close(self) -> None:
        if self.alive:
            self.alive = False
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close(self._smtp)


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH. `smtplib.login` encodes the credentials as ASCII and fails on `mot-de-passe-été`;
    RFC 4616 says PLAIN carries UTF-8, so a non-ASCII login goes as PLAIN, written here."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("a user name or password with non-ASCII characters needs AUTH PLAIN")
    token = base64.b64encode(f"\0{username}\0{password}".encode("utf-8")).decode("ascii")
    code, text = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


def wire_format(message: bytes, normalise: bool = True) -> bytes:
    """The message as DATA sends it: lines ended by CRLF (`normalise`: a bare CR or LF, which
    servers now refuse, is made CRLF), a leading dot doubled (RFC 5321 4.5.2), then the end: a
    line with one dot."""
    crlf = message.count(b"\r\n") if normalise else 0
    if normalise and (message.count(b"\n") != crlf or message.count(b"\r") != crlf):
        message = _BARE_LINE_END.sub(b"\r\n", message)
    if message.startswith(b"."):
        message = b"." + message
    message = message.replace(b"\r\n.", b"\r\n..")
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message + b".\r\n"


def _decode(reply: tuple[int, bytes]) -> tuple[int, str]:
    code, text = reply
    return code, text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return str(Reply(*_decode((exc.smtp_code, exc.smtp_error))))


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass
