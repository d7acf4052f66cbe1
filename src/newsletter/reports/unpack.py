"""Where reports hide: plain, gzipped, zipped, attached to an email message — found by their
first bytes, not their names, and unpacked within bounds (`checks/input-limits.toml`
[reports]): a zip bomb, an archive of thousands of files or containers nested ever deeper are
refused, not read.

`unpack` yields what it finds, in order: a `Found` report (its kind and a way to open its bytes)
or a `Skipped` input (the reason, one line). A `Found` must be read before the next item is
asked for: the archive it comes from is open until then.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from email.message import Message
from typing import BinaryIO, Callable, Iterator

from ..errors import NewsletterError
from ..limits import input_limits

Opener = Callable[[], BinaryIO]

# Attachments worth opening: the media types RFC 7489, RFC 9990 and RFC 8460 name, what
# reporters use instead, and any attachment whose name says it is a report.
_REPORT_TYPES = frozenset({
    "application/gzip", "application/x-gzip", "application/zip", "application/x-zip",
    "application/x-zip-compressed", "application/xml", "text/xml", "application/tlsrpt+gzip",
    "application/tlsrpt+json", "application/json",
})
_REPORT_NAMES = (".xml", ".gz", ".gzip", ".zip", ".json")
_FAILURE_SUBJECT = re.compile(r"\b(failure|forensic) report\b", re.IGNORECASE)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
HEAD_BYTES = 512  # what `sniff` looks at


@dataclass(frozen=True)
class Found:
    location: str
    kind: str  # "dmarc" (aggregate XML) or "tls" (SMTP TLS JSON)
    open: Opener


@dataclass(frozen=True)
class Skipped:
    location: str
    what: str
    line: int | None = None
    fix: str | None = None

    def __str__(self) -> str:
        return str(NewsletterError(self.what, path=self.location, line=self.line, fix=self.fix))

    @classmethod
    def from_error(cls, location: str, error: NewsletterError) -> "Skipped":
        return cls(location, error.what, error.line, error.fix)


def limit(name: str) -> int:
    return int(input_limits("reports")[name])


def sniff(head: bytes) -> str:
    """What the first bytes say an input is: gzip, zip, xml, json, message or unknown."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "xml"
    if text.startswith((b"{", b"[")):
        return "json"
    if head.startswith(b"From ") or _HEADER_LINE.match(head):
        return "message"
    return "empty" if not text else "unknown"


def unpack(location: str, open_input: Opener, depth: int = 0,
           head: bytes | None = None) -> Iterator[Found | Skipped]:
    """The reports in one input (a file's bytes, an attachment, an archive member); `head`: its
    first `HEAD_BYTES` bytes when the caller has read them already."""
    if head is None:
        try:
            with open_input() as stream:
                head = stream.read(HEAD_BYTES)
        except NewsletterError as exc:
            yield Skipped.from_error(location, exc)
            return
    kind = sniff(head)
    if kind in ("xml", "json"):
        yield Found(location, "dmarc" if kind == "xml" else "tls", open_input)
        return
    if kind == "empty":
        yield Skipped(location, "empty file: no report in it")
        return
    if kind == "unknown":
        yield Skipped(location, "not a report: neither XML, JSON, gzip, zip nor an email message",
                      fix="give DMARC aggregate (.xml, .xml.gz, .zip) or SMTP TLS (.json) reports, "
                          "or the messages or mailbox they came in")
        return
    if depth >= limit("max_nesting"):
        yield Skipped(location, f"containers nested more than {limit('max_nesting')} deep: refused",
                      fix="real reports are at most a message holding a zip or gzip file")
        return
    if kind == "gzip":
        yield from unpack(location, lambda: _gunzipped(open_input(), location), depth + 1)
    elif kind == "zip":
        yield from _archive(location, open_input, depth + 1)
    else:
        yield from _message(location, open_input, depth + 1)


