"""The `newsletter` group and what every command shares: error handling, output, findings."""

from __future__ import annotations

import importlib
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, NoReturn

import click

from ..version import __version__
from ..errors import NewsletterError
from ..files import write_atomic
from ..findings import Finding, Location
from ..i18n import LOCALES, reader_messages
from ..reporters.model import InputFindings
from ..json_lines import json_line


# Each command's module, imported when the command runs (so `newsletter lint` pays only for lint,
# and `--version` and `--help` for none), and the line `--help` shows for it.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "Predict the Gmail tab and spam risk, with every finding."),
    "clients": ("lint", "List the mail clients lint can judge (caniemail)."),
    "dns": ("dns", "Check a sender domain's SPF, DKIM, DMARC, MX, BIMI, PTR."),
    "init": ("init", "Start a project: configuration, starter templates, CI."),
    "lint": ("lint", "Lint templates, HTML files and .eml messages."),
    "markup": ("markup", "Extract and check Gmail schema.org markup."),
    "preview": ("preview", "Preview a template live in a browser (127.0.0.1)."),
    "render": ("render", "Render a template: one message, or one per recipient."),
    "reports": ("reports", "Read DMARC aggregate and SMTP TLS reports."),
    "rules": ("lint", "Print the rule catalogue."),
    "send": ("send", "Send a message or a rendered campaign over SMTP."),
}


class _Group(click.Group):
    """Commands imported on demand (`COMMANDS`); every `NewsletterError`, and every usage error
    click finds in a command line, becomes one line on stderr and exit status 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            importlib.import_module(f"{__package__}.{COMMANDS[name][0]}")  # registers it on `main`
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list from `COMMANDS`, without importing every command."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in sorted(COMMANDS)])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsletterError as exc:
            click.echo(f"newsletter: error: {exc}", err=True)
            ctx.exit(2)
        except click.UsageError as exc:  # in a command's own options and arguments
            _usage_error(exc, ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `newsletter` alone prints the help
        except click.UsageError as exc:  # in newsletter's own options
            _usage_error(exc, ctx)


def _usage_error(exc: click.UsageError, ctx: click.Context) -> NoReturn:
    """Click's three lines (usage, hint, error) as the project's one line, exit status 2."""
    where = exc.ctx.command_path if exc.ctx else ctx.command_path
    click.echo(f"newsletter: error: {exc.format_message().rstrip('.')}; see '{where} --help'", err=True)
    ctx.exit(2)


@click.group(name="newsletter", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsletter")
def main() -> None:
    """Render email campaigns, check their Gmail markup, sender DNS and inbox placement, lint
    them for CI, preview them in a browser."""


def report_findings(findings: list[Finding] | tuple[Finding, ...]) -> None:
    """`path:line: severity RULE message (fix: ...)` on stderr, in the reader's locale (the environment's)."""
    t = reader_messages()
    for item in findings:
        line = f"{item.location or Location()}: {t.severity(item.severity)} {item.rule} {t.message(item.message)}"
        click.echo(line + (f" ({t.text('report.fix', fix=t.fix(item))})" if item.fix else ""), err=True)


def write_output(payload: bytes, output: str | None) -> None:
    """Write to stdout, or atomically to a file: a failure never leaves half a file."""
    if output is None or output == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, payload)
    except OSError as exc:
        raise NewsletterError(f"cannot write output: {exc.strerror or exc}", path=target) from None


# What every command that finds things can print besides its own text and JSON.
FINDINGS_FORMATS = ("sarif", "github")
FINDINGS_FORMAT_HELP = "sarif: SARIF 2.1.0 for code scanning; github: GitHub Actions annotations."


def echo_findings(fmt: str, inputs: "list[InputFindings]") -> None:
    """The findings of every input as one SARIF log or one annotation per finding."""
    from ..reporters import REPORTERS
    click.echo(REPORTERS[fmt](inputs), nl=False)


def echo_json(value: object) -> None:
    """One JSON Lines record on stdout (UTF-8, not ASCII-escaped)."""
    click.echo(json_line(value))


def parse_now(value: str | None) -> "datetime | None":
    """`--now`: the time offer expiry is judged at (ISO 8601; no zone means local time)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NewsletterError(f"--now {value!r} is not an ISO 8601 date-time",
                              fix="e.g. --now 2025-11-20T09:00:00+01:00") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


NOW_OPTION = click.option("--now", "now_text", metavar="DATETIME",
                          help="Judge offer expiry as of this ISO 8601 time (default: now).")


LOCALE_OPTION = click.option("--locale", type=click.Choice(LOCALES, case_sensitive=False),
                             help="Language of the report (default: $NEWSLETTER_LOCALE, else $LC_ALL, "
                                  "$LC_MESSAGES or $LANG, else en).")


def progress_printer(unit: str = "rows", stream=sys.stderr) -> Callable[[int, int], None]:
    """A one-line progress bar with rate and ETA, for a terminal."""
    started = time.perf_counter()
    ended = False

    def show(done: int, expected: int) -> None:
        nonlocal ended
        if ended:
            return
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else 0.0
        total = max(expected, done)
        width = 30
        filled = int(width * done / total) if total else width
        eta = (total - done) / rate if rate else 0
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}  "
                     f"{rate:,.0f} {unit}/s  ETA {int(eta // 60)}:{int(eta % 60):02d} ")
        if done >= total:
            stream.write("\n")
            ended = True
        stream.flush()

    return show
