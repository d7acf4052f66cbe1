"""The `newsletter` group and what every command shares: error handling, output, findings."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import click

from .. import __version__
from ..errors import NewsletterError
from ..files import write_atomic
from ..findings import Finding, Location
from ..i18n import LOCALES, reader_messages


class _Group(click.Group):
    """Every `NewsletterError` becomes one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsletterError as exc:
            click.echo(f"newsletter: error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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


def echo_json(value: object) -> None:
    """One JSON Lines record on stdout (UTF-8, not ASCII-escaped)."""
    click.echo(json.dumps(value, ensure_ascii=False, sort_keys=False))


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
