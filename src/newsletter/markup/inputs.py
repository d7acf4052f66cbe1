"""The I/O edge of `newsletter markup`: a rendered HTML file, a `.eml`, or a template with data.

Everything here reads files; the extractor and validator it feeds never do.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlparse

from ..bounds import check_html_size, check_message_size
from ..config import find_config
from ..errors import NewsletterError, display_path
from ..kinds import Kind
from ..render import RenderOptions, html_to_text, render
from .extract import extract
from .images import image_size
from .model import Markup
from .promotions import image_url

_JPEG_READ_LIMIT = 1 << 20


@dataclass(frozen=True)
class Source:
    """One input made ready for validation: its markup, the kind it declares (or None), and the
    text a reader sees."""

    path: str
    markup: Markup
    kind: Kind | None
    visible_text: str


def load(path: Path, *, kind: Kind | str | None = None, data: Mapping[str, Any] | None = None) -> Source:
    """Read `path`: `.eml` (its text/html part), a template rendered with `data` (when given),
    or an HTML file as it is. `kind` wins over what a template declares; HTML and .eml declare
    nothing, so their kind is `kind` or None."""
    shown = display_path(path)
    flag = Kind.parse(kind) if isinstance(kind, str) else kind
    if data is not None:
        html, resolved = _render(path, data, flag)
    elif path.suffix.lower() == ".eml":
        html, resolved = _eml_html(path), flag
    else:
        html, resolved = _read_text(path), flag
    markup = extract(html, shown)
    markup = dataclasses.replace(markup, image_sizes=markup.image_sizes + _local_sizes(markup, path.parent))
    return Source(shown, markup, resolved, html_to_text(html) if html.strip() else "")


def _read_text(path: Path) -> str:
    try:
        check_html_size(path.stat().st_size, path)
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise NewsletterError("file not found", path=path, fix="check the path") from None
    except IsADirectoryError:
        raise NewsletterError("is a folder, not a file", path=path) from None
    except UnicodeDecodeError as exc:
        raise NewsletterError(f"not UTF-8 text (byte {exc.start})", path=path, fix="save the file as UTF-8") from None
    except OSError as exc:
        raise NewsletterError(f"cannot read: {exc.strerror}", path=path) from None


def _eml_html(path: Path) -> str:
    try:
        check_message_size(path.stat().st_size, path)
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    except OSError as exc:
        raise NewsletterError(f"cannot read: {exc.strerror}", path=path) from None
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return ""
    try:
        html = part.get_content()
    except (LookupError, ValueError, AssertionError):
        # An unknown or wrong charset (spam says `charset=DEFAULT`): read what can be read.
        html = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    check_html_size(len(html.encode("utf-8", "surrogatepass")), path)
    return html


def _render(path: Path, data: Mapping[str, Any], kind: Kind | None) -> tuple[str, Kind]:
    """Render the template as `newsletter render` would; placeholders stand in for the sender
    and recipient when neither the configuration nor the data gives them (markup needs neither)."""
    config = find_config(path)
    options = RenderOptions(
        kind=kind,
        sender=None if config.sender_address else "markup-check@example.com",
        to=None if data.get("email") else "recipient@example.com",
        unsubscribe_url=None if config.unsubscribe_url else "https://example.com/unsubscribe",
    )
    rendered = render(path, data, options)
    return rendered.html, rendered.kind


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
            sizes.append((url, size))
    return tuple(sizes)
