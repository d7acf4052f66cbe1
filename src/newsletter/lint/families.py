"""The registry of rule families. A family is `(LintInput) -> Iterable[Finding]`; adding one is
adding an entry to `FAMILIES` (the markup validator's family plugs in here)."""

from __future__ import annotations

from typing import Callable, Iterable

from ..findings import Finding
from .accessibility import accessibility_rules
from .clients import ClientSupport
from .content import content_rules
from .darkmode import darkmode_rules
from .gmail import gmail_rules
from .headers import header_rules
from .markup import markup_rules
from .model import LintInput
from .sender_headers import sender_header_rules
from .template import template_rules

Family = Callable[[LintInput], Iterable[Finding]]

FAMILIES: tuple[Family, ...] = (
    template_rules,
    gmail_rules,
    content_rules,
    accessibility_rules,
    header_rules,
    sender_header_rules,
    markup_rules,
    darkmode_rules,
    ClientSupport(),  # the default clients; `[lint] clients` replaces it (engine.lint_paths)
)
