"""Running the rule families over inputs: the library entry points of `newsletter lint`."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .accessibility import facts_of, judge
from ..html.css import declaration_parts, read_stylesheet
from ..html.dom import declarations, style_hides
from .families import FAMILIES, Family
from . import clients
from .clients import ClientSupport
from ..document import Folders, LoadOptions, discover, layouts_of, load_input
from .model import LintInput, LintResult, Origin, sort_findings
from .selection import LintSettings, Selection
from .suppress import read_suppressions


def lint_input(item: LintInput, selection: Selection = Selection(),
               families: Sequence[Family] = FAMILIES) -> LintResult:
    """Every finding of every family for one input, selected, suppressed and sorted by line."""
    findings = list(item.findings)
    for family in families:
        findings.extend(family(item))
    findings = [f for f in findings if selection.keeps(f.rule)]
    source = item.template.text if item.template is not None else item.html if item.origin is Origin.HTML else None
    findings = read_suppressions(source).apply(findings)
    return LintResult(item.path, tuple(sort_findings(findings)))


def lint_paths(paths: Iterable[Path], settings: LintSettings = LintSettings(),
               options: LoadOptions = LoadOptions(), families: Sequence[Family] = FAMILIES) -> Iterator[LintResult]:
    """Lint files and folders, one result per file, in order. Raises `NewsletterError` for a
    path that does not exist or a file that cannot be read."""
    if settings.clients is not None:
        families = tuple(ClientSupport(settings.clients) if isinstance(f, ClientSupport) else f for f in families)
    files = discover(paths, settings.exclude)
    folders = Folders()
    layouts = layouts_of(files, folders)
    for path in files:
        yield lint_input(load_input(path, options, layouts, folders), settings.selection, families)


def lint_html(html: str, *, path: str = "<html>", kind=None, selection: Selection = Selection()) -> LintResult:
    """Lint HTML as sent, given as a string (no file needed)."""
    from ..html.dom import parse_html

    item = LintInput(path=path, origin=Origin.HTML, html=html, document=parse_html(html), kind=kind)
    return lint_input(item, selection)


def clear_caches() -> None:
    """Forget the CSS read so far: the caches keyed by style attributes, style blocks,
    declarations and colours that a run fills (benchmarks measure cold runs)."""
    for cached in (read_stylesheet, declaration_parts, declarations, style_hides, facts_of, judge):
        cached.cache_clear()
    clients.clear_caches()
