"""Reporters: one finding stream, formatted for people (text), scripts (json), code scanning
(sarif) and GitHub Actions annotations (github). Each takes the inputs' findings (anything with
`path` and `findings`: `InputFindings`, lint's results) and returns the text. Every command that
finds things offers sarif and github through these."""

from .github import format_github
from .jsonlines import format_json
from .sarif import format_sarif, sarif_log
from .model import Findings, InputFindings
from .text import format_text

REPORTERS = {"text": format_text, "json": format_json, "sarif": format_sarif, "github": format_github}

__all__ = ["REPORTERS", "Findings", "InputFindings", "format_github", "format_json", "format_sarif", "format_text", "sarif_log"]
