"""Finding and starting headless Chromium, the one browser the screenshots need."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping

from ..errors import NewsletterError

BROWSER_VARIABLE = "NEWSLETTER_BROWSER"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Headless, as root, on a closed network: no sandbox (root), no GPU, nothing phoning home.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)


def find_browser(option: str | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """The browser to use: `option` (--browser), else $NEWSLETTER_BROWSER, else the first of
    BROWSER_NAMES on PATH. Raises `NewsletterError` when there is none."""
    for given, origin in ((option, "--browser"), (environ.get(BROWSER_VARIABLE), BROWSER_VARIABLE)):
        if given:
            found = shutil.which(given)
            if found is None:
                raise NewsletterError(f"{origin}: no executable browser at {given}",
                                      fix="give the path of chromium or google-chrome")
            return Path(found)
    for name in BROWSER_NAMES:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return Path(found)
    raise NewsletterError(
        "no Chromium found for the screenshot",
        fix=f"install chromium (Debian: apt-get install chromium), pass --browser PATH or set {BROWSER_VARIABLE}",
    )
