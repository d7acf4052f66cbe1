"""The preview page in the words of the person previewing (`checks/locale/*-preview.toml`):
static/index.html's `{{key}}` marks filled in, and the words its script writes handed to it as
JSON, so the page never shows English before French."""

from __future__ import annotations

import html
import json
import re
from importlib import resources

from ..i18n import Messages

# The words preview.js writes itself (the rest are in index.html).
_SCRIPT_WORDS = ("live", "stopped", "code", "unavailable", "predicted", "risk", "no_findings", "line", "title")


def page_html(t: Messages) -> bytes:
    """index.html with its words in `t`'s locale, `lang` set, and the script's words as JSON."""
    page = resources.files(__package__).joinpath("static", "index.html").read_text(encoding="utf-8")
    words = {key: t.text(f"preview.page.{key}") for key in _SCRIPT_WORDS}
    script = json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")  # cannot close the <script>

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "lang":
            return t.locale
        if key == "words":
            return script
        return html.escape(t.text(f"preview.page.{key}"))

    return re.sub(r"\{\{(\w+)\}\}", fill, page).encode("utf-8")


def nothing_yet(t: Messages) -> str:
    """The frames' page before anything could be rendered."""
    return ("<!DOCTYPE html><p style='font-family:sans-serif;color:#5f6368'>"
            f"{html.escape(t.text('preview.page.nothing_yet'))}</p>")
