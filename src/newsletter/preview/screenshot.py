"""A PNG of the email itself, at a given width and its full height, from headless Chromium.

The page is loaded at the width asked, its content height measured (in a 1 px high viewport,
since the content size is never less than the viewport's), the viewport set to that height,
and the viewport captured: the PNG is exactly `width` pixels wide and as high as the email.

`dark_mode_sheet` puts three of them side by side: light, dark (Chromium told the reader prefers
dark, `Emulation.setEmulatedMedia`), and the colours inverted as Gmail's iOS app and Outlook on
Windows do (`darkmode.invert_colours`). The sheet is composed by Chromium too: no imaging library.
"""

from __future__ import annotations

import base64
import html as html_text
import tempfile
from pathlib import Path
from typing import Sequence

from .browser import HEADLESS_FLAGS
from .cdp import DevToolsPipe
from .darkmode import invert_colours

DEFAULT_WIDTH = 600
MIN_WIDTH, MAX_WIDTH = 200, 4000
LOAD_TIMEOUT = 15.0  # seconds to wait for images; past it the screenshot is taken anyway
_START_HEIGHT = 800
_GAP = 24  # pixels between the views of the dark-mode sheet

# The dark-mode sheet's captions: what each view shows and which clients show it (dark-mode.toml).
SHEET_VIEWS = (
    ("light", "Light"),
    ("dark", "Dark: its prefers-color-scheme styles (Apple Mail, Outlook.com, Outlook apps)"),
    ("inverted", "Colours inverted (Gmail iOS app, Outlook on Windows)"),
)


def screenshot(html: str, browser: Path, width: int = DEFAULT_WIDTH, load_timeout: float = LOAD_TIMEOUT,
               scheme: str = "light") -> bytes:
    """The email `html` rendered by `browser` at `width` CSS pixels (scale 1), full height, the
    reader preferring the `scheme` colour scheme ("light" or "dark")."""
    _check_width(width)
    return screenshots([(html, scheme)], browser, width, load_timeout)[0]


def dark_mode_sheet(html: str, browser: Path, width: int = DEFAULT_WIDTH, load_timeout: float = LOAD_TIMEOUT) -> bytes:
    """Light, dark and inverted views of the email side by side, each `width` pixels wide."""
    _check_width(width)
    pages = [(invert_colours(html), "light") if view == "inverted" else (html, view) for view, _ in SHEET_VIEWS]
    shots = screenshots(pages, browser, width, load_timeout)
    figures = "".join(
        f"<figure><figcaption>{html_text.escape(caption)}</figcaption>"
        f"<img src='data:image/png;base64,{base64.b64encode(shot).decode()}'></figure>"
        for (_, caption), shot in zip(SHEET_VIEWS, shots))
    sheet = (f"<!DOCTYPE html><html><body style='margin:0;padding:{_GAP}px;background:#5f6368;display:flex;"
             f"gap:{_GAP}px;align-items:flex-start;font:13px/1.4 sans-serif'>"
             f"<style>figure{{margin:0;width:{width}px}}figcaption{{color:#fff;margin-bottom:8px;min-height:54px}}"
             f"img{{display:block}}</style>{figures}</body></html>")
    return screenshots([(sheet, "light")], browser, 3 * width + 4 * _GAP, load_timeout)[0]


def screenshots(pages: Sequence[tuple[str, str]], browser: Path, width: int,
                load_timeout: float = LOAD_TIMEOUT) -> list[bytes]:
    """Each (html, colour scheme) rendered in turn by one browser, as `screenshot` does."""
    with tempfile.TemporaryDirectory(prefix="newsletter-screenshot-") as folder:
        work = Path(folder)
        flags = [*HEADLESS_FLAGS, f"--user-data-dir={work / 'profile'}", f"--window-size={width},{_START_HEIGHT}"]
        with DevToolsPipe(browser, flags, log=work / "browser.log") as devtools:
            shots = []
            for number, (html, scheme) in enumerate(pages):
                page = work / f"email-{number}.html"
                page.write_text(html, encoding="utf-8")
                shots.append(_capture(devtools, page, width, scheme, load_timeout))
    return shots


def _capture(devtools: DevToolsPipe, page: Path, width: int, scheme: str, load_timeout: float) -> bytes:
    target = devtools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    devtools.call("Page.enable", session=session)
    devtools.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
                  session=session)
    _viewport(devtools, session, width, _START_HEIGHT)
    devtools.call("Page.navigate", {"url": page.as_uri()}, session=session)
    devtools.wait_for("Page.loadEventFired", session=session, timeout=load_timeout)
    _viewport(devtools, session, width, 1)  # the content size is at least the viewport's
    metrics = devtools.call("Page.getLayoutMetrics", session=session)
    height = max(1, int(-(-metrics["cssContentSize"]["height"] // 1)))
    _viewport(devtools, session, width, height)
    shot = devtools.call("Page.captureScreenshot", {"format": "png"}, session=session)
    devtools.call("Target.closeTarget", {"targetId": target})
    return base64.b64decode(shot["data"])


def _check_width(width: int) -> None:
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be between {MIN_WIDTH} and {MAX_WIDTH}")


def _viewport(devtools: DevToolsPipe, session: str, width: int, height: int) -> None:
    devtools.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
