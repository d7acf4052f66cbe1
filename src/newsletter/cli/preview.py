"""`newsletter preview`: a live preview in the browser, or (with --screenshot) a PNG of the email."""

from __future__ import annotations

import signal
import webbrowser
from pathlib import Path

import click

from ..errors import NewsletterError
from ..i18n import LOCALES
from ..preview import (
    DEFAULT_PORT,
    DEFAULT_WIDTH,
    MAX_WIDTH,
    MIN_WIDTH,
    PreviewServer,
    PreviewSource,
    Previewer,
    dark_mode_sheet,
    find_browser,
    render_preview,
    screenshot,
)
from ..kinds import Kind
from .app import main, report_findings, write_output


@main.command()
@click.argument("template", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Template variables, a JSON object (default: TEMPLATE.json beside it, if any).")
@click.option("--kind", type=click.Choice([k.value for k in Kind], case_sensitive=False),
              help="transactional or promotional (default: the template's).")
@click.option("--port", type=click.IntRange(0, 65535),
              help=f"Port on 127.0.0.1 (default {DEFAULT_PORT}, or a free one when it is taken; 0: a free one).")
@click.option("--no-open", is_flag=True, help="Do not open a browser; only print the address.")
@click.option("--screenshot", "screenshot_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a PNG of the email (full height) and exit.")
@click.option("--width", type=click.IntRange(MIN_WIDTH, MAX_WIDTH),
              help=f"Screenshot width in CSS pixels (default {DEFAULT_WIDTH}).")
@click.option("--dark", is_flag=True,
              help="With --screenshot: three views side by side, light, dark (the email's prefers-color-scheme "
                   "styles) and colours inverted (as Gmail's iOS app and Outlook on Windows do).")
@click.option("--browser", metavar="PATH",
              help="Chromium for --screenshot (default: $NEWSLETTER_BROWSER, else chromium on PATH).")
@click.option("--locale", type=click.Choice(LOCALES, case_sensitive=False),
              help="Language of the Promotions card's prices and dates, the mail's (default: newsletter.toml's "
                   "locale, else en). The page's own words are the reader's: $NEWSLETTER_LOCALE, else $LC_ALL, "
                   "$LC_MESSAGES or $LANG, as for reports.")
def preview(template: Path, data_file: Path | None, kind: str | None, port: int | None, no_open: bool,
            screenshot_file: Path | None, width: int | None, dark: bool, browser: str | None,
            locale: str | None) -> None:
    """Serve a live preview of TEMPLATE on 127.0.0.1: desktop and mobile widths, the Gmail inbox
    row, the Promotions card, the predicted tab and the findings. Reloads on every save."""
    for path in (template, data_file):  # later errors show in the page; a mistyped path is not one
        if path is not None and not path.is_file():
            raise NewsletterError("file not found", path=path, fix="check the path")
    source = PreviewSource(template, data_file, Kind.parse(kind) if kind else None, locale)
    if screenshot_file is not None:
        _screenshot(source, screenshot_file, width or DEFAULT_WIDTH, browser, dark)
        return
    if width is not None or browser is not None or dark:
        raise click.UsageError("--width, --dark and --browser go with --screenshot")
    server = _listen(Previewer(source), port)
    click.echo(f"newsletter preview: {server.url} (Ctrl-C to stop)", err=True)
    if not no_open:
        webbrowser.open(server.url)
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a shell starts background jobs with it ignored
        signal.signal(signum, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    click.echo("newsletter preview: stopped", err=True)


def _screenshot(source: PreviewSource, target: Path, width: int, browser: str | None, dark: bool) -> None:
    executable = find_browser(browser)  # before rendering: no browser, no need to wait
    rendered = render_preview(source)
    report_findings(rendered.findings)
    shoot = dark_mode_sheet if dark else screenshot
    write_output(shoot(rendered.html, executable, width), str(target))
    views = "light, dark and inverted views, each " if dark else ""
    click.echo(f"newsletter preview: wrote {target} ({views}{width} px wide)", err=True)


def _listen(previewer: Previewer, port: int | None) -> PreviewServer:
    """The port asked for; without one, the default port or, when it is taken, a free one."""
    if port is not None:
        return PreviewServer(previewer, port)
    try:
        return PreviewServer(previewer, DEFAULT_PORT)
    except NewsletterError:
        return PreviewServer(previewer, 0)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
