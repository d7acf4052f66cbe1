"""One input — a template with its data, HTML as sent, an .eml message — read once into one
typed `Document` that lint, markup, placement and preview all consume.

    from newsletter.document import load_input
    document = load_input(Path("templates/promotional/flash-sale.html"))
    document.html, document.subject, document.locate(document.elements("a")[0])
"""

from .load import Folders, LoadOptions, discover, layouts_of, load_input
from .model import Document, Origin, TemplateLineMap, TemplateSource

__all__ = ["Document", "Folders", "LoadOptions", "Origin", "TemplateLineMap", "TemplateSource", "discover",
           "layouts_of", "load_input"]
