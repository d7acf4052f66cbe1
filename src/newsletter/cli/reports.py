"""`newsletter reports`: read DMARC aggregate and SMTP TLS reports into the store, then say who
sends as the domain, what passed, and what to do."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import click

from ..auth.lookup import dns_resolver
from ..config import CONFIG_NAME, find_config
from ..errors import NewsletterError, display_path
from ..findings import has_errors
from ..reporters import REPORTERS, InputFindings
from ..reports import ReportStore, Skipped, import_reports
from ..reports.export import DMARC_COLUMNS, TLS_COLUMNS, csv_lines, json_lines, rows
from ..reports.html import html_report
from ..reports.providers import report_settings
from ..reports.report import summarize
from ..reports.summary import Window
from ..reports.text import counted, format_summary
from ..i18n import Messages, reader_messages
from .app import FINDINGS_FORMAT_HELP, FINDINGS_FORMATS, LOCALE_OPTION, main, write_output
from ..json_lines import json_line

DEFAULT_DB = "newsletter-reports.sqlite"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False),
              help=f"The report store (SQLite; default: {DEFAULT_DB} beside {CONFIG_NAME}, "
                   "or [reports] db there).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html", *FINDINGS_FORMATS]), default="text",
              show_default=True, help="text, json (JSON Lines: one summary per domain), csv (rows), "
                                      "html (a page with charts). " + FINDINGS_FORMAT_HELP)
@click.option("--rows", "row_kind", type=click.Choice(["dmarc", "tls"]),
              help="With json or csv: export the stored rows of this kind instead of the summary.")
@click.option("--domain", "domains", multiple=True, metavar="DOMAIN", help="Only this policy domain (repeatable).")
@click.option("--since", metavar="YYYY-MM-DD", help="Only reports whose period begins on or after this day (UTC).")
@click.option("--until", metavar="YYYY-MM-DD", help="Only reports whose period begins before this day (UTC).")
@click.option("--zone", "zones", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Zone file with the domain's SPF record and reverse names (repeatable); offline.")
@click.option("--network", is_flag=True, help="Ask the live DNS for reverse names and SPF records.")
@click.option("--nameserver", "nameservers", multiple=True, metavar="HOST[:PORT]",
              help="Nameserver to ask (repeatable; implies --network).")
@click.option("--timeout", default=2.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds to wait for each DNS answer.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(min=1),
              help="Sources listed per domain in the text and HTML reports.")
@click.option("-o", "--output", metavar="FILE", help="Write the report here (atomically) instead of stdout.")
@LOCALE_OPTION
def reports(paths: tuple[Path, ...], db_path: Path | None, fmt: str, row_kind: str | None,
            domains: tuple[str, ...], since: str | None, until: str | None, zones: tuple[Path, ...],
            network: bool, nameservers: tuple[str, ...], timeout: float, top: int, output: str | None,
            locale: str | None) -> None:
    """Read DMARC aggregate reports (.xml, .xml.gz, .zip, .eml, an mbox or a maildir folder) and SMTP
    TLS reports (.json, .json.gz) from PATH..., keep them in the store (each report once), and
    report on everything stored: who sends as the domain, what passed, what the policy can become.

    Inputs that are not valid reports are skipped, each with one line on stderr. Exit status: 0,
    or 1 with a finding at error severity (your own mail blocked), 2 when no input could be read."""
    if row_kind and fmt not in ("json", "csv"):
        raise NewsletterError(f"--rows exports with --format json or csv, not {fmt}")
    texts = reader_messages(locale)
    config = find_config(Path.cwd())
    settings = report_settings(config)
    db = db_path or settings.db or (config.path.parent if config.path else Path.cwd()) / DEFAULT_DB
    window = Window(tuple(d.strip().rstrip(".").lower() for d in domains), _day(since, "--since"),
                    _day(until, "--until"))
    if paths:
        _import(paths, db, texts)
    with ReportStore(db) as store:
        if row_kind or fmt == "csv":
            kind = row_kind or "dmarc"
            records = rows(store, kind, window)
            lines = json_lines(records) if fmt == "json" else \
                csv_lines(records, DMARC_COLUMNS if kind == "dmarc" else TLS_COLUMNS)
            write_output("".join(lines).encode("utf-8"), output)
            return
        with dns_resolver(zones, nameservers, timeout=timeout, live=network) as resolver:
            summary = summarize(store, window, resolver, settings)
    if fmt == "json":
        payload = "".join(json_line(r.to_json()) + "\n" for r in (*summary.dmarc, *summary.tls))
        write_output(payload.encode("utf-8"), output)
    elif fmt == "html":
        write_output(html_report(summary, top).encode("utf-8"), output)
    elif fmt in FINDINGS_FORMATS:  # the store is not a file of the repository: no path
        write_output(REPORTERS[fmt]([InputFindings(None, summary.findings)]).encode("utf-8"), output)
    else:
        write_output(format_summary(summary, top, texts).encode("utf-8"), output)
    if has_errors(summary.findings):
        raise SystemExit(1)


def _import(paths: tuple[Path, ...], db: Path, t: Messages) -> None:
    """Import every input into the store at `db`, one line on stderr per input skipped, then the
    tally. When nothing could be read, a store this call made is removed again: a mistyped path
    leaves no empty store behind."""
    created = not db.exists()
    new = known = skipped = 0
    with ReportStore(db) as store:
        for outcome in import_reports(paths, store):
            if isinstance(outcome, Skipped):
                skipped += 1
                click.echo(f"newsletter: skipped: {outcome}", err=True)
            elif outcome.new:
                new += 1
            else:
                known += 1
    if new + known == 0 and created:
        db.unlink(missing_ok=True)
    click.echo("newsletter: " + t.text("reports.read", reports=counted(t, "report", new + known), report_count=new + known,
                                       new=new, known=known, skipped=counted(t, "input", skipped),
                                       skipped_count=skipped, path=display_path(db)), err=True)
    if new + known == 0:
        raise NewsletterError("no DMARC aggregate or SMTP TLS report could be read from the inputs",
                              fix="see the lines above for each input's reason")


def _day(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise NewsletterError(f"{option} {text!r} is not a day", fix=f"write {option} 2026-11-01") from None
    return int(datetime.combine(day, datetime.min.time(), timezone.utc).timestamp())