def message_reports(location: str, data: bytes, depth: int = 1) -> Iterator[Found | Skipped]:
    """The reports attached to one email message (RFC 5322 bytes)."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if _is_failure_report(message):
        yield Skipped(location, "a DMARC failure (forensic) report: not read",
                      fix="this command reads aggregate (rua) and SMTP TLS reports")
        return
    attached = False
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        if part.get_content_type() not in _REPORT_TYPES and not name.lower().endswith(_REPORT_NAMES):
            continue
        attached = True
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            yield Skipped(f"{location}: {name or part.get_content_type()}", "attachment has no content")
            continue
        yield from unpack(f"{location}: {name or part.get_content_type()}",
                          lambda payload=payload: io.BytesIO(payload), depth)
    if not attached:
        subject = " ".join(str(message.get("Subject", "")).split())[:80]
        yield Skipped(location, "no DMARC aggregate or SMTP TLS report attached"
                                + (f" (subject: {subject!r})" if subject else ""))


def _is_failure_report(message: Message) -> bool:
    """A DMARC failure report (RFC 6591 ARF, or a plain-text one such as Exim's)."""
    if message.get_content_type() == "multipart/report" and \
            (message.get_param("report-type") or "").lower() == "feedback-report":
        return True
    if any(part.get_content_type() == "message/feedback-report" for part in message.walk()):
        return True
    return bool(_FAILURE_SUBJECT.search(str(message.get("Subject", ""))))


def _message(location: str, open_input: Opener, depth: int) -> Iterator[Found | Skipped]:
    most = limit("max_message_bytes")
    try:
        with open_input() as stream:
            data = stream.read(most + 1)
    except NewsletterError as exc:
        yield Skipped.from_error(location, exc)
        return
    if len(data) > most:
        yield Skipped(location, f"message larger than {most} bytes: refused",
                      fix="report messages are a few KB to a few MB; this is not one")
        return
    yield from message_reports(location, data, depth)


def _archive(location: str, open_input: Opener, depth: int) -> Iterator[Found | Skipped]:
    raw = open_input()
    try:
        if not raw.seekable():  # a zip inside a compressed stream: read it (bounded) first
            raw = io.BytesIO(raw.read())
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            yield Skipped(location, f"corrupt zip archive: {exc}")
            return
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > limit("max_archive_members"):
                yield Skipped(location, f"zip archive of {len(members)} files: refused (at most "
                                        f"{limit('max_archive_members')})",
                              fix="a report archive holds one XML file")
                return
            if not members:
                yield Skipped(location, "empty zip archive: no report in it")
            for member in members:
                where = f"{location}: {member.filename}"
                yield from unpack(where, lambda m=member, w=where: _Bounded(archive.open(m), w), depth)
    except NewsletterError as exc:
        yield Skipped.from_error(location, exc)
    finally:
        raw.close()


def _gunzipped(raw: BinaryIO, location: str) -> "_Bounded":
    return _Bounded(_Gunzip(raw), location, close_also=raw)


class _Gunzip:
    """gzip members one after another, as `gzip` reads them, but bytes after the last member
    that are not another one are ignored: some reporters (Mimecast) add a line break there."""

    _CHUNK = 65536

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._inflate = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._pending) < size):
            data = self._inflate.unconsumed_tail or self._raw.read(self._CHUNK)
            if not data:
                if not self._inflate.eof:
                    raise EOFError("the compressed data ends before its end marker")
                self._done = True
                break
            self._pending += self._inflate.decompress(data, self._CHUNK)
            if self._inflate.eof:
                rest = self._inflate.unused_data + (b"" if len(self._inflate.unused_data) >= 2
                                                    else self._raw.read(2))
                if rest.startswith(b"\x1f\x8b"):
                    self._inflate = zlib.decompressobj(wbits=31)
                    self._pending += self._inflate.decompress(rest, self._CHUNK)
                else:
                    self._done = True
        if size < 0:
            chunk, self._pending = self._pending, b""
        else:
            chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk

    def close(self) -> None:
        self._raw.close()


class _Bounded:
    """A decompressing stream that refuses to give more than the limit, and turns the
    decompressor's errors into one clear `NewsletterError`."""

    def __init__(self, inner: BinaryIO, location: str, close_also: BinaryIO | None = None):
        self._inner = inner
        self._location = location
        self._close_also = close_also
        self._left = limit("max_decompressed_bytes")

    def read(self, size: int | None = -1) -> bytes:
        wanted = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        try:
            chunk = self._inner.read(wanted)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError,
                NotImplementedError) as exc:
            raise NewsletterError(f"corrupt compressed data: {exc}") from None
        self._left -= len(chunk)
        if self._left < 0:
            most = limit("max_decompressed_bytes")
            raise NewsletterError(f"decompresses to more than {most} bytes: refused (a zip bomb?)",
                                  fix="real reports decompress to a few MB")
        return chunk

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self._inner.close()
        if self._close_also is not None:
            self._close_also.close()

    def __enter__(self) -> "_Bounded":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
