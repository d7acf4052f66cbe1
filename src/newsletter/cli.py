"""The command line: parse options, call the library, print a report. It decides nothing."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from . import __version__
from .errors import NewsletterError
from .findings import Finding
from .render import Kind, RenderOptions, render as render_message
from .render.environment import load_json


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
    """Render email campaigns, check their Gmail markup and sender DNS, lint them for CI."""


def report_findings(findings: list[Finding] | tuple[Finding, ...]) -> None:
    for item in findings:
        click.echo(item.format(), err=True)


def write_output(payload: bytes, output: str | None) -> None:
    """Write to stdout, or atomically to a file: a failure never leaves half a file."""
    if output is None or output == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, target)
    except OSError as exc:
        raise NewsletterError(f"cannot write output: {exc.strerror}", path=target) from None


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
