"""The Promotions-tab card, built from the extracted markup (never from the JSON-LD itself)."""

from __future__ import annotations

from ..markup import Item, Markup
from ..markup.values import parse_datetime
from .model import Deal, Product, PromotionsCard

_ANNOTATIONS = ("Organization", "DiscountOffer", "PromotionCard")


def promotions_card(markup: Markup) -> PromotionsCard | None:
    """Logo, deal badge and product carousel; None when the message has no annotations."""
    items = [i for i in markup.items if i.type in _ANNOTATIONS]
    if not items:
        return None
    logo = next((i.text("logo") for i in items if i.type == "Organization" and i.text("logo")), None)
    offer = next((i for i in items if i.type == "DiscountOffer"), None)
    products = tuple(_product(i) for i in items if i.type == "PromotionCard")
    return PromotionsCard(logo=logo, deal=_deal(offer) if offer else None, products=products)


def _deal(offer: Item) -> Deal:
    return Deal(description=offer.text("description"), code=offer.text("discountCode"),
                ends=_day(offer.text("availabilityEnds")))


def _product(card: Item) -> Product:
    return Product(image=card.text("image"), headline=card.text("headline"), price=card.text("price"),
                   currency=card.text("priceCurrency"), discount_value=card.text("discountValue"),
                   url=card.text("url"))


def _day(text: str | None) -> str | None:
    """"2027-01-31T23:59:00+01:00" -> "31 Jan" (as Gmail's badge shows it); odd text as is."""
    parsed = parse_datetime(text or "")
    return f"{parsed.day} {parsed:%b}" if parsed else text
