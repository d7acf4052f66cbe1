"""`newsletter markup`: extract and validate the Gmail schema.org markup of messages."""

from __future__ import annotations

from pathlib import Path

import click

from ..findings import has_errors
from ..i18n import messages, reader_messages
from ..markup import display, validate
from ..markup.inputs import load
from ..markup.report import text_report
from ..render import Kind
from ..render.environment import load_json
from .app import LOCALE_OPTION, NOW_OPTION, echo_json, main, parse_now

_KINDS = click.Choice([k.value for k in Kind], case_sensitive=False)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=_KINDS, help="transactional or promotional (default: a template's own; none for HTML/.eml).")
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Render each FILE as a template with these variables (a JSON object).")
@NOW_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A readable tree, or JSON Lines (one object per file).")
@LOCALE_OPTION
def markup(files: tuple[Path, ...], kind: str | None, data_file: Path | None, now_text: str | None, fmt: str,
           locale: str | None) -> None:
    """Extract and check the Gmail schema.org markup of FILE... (.html, .eml, or templates with --data).
    The text report is in the reader's locale (prices, dates, words); JSON stays English."""
    texts = reader_messages(locale) if fmt == "text" else messages("en")
    data = load_json(data_file) if data_file else None
    now = parse_now(now_text)
    failed = False
    for path in files:
        source = load(path, kind=kind, data=data)
        findings = validate(source.markup, kind=source.kind, now=now, visible_text=source.visible_text)
        shown = display(source.markup, texts)
        failed |= has_errors(findings)
        kind_name = source.kind.value if source.kind else None
        if fmt == "json":
            echo_json({
                "input": source.path,
                "kind": kind_name,
                "items": [item.to_json() for item in source.markup.items],
                "findings": [f.to_json() for f in findings],
                "display": list(shown),
            })
        else:
            click.echo(text_report(source.path, kind_name, source.markup, findings, shown, texts))
    if failed:
        click.get_current_context().exit(1)
