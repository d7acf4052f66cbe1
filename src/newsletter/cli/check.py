"""`newsletter check`: the pre-send report, placement prediction plus every finding."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import NewsletterError
from ..findings import has_errors
from ..i18n import reader_messages
from ..placement import CheckOptions, check_paths, format_report, parse_address, summary
from ..kinds import Kind
from ..reporters.model import InputFindings
from .app import FINDINGS_FORMAT_HELP, FINDINGS_FORMATS, LOCALE_OPTION, NOW_OPTION, echo_findings, echo_json, main, parse_now
from .network_options import network_from, network_options

_KINDS = click.Choice([k.value for k in Kind], case_sensitive=False)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Sample data for templates (default: name.json next to name.html).")
@click.option("--kind", type=_KINDS, help="transactional or promotional (default: declared, else inferred).")
@click.option("--from", "sender", metavar="ADDRESS", help="The From address (default: the message's).")
@click.option("--ip", metavar="IP", help="The sending server's IP, for SPF.")
@click.option("--zone", "zones", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Answer DNS from this zone file (repeatable; check records before publishing them).")
@click.option("--nameserver", metavar="HOST[:PORT]", help="Ask this DNS server.")
@NOW_OPTION
@click.option("--offline", is_flag=True, help="No DNS: authentication is not checked.")
@click.option("--spamassassin", metavar="HOST:PORT", help="Also score each message with this spamd server.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", *FINDINGS_FORMATS]), default="text",
              show_default=True, help="json: JSON Lines, one object per input. " + FINDINGS_FORMAT_HELP)
@network_options
@LOCALE_OPTION
@click.pass_context
def check(ctx: click.Context, inputs: tuple[Path, ...], data_file: Path | None, kind: str | None,
          sender: str | None, ip: str | None, zones: tuple[Path, ...], nameserver: str | None, now_text: str | None,
          offline: bool, spamassassin: str | None, fmt: str, network: bool, allow_private: bool,
          locale: str | None) -> None:
    """Predict where each message lands (Primary, Updates, Promotions; spam risk) and why,
    with every lint, markup and authentication finding and its fix.

    INPUTS are .eml messages, HTML files as sent, templates (with --data) or folders of them.
    Exit status: 0 without error-severity findings, 1 with some, 2 for unusable input.
    """
    if offline and (zones or nameserver or ip):
        raise NewsletterError("--offline cannot be combined with --zone, --nameserver or --ip",
                              fix="drop --offline to check authentication")
    options = CheckOptions(
        kind=Kind(kind.lower()) if kind else None, data_file=data_file, sender=sender, ip=ip, zones=zones,
        nameserver=nameserver, offline=offline, spamassassin=parse_address(spamassassin) if spamassassin else None,
        now=parse_now(now_text), network=network_from(network, allow_private),
    )
    texts = reader_messages(locale)
    reports = []
    for report in check_paths(inputs, options):
        reports.append(report)
        if fmt == "json":
            echo_json(report.to_json())
        elif fmt == "text":
            click.echo(format_report(report, texts=texts))
    if fmt == "text" and len(reports) > 1:
        click.echo(summary(reports, texts), nl=False)
    if fmt in FINDINGS_FORMATS:
        echo_findings(fmt, [InputFindings(r.input, r.findings) for r in reports])
    if any(has_errors(r.findings) for r in reports):
        ctx.exit(1)
