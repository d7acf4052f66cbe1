"""newsletter: render email campaigns, check Gmail markup and sender DNS, lint templates for CI.

What a script needs, one function a command, each returning typed values (frozen dataclasses):

    import newsletter
    message = newsletter.render("templates/promotional/flash-sale.html", {"email": "a@b.example"})
    for report in newsletter.check(["out/sale.eml"], newsletter.CheckOptions(offline=True)):
        print(report.placement.tab, [f.rule for f in report.findings])

The names are imported when first used, so that `import newsletter` (and `newsletter --version`)
stays cheap.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .version import DISTRIBUTION, __version__

# public name -> (module, name there)
_EXPORTS = {
    "Config": (".config", "Config"),
    "find_config": (".config", "find_config"),
    "load_config": (".config", "load_config"),
    "NewsletterError": (".errors", "NewsletterError"),
    "Finding": (".findings", "Finding"),
    "Location": (".findings", "Location"),
    "Rule": (".findings", "Rule"),
    "Severity": (".findings", "Severity"),
    "catalogue": (".findings", "catalogue"),
    "Kind": (".kinds", "Kind"),
    # render
    "CompiledTemplate": (".render", "CompiledTemplate"),
    "RenderedMessage": (".render", "RenderedMessage"),
    "RenderOptions": (".render", "RenderOptions"),
    "render": (".render", "render"),
    "render_source": (".render", "render_source"),
    "render_campaign": (".render.bulk", "render_campaign"),
    "BulkSummary": (".render.bulk", "BulkSummary"),
    # the document every command reads
    "Document": (".document", "Document"),
    "load_document": (".document", "load_input"),
    # check, lint, markup, dns (lint_paths and check_markup: `lint` and `markup` are subpackages)
    "check": (".placement", "check_paths"),
    "CheckOptions": (".placement", "CheckOptions"),
    "CheckReport": (".placement", "CheckReport"),
    "lint_paths": (".lint", "lint_paths"),
    "LintSettings": (".lint", "LintSettings"),
    "LoadOptions": (".document", "LoadOptions"),
    "LintResult": (".lint", "LintResult"),
    "check_markup": (".markup.inputs", "check_markup"),
    "MarkupReport": (".markup.inputs", "MarkupReport"),
    "dns": (".auth.lookup", "report_domains"),
    "DnsOptions": (".auth", "CheckOptions"),
    "DomainReport": (".auth", "DomainReport"),
}

__all__ = ["DISTRIBUTION", "__version__", *_EXPORTS]


def _export(name: str) -> Any:
    module, attribute = _EXPORTS[name]
    return getattr(importlib.import_module(module, __name__), attribute)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'newsletter' has no attribute {name!r}")
    value = globals()[name] = _export(name)  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """`newsletter.render` is the function, as it always was, although the subpackage has that
    name: importing the subpackage sets it as an attribute of its parent, which this ignores
    (`from newsletter.render import …` still reaches the package, through `sys.modules`). The
    other functions have names no subpackage has."""

    render = property(lambda module: _export("render"), lambda module, subpackage: None)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:
    from .auth import CheckOptions as DnsOptions, DomainReport
    from .auth.lookup import report_domains as dns
    from .config import Config, find_config, load_config
    from .document import Document, LoadOptions, load_input as load_document
    from .errors import NewsletterError
    from .findings import Finding, Location, Rule, Severity, catalogue
    from .kinds import Kind
    from .lint import LintResult, LintSettings, lint_paths
    from .markup.inputs import MarkupReport, check_markup
    from .placement import CheckOptions, CheckReport, check_paths as check
    from .render import CompiledTemplate, RenderedMessage, RenderOptions, render, render_source
    from .render.bulk import BulkSummary, render_campaign
