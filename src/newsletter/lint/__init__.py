"""`newsletter lint`: the rule families, their inputs and the reporters, as a library.

    from newsletter.lint import lint_paths, LintSettings
    for result in lint_paths([Path("templates")]):
        print(result.path, result.findings)
"""

from .engine import lint_html, lint_input, lint_paths
from .families import FAMILIES, Family
from ..document import Folders, LoadOptions, discover, load_input
from .model import LintInput, LintResult, Origin, TemplateSource
from .selection import LintSettings, Selection, settings_from
from .suppress import Suppressions, read_suppressions

__all__ = [
    "FAMILIES",
    "Family",
    "Folders",
    "LintInput",
    "LintResult",
    "LintSettings",
    "LoadOptions",
    "Origin",
    "Selection",
    "Suppressions",
    "TemplateSource",
    "discover",
    "lint_html",
    "lint_input",
    "lint_paths",
    "load_input",
    "read_suppressions",
    "settings_from",
]
