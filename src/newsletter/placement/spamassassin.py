"""A SpamAssassin client speaking the spamc protocol to a spamd server.

The protocol core is pure (`request`, `parse_response`: bytes in, bytes or values out, tested
with plain data); `score_message` is the I/O edge, one TCP connection per message. The REPORT
command is used: it gives the score, the threshold and each rule hit with its points.
Protocol: spamd's PROTOCOL file (SPAMC/1.5), spamassassin.apache.org.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from ..errors import NewsletterError

PROTOCOL = "SPAMC/1.5"

_STATUS = re.compile(rb"^SPAMD/(\d+\.\d+)\s+(\d+)\s+(.*)$")
_SPAM = re.compile(r"^(True|False|Yes|No)\s*;\s*(-?\d+(?:\.\d+)?)\s*/\s*(-?\d+(?:\.\d+)?)\s*$", re.IGNORECASE)
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*?)\s*$")


@dataclass(frozen=True)
class SpamRule:
    name: str
    score: float
    description: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "score": self.score, "description": self.description}


@dataclass(frozen=True)
class SpamResult:
    score: float
    threshold: float
    is_spam: bool
    rules: tuple[SpamRule, ...]

    def to_json(self) -> dict[str, object]:
        return {"score": self.score, "threshold": self.threshold, "is_spam": self.is_spam,
                "rules": [r.to_json() for r in self.rules]}


class ProtocolError(ValueError):
    """A spamd answer that is not the protocol, or an error status."""


def request(message: bytes, command: str = "REPORT", user: str | None = None) -> bytes:
    """The bytes of one spamc request for `message`."""
    headers = [f"{command} {PROTOCOL}", f"Content-length: {len(message)}"]
    if user:
        headers.append(f"User: {user}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + message


def parse_response(data: bytes) -> SpamResult:
    """A REPORT (or CHECK/SYMBOLS) answer: status line, headers, blank line, body."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = _STATUS.match(lines[0]) if lines and lines[0] else None
    if status is None:
        raise ProtocolError(f"not a spamd answer: {lines[0][:60]!r}" if lines and lines[0] else "empty answer from spamd")
    if status.group(2) != b"0":
        raise ProtocolError(f"spamd error {status.group(2).decode()} {status.group(3).decode(errors='replace')}")
    spam = None
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "spam":
            spam = _SPAM.match(value.strip())
    if spam is None:
        raise ProtocolError("spamd answer without a Spam header")
    text = body.decode("utf-8", errors="replace")
    rules = _report_rules(text) or _symbols(text)
    return SpamResult(float(spam.group(2)), float(spam.group(3)), spam.group(1).lower() in ("true", "yes"), rules)


def _report_rules(text: str) -> tuple[SpamRule, ...]:
    """The rows of REPORT's "pts rule name description" table (descriptions may wrap)."""
    rules: list[SpamRule] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("----"):
            in_table = True
            continue
        if not in_table or not line.strip():
            continue
        row = _RULE.match(line)
        if row:
            rules.append(SpamRule(row.group(2), float(row.group(1)), row.group(3)))
        elif rules and line.startswith(" "):
            last = rules[-1]
            rules[-1] = SpamRule(last.name, last.score, f"{last.description} {line.strip()}".strip())
    return tuple(rules)


def _symbols(text: str) -> tuple[SpamRule, ...]:
    """SYMBOLS' body: rule names separated by commas (no scores)."""
    names = [n.strip() for n in text.strip().split(",")]
    if not all(re.fullmatch(r"[A-Z0-9_]+", n) for n in names if n):
        return ()
    return tuple(SpamRule(n, 0.0, "") for n in names if n)


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (or `[v6]:PORT`) as given to --spamassassin."""
    match = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\s]+):(\d+)", text.strip())
    if not match:
        raise NewsletterError(f"--spamassassin {text!r} is not HOST:PORT", fix="e.g. --spamassassin 127.0.0.1:783")
    host, port = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    if not 0 < int(port) < 65536:
        raise NewsletterError(f"--spamassassin port {port} out of range")
    return host, int(port)


def score_message(message: bytes, host: str, port: int, timeout: float = 30.0) -> SpamResult:
    """Ask the spamd at host:port to score `message`. Unreachable or misbehaving: NewsletterError."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(request(message))
            connection.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
    except OSError as exc:
        raise NewsletterError(f"cannot reach spamd at {host}:{port}: {exc.strerror or exc}",
                              fix="start spamd or check --spamassassin HOST:PORT") from None
    try:
        return parse_response(b"".join(chunks))
    except ProtocolError as exc:
        raise NewsletterError(f"spamd at {host}:{port}: {exc}") from None
