"""A real SMTP server on loopback for the send tests and benchmark: aiosmtpd, with TLS (STARTTLS
or implicit, from a certificate authority made here), AUTH, and faults injected on demand.

`fault(stage, address)` is asked at "mail", "rcpt", "data" (after 354, before the message is read)
and "end" (the message read, before the reply): it returns a reply to give instead ("451 4.3.0
try later"), DROP to close the connection there, or None to go on. `delay` seconds pass before
each reply to a message's end (a slow server).

aiosmtpd reads a message line by line in Python (2 ms for 13 KB, more than the rest of a
transaction) and parses each MAIL and RCPT address with the email package's header parser (0.7
ms); the relays we send to (Postfix, an ESP) take microseconds for either. So the DATA step here
reads the message in chunks up to its end line, and a plain `<address>` is read by a regular
expression, which keeps the server from being what a benchmark measures.

Run as a script for a server in its own process:
`python tests/smtp_server.py DIR [--tls starttls|implicit|none]` prints `PORT CAFILE` and serves
until stdin closes.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import re
import socket
import ssl
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# aiosmtpd's own notices: a deprecation at every login, and AUTH without STARTTLS over implicit TLS.
logging.getLogger("mail.log").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, syntax  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

DROP = "DROP"
USER, PASSWORD = "boutique", "s3cret-Lumière"
Fault = Callable[[str, str], "str | None"]
_ANGLE_ADDRESS = re.compile(r"\s*<([!-;=?-~]+@[!-;=?-~]+)>\s*(.*)")
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]*>)", re.I | re.M)


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt: str
    data: bytes
    peer: tuple = ()  # the client's address and port: one per connection
    at: float = 0.0  # time.monotonic() when the message was taken

    @property
    def message_id(self) -> str | None:
        match = _MESSAGE_ID.search(self.data.split(b"\r\n\r\n", 1)[0])
        return match.group(1).decode() if match else None


@dataclass
class Log:
    received: list[Received] = field(default_factory=list)
    dropped_after_end: list[Received] = field(default_factory=list)  # read whole, then no reply
    sessions: int = 0
    logins: list[str] = field(default_factory=list)  # every AUTH attempt: user and password as sent
    count: int = 0


def make_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A certificate authority and a server certificate for localhost and 127.0.0.1 signed by it:
    (ca.pem, server.pem, server.key). ECDSA P-256, as certbot issues by default."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newsletter test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class _Handler:
    def __init__(self, log: Log, fault: Fault | None, delay: float, keep: bool, pipelining: bool) -> None:
        self.log = log
        self.pipelining = pipelining
        self.fault = fault
        self.delay = delay
        self.keep = keep

    def _injected(self, server: SMTP, stage: str, address: str) -> str | None:
        reply = self.fault(stage, address) if self.fault else None
        if reply == DROP:
            server.transport.abort()
            return "421 4.4.2 dropped"  # written nowhere: the connection is gone
        return reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """Offer PIPELINING, as Postfix and the email services do (aiosmtpd reads commands in
        order from its buffer, so it can take them pipelined; it only does not say so)."""
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = self._injected(server, "mail", address)
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._injected(server, "rcpt", address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        received = Received(envelope.mail_from, envelope.rcpt_tos[0], envelope.original_content,
                            tuple(session.peer), time.monotonic())
        reply = self.fault("end", received.rcpt) if self.fault else None
        if reply == DROP:
            self.log.dropped_after_end.append(received)
            server.transport.abort()
            return "421 4.4.2 dropped"
        if reply:
            return reply
        self.log.count += 1
        if self.keep:
            self.log.received.append(received)
        return f"250 2.0.0 OK: queued as {self.log.count}"


class _FastDataSMTP(SMTP):
    """aiosmtpd's SMTP with the DATA step reading the message in chunks, and the plain `<address>`
    of MAIL and RCPT read without the email package's header parser, which aiosmtpd uses and which
    takes 0.7 ms of a 1 ms transaction (see the module's doc)."""

    def __init__(self, handler: _Handler, **kwargs) -> None:
        super().__init__(handler, **kwargs)
        self._log_sessions = handler.log
        self._replies: list[bytes] = []

    async def push(self, status) -> None:
        """Replies to pipelined commands go out together once no command is waiting, as Postfix
        sends them (aiosmtpd writes each at once: a TLS record and a system call each)."""
        self._replies.append(status.encode("utf-8") if isinstance(status, str) else status)
        if not self._reader._buffer:
            self._writer.write(b"".join(reply + b"\r\n" for reply in self._replies))
            self._replies.clear()
            await self._writer.drain()

    def _getaddr(self, arg: str):
        match = _ANGLE_ADDRESS.fullmatch(arg)
        return (match.group(1), match.group(2)) if match else super()._getaddr(arg)

    def connection_made(self, transport) -> None:
        self._log_sessions.sessions += 1
        super().connection_made(transport)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 5.5.1 Error: need RCPT command")
            return
        handler: _Handler = self.event_handler
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        if handler.fault and handler.fault("data", self.envelope.rcpt_tos[0]) == DROP:
            await self._reader.read(1024)  # some of the message, then the connection is gone
            self.transport.abort()
            return
        buffer = bytearray(b"\r\n")
        while True:
            chunk = await self._reader.read(1 << 16)
            if not chunk:
                return
            start = max(0, len(buffer) - 4)
            buffer += chunk
            end = buffer.find(b"\r\n.\r\n", start)
            if end >= 0:
                break
        content = bytes(buffer[2:end + 2]).replace(b"\r\n..", b"\r\n.")
        self.envelope.content = self.envelope.original_content = content[1:] if content.startswith(b"..") else content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        if self.transport is not None and not self.transport.is_closing():
            await self.push("250 OK" if status is MISSING else status)


class _Controller(Controller):
    def factory(self):
        return _FastDataSMTP(self.handler, **self.SMTP_kwargs)


class LoopbackSMTP:
    """The server, in a thread of this process. `with LoopbackSMTP(tmp_path) as server: ...`"""

    def __init__(self, folder: Path, *, tls: str = "starttls", auth: bool = True, fault: Fault | None = None,
                 delay: float = 0.0, keep: bool = True, pipelining: bool = True) -> None:
        self.cafile, cert, key = make_certificate(folder)
        self.tls = tls
        self.log = Log()
        self.port = _free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        # aiosmtpd knows of STARTTLS only: over implicit TLS it must not wait for STARTTLS to offer AUTH.
        kwargs: dict = {"auth_required": auth, "auth_require_tls": tls == "starttls"}
        if auth:
            kwargs["authenticator"] = self._authenticate
        if tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        self._controller = _Controller(_Handler(self.log, fault, delay, keep, pipelining), hostname="127.0.0.1", port=self.port,
                                       ssl_context=context if tls == "implicit" else None, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, data) -> AuthResult:
        login, password = data.login.decode(), data.password.decode()
        self.log.logins.append(f"{login}:{password}")
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)  # False: aiosmtpd replies 535

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> "LoopbackSMTP":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    mode = sys.argv[sys.argv.index("--tls") + 1] if "--tls" in sys.argv else "starttls"
    with LoopbackSMTP(folder, tls=mode, keep=False) as running:
        print(running.port, running.cafile, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin
        print(running.log.count, flush=True)
