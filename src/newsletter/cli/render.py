"""`newsletter render`: one message, or (with --recipients) a whole campaign."""

from __future__ import annotations

from pathlib import Path

import click

from ..render import Kind, RenderOptions, render as render_message
from ..render.environment import load_json
from .app import main, report_findings, write_output

_KINDS = click.Choice([k.value for k in Kind], case_sensitive=False)


@main.command()
@click.argument("template", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Template variables, a JSON object.")
@click.option("--kind", type=_KINDS, help="transactional or promotional (default: the template's).")
@click.option("--from", "sender", metavar="ADDRESS", help="Sender, e.g. 'Shop <news@shop.example>'.")
@click.option("--to", metavar="ADDRESS", help="Recipient (default: the data's 'email').")
@click.option("--subject", help="Subject (default: the template's subject block).")
@click.option("--reply-to", metavar="ADDRESS", help="Reply-To address.")
@click.option("--unsubscribe-url", metavar="URL", help="https URL for one-click unsubscribe.")
@click.option("--format", "fmt", type=click.Choice(["eml", "html", "text"]), default="eml",
              show_default=True, help="A complete message, or only its HTML or text part.")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
def render(template: Path, data_file: Path | None, kind: str | None, sender: str | None,
           to: str | None, subject: str | None, reply_to: str | None,
           unsubscribe_url: str | None, fmt: str, output: str | None) -> None:
    """Render TEMPLATE into one message (a complete .eml by default)."""
    data = load_json(data_file) if data_file else {}
    rendered = render_message(
        template,
        data,
        RenderOptions(kind=kind, sender=sender, to=to, subject=subject, reply_to=reply_to,
                      unsubscribe_url=unsubscribe_url),
    )
    report_findings(rendered.findings)
    payload = {
        "eml": rendered.as_bytes,
        "html": lambda: rendered.html.encode("utf-8"),
        "text": lambda: rendered.text.encode("utf-8"),
    }[fmt]()
    write_output(payload, output)
