"""`newsletter init`: start a project."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import display_path
from ..init import LOCALES, InitOptions, init_project
from .app import main

_DEFAULTS = InitOptions()


@main.command()
@click.argument("folder", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--shop", help=f"The shop's name, as customers know it (default: {_DEFAULTS.shop}, the example shop).")
@click.option("--sender", metavar="ADDRESS", help=f"The From address of its mail (default: {_DEFAULTS.sender}).")
@click.option("--locale", type=click.Choice(LOCALES), help=f"The language of its mail (default: {_DEFAULTS.locale}).")
@click.option("--force", is_flag=True, help="Replace files that are there already.")
def init(folder: Path, shop: str | None, sender: str | None, locale: str | None, force: bool) -> None:
    """Start a project in FOLDER (default: here): newsletter.toml, the layout, the five starter
    templates with their sample data, a recipients example, .gitignore, a pre-commit hook and a
    CI workflow. Asks for what is not given when run in a terminal."""
    if sys.stdin.isatty():
        shop = shop or click.prompt("Shop name", default=_DEFAULTS.shop)
        sender = sender or click.prompt("Sender address", default=_DEFAULTS.sender)
        locale = locale or click.prompt("Language of the mail", default=_DEFAULTS.locale, type=click.Choice(LOCALES))
    options = InitOptions(shop=shop or _DEFAULTS.shop, sender=sender or _DEFAULTS.sender,
                          locale=locale or _DEFAULTS.locale, force=force)
    written = init_project(folder, options)
    where = display_path(folder)
    click.echo(f"{len(written)} files written in {where}/")
    if options.locale != "fr":
        click.echo(f'note: locale = "{options.locale}" sets the layout\'s footer, the unsubscribe link\'s words, '
                   "prices and the lint and check vocabularies; the starter templates' own text is the example "
                   "shop's French: write yours in their place", err=True)
    sale = "templates/promotional/flash-sale"
    go_there = "" if folder.resolve() == Path.cwd() else f"  cd {where}\n"
    click.echo("next:\n"
               f"{go_there}"
               f"  newsletter render {sale}.html --data {sale}.json -o out/sale.eml\n"
               "  newsletter check out/sale.eml --offline\n"
               f"  newsletter render {sale}.html --data {sale}.json --recipients recipients.csv --out-dir out/campaign\n"
               "  newsletter send out/sale.eml --to YOU@EXAMPLE.COM --smtp HOST[:PORT] --user NAME\n"
               "  newsletter send out/campaign   (with [smtp] in newsletter.toml)")
