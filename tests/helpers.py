"""Running the command line the way a user does, and reading what it wrote."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
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


def run_cli(*args: str) -> Run:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
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
