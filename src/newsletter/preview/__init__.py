"""Preview in a browser: a live page on 127.0.0.1 with the email at desktop and mobile widths,
the Gmail inbox row, the Promotions card, the predicted tab and the findings; and screenshots.

    source = PreviewSource(Path("templates/promotional/flash-sale.html"), Path("sale.json"))
    snapshot = build_snapshot(source)                    # what the page shows, typed
    PreviewServer(Previewer(source), port=0).serve_forever()
    png = screenshot(render_preview(source).html, find_browser(), width=600)
    sheet = dark_mode_sheet(render_preview(source).html, find_browser())  # light | dark | inverted
"""

from .browser import BROWSER_VARIABLE, find_browser
from .build import PreviewSource, build_snapshot, inbox_row, render_preview
from .model import Deal, InboxRow, PlacementView, Product, PromotionsCard, Snapshot
from .placement import placement_view
from .promotions import promotions_card
from .darkmode import SCHEMES, force_scheme, invert_colours
from .screenshot import DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH, dark_mode_sheet, screenshot
from .server import DEFAULT_PORT, HOST, PreviewServer, Previewer
from .watch import fingerprint, watched_files

__all__ = [
    "BROWSER_VARIABLE",
    "DEFAULT_PORT",
    "DEFAULT_WIDTH",
    "Deal",
    "HOST",
    "InboxRow",
    "MAX_WIDTH",
    "MIN_WIDTH",
    "PlacementView",
    "PreviewServer",
    "PreviewSource",
    "Previewer",
    "Product",
    "PromotionsCard",
    "SCHEMES",
    "Snapshot",
    "build_snapshot",
    "dark_mode_sheet",
    "find_browser",
    "fingerprint",
    "force_scheme",
    "inbox_row",
    "invert_colours",
    "placement_view",
    "promotions_card",
    "render_preview",
    "screenshot",
    "watched_files",
]
