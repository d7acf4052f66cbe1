"""`newsletter markup`: extract and validate the Gmail schema.org markup of messages."""

from __future__ import annotations

from pathlib import Path

import click

from ..findings import has_errors
from ..i18n import messages, reader_messages
from ..markup.inputs import check_markup
from ..markup.report import text_report
from ..kinds import Kind
from ..reporters.model import InputFindings
from .app import FINDINGS_FORMAT_HELP, FINDINGS_FORMATS, LOCALE_OPTION, NOW_OPTION, echo_findings, echo_json, main, parse_now

_KINDS = click.Choice([k.value for k in Kind], case_sensitive=False)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=_KINDS, help="transactional or promotional (default: a template's own; none for HTML/.eml).")
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Render each FILE as a template with these variables (a JSON object).")
@NOW_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json", *FINDINGS_FORMATS]), default="text",
              show_default=True, help="A readable tree, or JSON Lines (one object per file). " + FINDINGS_FORMAT_HELP)
@LOCALE_OPTION
def markup(files: tuple[Path, ...], kind: str | None, data_file: Path | None, now_text: str | None, fmt: str,
           locale: str | None) -> None:
    """Extract and check the Gmail schema.org markup of FILE... (.html, .eml, or templates with --data).
    The text report is in the reader's locale (prices, dates, words); JSON stays English."""
    texts = reader_messages(locale) if fmt == "text" else messages("en")
    now = parse_now(now_text)
    failed = False
    found: list[InputFindings] = []
    for path in files:
        report = check_markup(path, kind=kind, data_file=data_file, now=now, texts=texts)
        failed |= has_errors(report.findings)
        if fmt == "json":
            echo_json(report.to_json())
        elif fmt == "text":
            click.echo(text_report(report.path, report.kind.value if report.kind else None, report.markup,
                                   report.findings, report.display, texts))
        found.append(InputFindings(report.path, report.findings))
    if fmt in FINDINGS_FORMATS:
        echo_findings(fmt, found)
    if failed:
        click.get_current_context().exit(1)
