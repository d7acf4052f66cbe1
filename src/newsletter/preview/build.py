"""One preview of a template: render it, read its inbox row, annotations, placement and
findings. This is the I/O edge of the preview (it reads the template, data and config)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..config import find_config
from ..errors import NewsletterError, display_path
from ..document import LoadOptions, load_input
from ..i18n import Messages, messages, reader_messages
from ..markup import extract
from ..kinds import Kind
from ..render import RenderedMessage, RenderOptions, render
from ..render.environment import load_json
from .model import InboxRow, Snapshot
from ..placement import CheckOptions, check_input
from .placement import placement_view
from .promotions import promotions_card
from .watch import fingerprint, watched_files

# Stand-ins when neither the configuration nor the data names them: a preview needs none.
PREVIEW_SENDER = "Preview <preview@example.com>"
PREVIEW_RECIPIENT = "recipient@example.com"
PREVIEW_UNSUBSCRIBE = "https://example.com/unsubscribe"

_SNIPPET = 140  # characters of body text Gmail shows when there is no preheader


@dataclass(frozen=True)
class PreviewSource:
    """What is previewed: a template, its data file (default: TEMPLATE.json beside it, as
    `newsletter lint` does) and an optional kind that overrides the template's."""

    template: Path
    data_file: Path | None = None
    kind: Kind | None = None
    locale: str | None = None  # of the Promotions card (default: the mail's, newsletter.toml's `locale`)
    reader_locale: str | None = None  # of the page's own words (default: the environment's, as reports)

    @property
    def reader_texts(self) -> Messages:
        return reader_messages(self.reader_locale)

    @property
    def data_path(self) -> Path | None:
        if self.data_file is not None:
            return self.data_file
        beside = self.template.with_suffix(".json")
        return beside if beside.is_file() else None

    def watched(self) -> tuple[Path, ...]:
        return watched_files(self.template, self.data_path)

    def version(self) -> str:
        return fingerprint(self.watched())


def render_preview(source: PreviewSource) -> RenderedMessage:
    """Render as `newsletter render` would, with stand-ins for a missing sender, recipient or
    unsubscribe URL. Raises `NewsletterError` for what cannot be rendered."""
    data = load_json(source.data_path) if source.data_path else {}
    config = find_config(source.template)
    options = RenderOptions(
        kind=source.kind,
        sender=None if config.sender_address else PREVIEW_SENDER,
        to=None if data.get("email") else PREVIEW_RECIPIENT,
        unsubscribe_url=None if config.unsubscribe_url else PREVIEW_UNSUBSCRIBE,
    )
    return render(source.template, data, options)


def build_snapshot(source: PreviewSource, previous: Snapshot | None = None) -> Snapshot:
    """The preview of the inputs as they are now. A render error keeps `previous`'s email and
    panels and sets `error` to one line, so the page shows the last good email beside it."""
    watched = source.watched()
    version = fingerprint(watched)
    reader = source.reader_texts
    shown = tuple(display_path(p) for p in watched)
    try:
        rendered = render_preview(source)
        # The pre-send check, offline: lint and markup findings, and the placement prediction.
        report = check_input(load_input(source.template, LoadOptions(kind=source.kind, data_file=source.data_path)),
                             CheckOptions(offline=True))
    except NewsletterError as exc:
        base = previous or Snapshot(version="", template=display_path(source.template), locale=reader.locale)
        return dataclasses.replace(base, version=version, error=str(exc), watched=shown)
    markup = extract(rendered.html, display_path(source.template))
    return Snapshot(
        version=version,
        template=display_path(source.template),
        html_version=version,
        kind=rendered.kind.value,
        html=rendered.html,
        inbox=inbox_row(rendered),
        promotions=promotions_card(markup, messages(source.locale or find_config(source.template).locale))
        if rendered.kind is Kind.PROMOTIONAL else None,
        placement=placement_view(report, reader),
        findings=report.findings,
        watched=shown,
        locale=reader.locale,
    )


def inbox_row(rendered: RenderedMessage) -> InboxRow:
    """Sender name (the address when there is none), subject and Gmail's snippet: the
    preheader, or the start of the body text when the template has none."""
    sender = rendered.message["From"].addresses[0]
    snippet = rendered.preheader or " ".join(rendered.text.split())[:_SNIPPET]
    return InboxRow(sender_name=sender.display_name or sender.addr_spec, sender_address=sender.addr_spec,
                    subject=rendered.subject, preheader=snippet)
