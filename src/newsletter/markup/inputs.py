"""What `newsletter markup` reads: a document (`newsletter.document`), read as every command reads
it, with its markup extracted and the sizes of its local promotion images.

A template is rendered with its data (`--data`, or name.json beside it) or else with placeholders,
as `lint` and `check` render it. HTML and .eml declare no kind: theirs is `--kind` or None.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlparse

from ..document import Document, LoadOptions, Origin, load_input
from ..findings import Finding, Severity
from ..i18n import Messages
from ..images import image_size
from ..kinds import Kind
from .extract import extract
from .display import display
from .model import Item, Markup
from .promotions import image_url
from .validate import validate

_JPEG_READ_LIMIT = 1 << 20


@dataclass(frozen=True)
class Source:
    """One input made ready for validation: its markup, the kind it declares (or None), the text
    a reader sees, and the errors met while reading it (a template that does not render)."""

    path: str
    markup: Markup
    kind: Kind | None
    visible_text: str
    findings: tuple[Finding, ...] = ()


def load(path: Path, *, kind: Kind | str | None = None, data: Mapping[str, Any] | None = None,
         data_file: Path | None = None, document: Document | None = None) -> Source:
    """Read `path` (or take its `document`, already read): `.eml` (its text/html part), a template
    rendered with `data`, `data_file` or the sample data beside it (else placeholders), or an HTML
    file as it is. `kind` wins over what a template declares."""
    flag = Kind.parse(kind) if isinstance(kind, str) else kind
    if document is None:
        document = load_input(path, LoadOptions(kind=flag, data=data, data_file=data_file))
    html = document.html or ""
    markup = extract(html, document.path)
    markup = dataclasses.replace(markup, image_sizes=markup.image_sizes + _local_sizes(markup, path.parent))
    resolved = document.kind if document.origin is Origin.TEMPLATE else flag
    errors = tuple(f for f in document.findings if f.severity is Severity.ERROR)
    return Source(document.path, markup, resolved, document.visible_text, errors)


def _local_sizes(markup: Markup, folder: Path) -> tuple[tuple[str, tuple[int, int]], ...]:
    """Sizes of PromotionCard images that are local files (relative paths or file: URLs)."""
    sizes = []
    for card in (i for i in markup.items if i.type == "PromotionCard"):
        url = image_url(card)
        if not url or markup.image_size(url):
            continue
        parsed = urlparse(url)
        if parsed.scheme not in ("", "file"):
            continue
        target = Path(unquote(parsed.path))
        target = target if target.is_absolute() else folder / target
        try:
            with target.open("rb") as handle:
                size = image_size(handle.read(_JPEG_READ_LIMIT))
        except OSError:
            continue
        if size:
            sizes.append((url, (size.width, size.height)))
    return tuple(sizes)


@dataclass(frozen=True)
class MarkupReport:
    """What `newsletter markup` says of one file."""

    path: str
    kind: Kind | None
    markup: Markup
    findings: tuple[Finding, ...]
    display: tuple[str, ...]  # what Gmail shows for it, in words

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(self.markup.items)

    def to_json(self) -> dict[str, Any]:
        return {"input": self.path, "kind": self.kind.value if self.kind else None,
                "items": [item.to_json() for item in self.markup.items],
                "findings": [f.to_json() for f in self.findings], "display": list(self.display)}


def check_markup(path: Path | str, *, kind: Kind | str | None = None, data: Mapping[str, Any] | None = None,
                 data_file: Path | None = None, now: datetime | None = None,
                 texts: Messages | None = None) -> MarkupReport:
    """The markup of a message or template, validated (`now`: when offers are judged), as
    `newsletter markup` reports it; `texts`: the locale its display is written in (English)."""
    source = load(Path(path), kind=kind, data=data, data_file=data_file)
    findings = (*source.findings, *validate(source.markup, kind=source.kind, now=now, visible_text=source.visible_text))
    return MarkupReport(source.path, source.kind, source.markup, findings, display(source.markup, texts))
