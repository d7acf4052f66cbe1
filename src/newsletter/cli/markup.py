"""`newsletter markup`: extract and validate the Gmail schema.org markup of messages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from ..errors import NewsletterError
from ..findings import has_errors
from ..markup import display, validate
from ..markup.inputs import load
from ..markup.report import text_report
from ..render import Kind
from ..render.environment import load_json
from .app import echo_json, main

_KINDS = click.Choice([k.value for k in Kind], case_sensitive=False)


def _now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NewsletterError(f"--now {value!r} is not an ISO 8601 date-time",
                              fix="e.g. --now 2025-11-20T09:00:00+01:00") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=_KINDS, help="transactional or promotional (default: a template's own; none for HTML/.eml).")
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Render each FILE as a template with these variables (a JSON object).")
@click.option("--now", "now_text", metavar="DATETIME", help="Check offer expiry as of this ISO 8601 time (default: now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A readable tree, or JSON Lines (one object per file).")
def markup(files: tuple[Path, ...], kind: str | None, data_file: Path | None, now_text: str | None, fmt: str) -> None:
    """Extract and check the Gmail schema.org markup of FILE... (.html, .eml, or templates with --data)."""
    data = load_json(data_file) if data_file else None
    now = _now(now_text)
    failed = False
    for path in files:
        source = load(path, kind=kind, data=data)
        findings = validate(source.markup, kind=source.kind, now=now, visible_text=source.visible_text)
        shown = display(source.markup)
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
            click.echo(text_report(source.path, kind_name, source.markup, findings, shown))
    if failed:
        click.get_current_context().exit(1)
