"""A PNG of the email itself, at a given width and its full height, from headless Chromium.

The page is loaded at the width asked, its content height measured (in a 1 px high viewport,
since the content size is never less than the viewport's), the viewport set to that height,
and the viewport captured: the PNG is exactly `width` pixels wide and as high as the email.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from .browser import HEADLESS_FLAGS
from .cdp import DevToolsPipe

DEFAULT_WIDTH = 600
MIN_WIDTH, MAX_WIDTH = 200, 4000
LOAD_TIMEOUT = 15.0  # seconds to wait for images; past it the screenshot is taken anyway
_START_HEIGHT = 800


def screenshot(html: str, browser: Path, width: int = DEFAULT_WIDTH, load_timeout: float = LOAD_TIMEOUT) -> bytes:
    """The email `html` rendered by `browser` at `width` CSS pixels (scale 1), full height."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be between {MIN_WIDTH} and {MAX_WIDTH}")
    with tempfile.TemporaryDirectory(prefix="newsletter-screenshot-") as folder:
        work = Path(folder)
        page = work / "email.html"
        page.write_text(html, encoding="utf-8")
        flags = [*HEADLESS_FLAGS, f"--user-data-dir={work / 'profile'}", f"--window-size={width},{_START_HEIGHT}"]
        with DevToolsPipe(browser, flags, log=work / "browser.log") as devtools:
            target = devtools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            devtools.call("Page.enable", session=session)
            _viewport(devtools, session, width, _START_HEIGHT)
            devtools.call("Page.navigate", {"url": page.as_uri()}, session=session)
            devtools.wait_for("Page.loadEventFired", session=session, timeout=load_timeout)
            _viewport(devtools, session, width, 1)  # the content size is at least the viewport's
            metrics = devtools.call("Page.getLayoutMetrics", session=session)
            height = max(1, int(-(-metrics["cssContentSize"]["height"] // 1)))
            _viewport(devtools, session, width, height)
            shot = devtools.call("Page.captureScreenshot", {"format": "png"}, session=session)
    return base64.b64decode(shot["data"])


def _viewport(devtools: DevToolsPipe, session: str, width: int, height: int) -> None:
    devtools.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
