"""Reporters: the same results, formatted for people (text), scripts (json), code scanning
(sarif) and GitHub Actions annotations (github). Each takes the results and returns the text."""

from .github import format_github
from .jsonlines import format_json
from .sarif import format_sarif, sarif_log
from .text import format_text

REPORTERS = {"text": format_text, "json": format_json, "sarif": format_sarif, "github": format_github}

__all__ = ["REPORTERS", "format_github", "format_json", "format_sarif", "format_text", "sarif_log"]
