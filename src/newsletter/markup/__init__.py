"""Gmail schema.org markup: extraction (JSON-LD, microdata) and Gmail's rules.

    markup = extract(html, path="order.html")
    findings = validate(markup, kind="transactional", visible_text=text)
    lines = display(markup)          # what Gmail would show
"""

from .display import display
from .extract import extract
from .model import Item, Literal, Markup, Property, Syntax
from .spec import knowledge
from .validate import card_kind, validate

__all__ = [
    "Item",
    "Literal",
    "Markup",
    "Property",
    "Syntax",
    "card_kind",
    "display",
    "extract",
    "knowledge",
    "validate",
]
