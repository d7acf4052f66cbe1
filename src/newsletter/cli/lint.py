"""`newsletter lint` (for CI and pre-commit) and `newsletter rules` (the rule catalogue)."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import find_config
from ..errors import NewsletterError
from ..findings import Severity, catalogue, has_errors
from ..i18n import Messages, reader_messages
from ..lint import FAMILIES, LoadOptions, lint_paths, settings_from
from ..lint.clients import client_data, default_clients
from ..lint.docs import area_of, area_title, rules_markdown
from ..network import network_family
from ..reporters import REPORTERS, format_text
from ..kinds import Kind
from .app import LOCALE_OPTION, NOW_OPTION, main, parse_now, write_output
from .network_options import network_from, network_options
from ..json_lines import json_line

_KINDS = click.Choice([k.value for k in Kind], case_sensitive=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text", show_default=True,
              help="text for people, json (JSON Lines, one object per file), sarif (code scanning), "
                   "github (Actions annotations).")
@click.option("--select", multiple=True, metavar="RULES",
              help="Only these rule ids or prefixes (comma-separated or repeated), e.g. G,C010.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rule ids or prefixes.")
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Sample data for the templates (default: name.json next to name.html).")
@click.option("--kind", type=_KINDS, help="transactional or promotional (default: the template's or folder's).")
@NOW_OPTION
@click.option("--show-fixes", is_flag=True, help="Text format: print each finding's fix under it.")
@click.option("--list-rules", is_flag=True, help="Print the rule catalogue and exit (as `newsletter rules`).")
@click.option("-o", "--output", metavar="FILE", help="Write the report here instead of stdout.")
@network_options
@LOCALE_OPTION
@click.pass_context
def lint(ctx: click.Context, paths: tuple[Path, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
         data_file: Path | None, kind: str | None, now_text: str | None, show_fixes: bool, list_rules: bool, output: str | None,
         network: bool, allow_private: bool, locale: str | None) -> None:
    """Lint templates, HTML files and .eml messages (folders recursively).

    Exit status: 0 without error-severity findings, 1 with some, 2 for unusable input.
    """
    if list_rules:
        click.echo(_rules_text((), reader_messages(locale)), nl=False)
        return
    if not paths:
        raise click.UsageError("give at least one file or folder to lint")
    config = find_config(paths[0])
    settings = settings_from(config, select=select, ignore=ignore)
    options = LoadOptions(kind=Kind(kind.lower()) if kind else None, data_file=data_file,
                          now=parse_now(now_text))
    fetching = network_from(network, allow_private)
    families = (*FAMILIES, network_family(fetching)) if fetching else FAMILIES
    results = list(lint_paths(paths, settings, options, families))
    texts = reader_messages(locale)
    report = format_text(results, show_fixes=show_fixes, texts=texts) if fmt == "text" else REPORTERS[fmt](results)
    if output and output != "-":
        write_output(click.unstyle(report).encode("utf-8"), output)
    else:
        click.echo(report, nl=False)
    if any(has_errors(r.findings) for r in results):
        ctx.exit(1)


@main.command()
@click.argument("prefixes", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("--explain", is_flag=True, help="With the text format: each rule's why and fix under its title.")
@LOCALE_OPTION
def rules(prefixes: tuple[str, ...], fmt: str, explain: bool, locale: str | None) -> None:
    """Print the rule catalogue (every rule of every area), optionally only ids starting with PREFIXES."""
    texts = reader_messages(locale)
    if fmt == "markdown":
        click.echo(rules_markdown(), nl=False)
    elif fmt == "json":
        for rule in _chosen(prefixes):  # JSON stays English, whatever the locale
            click.echo(json_line({"id": rule.id, "name": rule.name, "severity": rule.severity.value,
                                  "title": rule.title, "why": rule.why, "fix": rule.fix, "source": rule.source}))
    else:
        click.echo(_rules_text(prefixes, texts, explain), nl=False)


def _chosen(prefixes: tuple[str, ...]):
    wanted = tuple(p.upper() for p in prefixes)
    chosen = [r for r in sorted(catalogue().values(), key=lambda r: (area_of(r.id), r.id))
              if not wanted or r.id.startswith(wanted)]
    if not chosen:  # an empty list would read as "no such rules exist" rather than "mistyped"
        raise NewsletterError(f"no rule id starts with {', '.join(prefixes)}",
                              fix="newsletter rules lists them all; give an id or its start, e.g. C0 or DMARC")
    return chosen


def _rules_text(prefixes: tuple[str, ...], texts: Messages, explain: bool = False) -> str:
    width = max(len(texts.severity(s)) for s in Severity) + 1
    lines = []
    area = None
    for rule in map(texts.rule, _chosen(prefixes)):
        if area_of(rule.id) != area:
            area = area_of(rule.id)
            lines.append(("\n" if lines else "") + click.style(area_title(rule.id, texts), bold=True))
        lines.append(f"  {rule.id:<8} {texts.severity(rule.severity):<{width}} {rule.name:<34} {rule.title}")
        if explain:
            lines += [f"  {'':<8} " + texts.text(f"report.{part}", **{part: getattr(rule, part)}) for part in ("why", "fix")]
    return "\n".join(lines) + "\n"


@main.command(name="clients")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def clients_command(fmt: str) -> None:
    """List the mail clients of the stored caniemail dataset: the ids `[lint] clients` takes
    (family.platform, or a family alone); * marks the default ones."""
    data, default = client_data(), set(default_clients())
    if fmt == "json":
        for client, (family, platform) in data.clients.items():
            click.echo(json_line({"id": client, "family": family, "platform": platform, "default": client in default}))
        return
    click.echo(f"caniemail {data.version} (data of {data.data_updated}), {len(data.features)} features")
    for client, (family, platform) in data.clients.items():
        click.echo(f"{'*' if client in default else ' '} {client:<28} {family} {platform}")
