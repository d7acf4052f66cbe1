"""The markup family: Gmail schema.org findings (M rules) from `newsletter.markup`."""

from __future__ import annotations

from typing import Iterable

from ..findings import Finding
from ..markup import validate
from ..markup.extract import markup_of
from ..render import html_to_text
from .model import LintInput


def markup_rules(item: LintInput) -> Iterable[Finding]:
    if not item.html or ("application/ld+json" not in item.html and "itemscope" not in item.html):
        return ()
    return validate(
        markup_of(item), kind=item.kind, now=item.now,
        visible_text=html_to_text(item.html)
    )
