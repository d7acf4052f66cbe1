"""Running the command line the way a user does, and reading what it wrote."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import EmailMessage

from click.testing import CliRunner

from newsletter.cli import main


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")


def run_cli(*args: str, env: dict[str, str] | None = None) -> Run:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)
    return Run(result.exit_code, result.stdout_bytes, result.stderr)


def parse_eml(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def assert_one_line_error(run: Run, *fragments: str) -> None:
    """Exit 2, exactly one line on stderr containing every fragment, no traceback, no output."""
    assert run.exit_code == 2, (run.exit_code, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert run.stdout == b""


def part(message: EmailMessage, subtype: str) -> str:
    """The decoded text of the message's text/<subtype> part, with plain newlines."""
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")


def raw_headers(raw: bytes) -> list[tuple[str, str]]:
    """The header block as written: (name, value) with folding kept (CRLF + space)."""
    fields: list[tuple[str, str]] = []
    for line in raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n"):
        if line[:1] in (" ", "\t"):
            fields[-1] = (fields[-1][0], fields[-1][1] + "\r\n" + line)
        else:
            name, _, value = line.partition(": ")
            fields.append((name, value))
    return fields


def display_name(value: str) -> str:
    """The display name of a written `Name <addr>` value, decoded as RFC 2047 section 6.2 says:
    white space between adjacent encoded-words is dropped. (Python 3.11's address parser keeps
    a space there; its unstructured parser, for Subject, drops it as the RFC says.)"""
    phrase = value.replace("\r\n", "").rpartition("<")[0].strip()
    if phrase.startswith('"'):
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return str(make_header(decode_header(phrase)))
