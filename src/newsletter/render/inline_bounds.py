"""What the CSS inliner is given, measured before it runs.

premailer parses CSS with cssutils (about 1 ms a declaration, slower with the square of a sheet's
rules, exponentially slower with nested functions, and an @media inside an @media breaks it),
then tests every selector against every element with cssselect, which recurses once per compound
selector. Past the `[css]` bounds of `checks/input-limits.toml` a render is refused with one line
instead of minutes of work or a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from ..bounds import Excess, blank_comments_and_strings, css_excess, excess_at
from ..errors import NewsletterError
from ..limits import input_limits

# Text up to the next `{`, `}` or `;` (or the end): always matches, so the sheet is read once.
_SEGMENT = re.compile(r"[^{};]*([{};]|\Z)")
_COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+")


def check_inlinable(tree: Any, path: str | Path | None) -> None:
    """Raise `NewsletterError` when the `<style>` blocks and style attributes of the document
    `tree` (lxml) are past what the inliner is given."""
    limits = input_limits("css")
    elements, sheets = 0, []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        elements += 1
        style = element.get("style")
        if style:
            _refuse(css_excess(style), path, f"a style attribute of <{element.tag}>", element.sourceline)
        if element.tag == "style" and element.text:
            sheets.append((element.text, element.sourceline))
    size = sum(len(css.encode("utf-8", "surrogatepass")) for css, _ in sheets)
    if size > limits["max_inline_bytes"]:
        raise NewsletterError(
            f"the <style> blocks hold {size / 1024:,.0f} KB of CSS, over the "
            f"{limits['max_inline_bytes'] // 1024} KB this tool inlines", path=path,
            fix="remove unused rules; Gmail ignores a <style> block over 16 KB anyway")
    selectors = 0
    for css, line in sheets:
        _refuse(css_excess(css), path, "CSS", line)
        selectors += _selectors(css, limits, path, line)
    if selectors > limits["max_inline_selectors"]:
        raise NewsletterError(f"the <style> blocks have {selectors:,} selectors, over the "
                              f"{limits['max_inline_selectors']:,} this tool inlines", path=path,
                              fix="remove unused rules (real emails have a few hundred at most)")
    if selectors * elements > limits["max_inline_tests"]:
        raise NewsletterError(
            f"inlining {selectors:,} selectors into {elements:,} elements takes {selectors * elements:,} tests, "
            f"over the {limits['max_inline_tests']:,} this tool runs", path=path,
            fix="remove unused CSS rules or send less HTML")


def _selectors(css: str, limits: Mapping[str, int | float], path: str | Path | None, first_line: int | None) -> int:
    """How many selectors a `<style>` block gives the inliner; refuses a selector of too many
    compounds and an @media inside an @media."""
    count = 0
    in_media: list[bool] = []  # for each open block, whether it is an @media
    for segment in _SEGMENT.finditer(blank_comments_and_strings(css)):
        if segment.group(1) == "}":
            del in_media[-1:]
        if segment.group(1) != "{":
            continue
        prelude = segment.group()[:-1].strip()
        start = segment.start() + len(segment.group()) - len(segment.group().lstrip())
        media = prelude[:6].lower() == "@media"
        if media and in_media and in_media[-1]:
            _refuse(excess_at(css, start, "an @media inside an @media, which the inliner cannot read "
                              "(and Gmail drops the whole block)"), path, "CSS", first_line)
        in_media.append(media)
        if prelude.startswith("@"):
            continue
        parts = prelude.split(",")
        count += len(parts)
        longest = max(len(_COMBINATOR.split(part.strip())) for part in parts)
        if longest > limits["max_selector_compounds"]:
            _refuse(excess_at(css, start, f"a selector of {longest:,} compound selectors "
                              f"(this tool inlines up to {limits['max_selector_compounds']})"), path, "CSS", first_line)
    return count


def _refuse(excess: Excess | None, path: str | Path | None, what: str, line: int | None) -> None:
    """`line`: where the CSS starts in the rendered HTML (a style attribute is one line)."""
    if excess is None:
        return
    at = f" (line {line + excess.line - 1} of the rendered HTML)" if line else ""
    raise NewsletterError(f"{what}{at}: {excess.what}", path=path, fix="simplify the CSS there")
