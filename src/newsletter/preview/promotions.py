"""The Promotions-tab card, built from the extracted markup (never from the JSON-LD itself),
its prices and dates written in the mail's locale (`89,00 €`, « expire le 31 janv. »)."""

from __future__ import annotations

from ..i18n import Messages, messages
from ..markup import Item, Markup
from ..markup.display import when
from .model import Deal, Product, PromotionsCard

def promotions_card(markup: Markup, texts: Messages | None = None) -> PromotionsCard | None:
    """Logo, deal badge and product carousel, each from its annotation (the types of
    checks/gmail-markup.toml's Promotions section); None when the message has none of them."""
    t = texts or messages()
    items = markup.items
    logo = next((i.text("logo") for i in items if i.type == "Organization" and i.text("logo")), None)
    offer = next((i for i in items if i.type == "DiscountOffer"), None)
    products = tuple(_product(i, t) for i in items if i.type == "PromotionCard")
    if logo is None and offer is None and not products:
        return None
    return PromotionsCard(logo=logo, deal=_deal(offer, t) if offer else None, products=products)


def _deal(offer: Item, t: Messages) -> Deal:
    """"2027-01-31T23:59:00+01:00" ends "31 Jan" (as Gmail's badge shows it), « 31 janv. » in French."""
    ends = when(offer.text("availabilityEnds"), t)
    return Deal(description=offer.text("description"), code=offer.text("discountCode"), ends=ends,
                expires=t.text("preview.expires", date=ends) if ends else None)


def _product(card: Item, t: Messages) -> Product:
    return Product(image=card.text("image"), headline=card.text("headline"), price=card.text("price"),
                   currency=card.text("priceCurrency"), discount_value=card.text("discountValue"),
                   url=card.text("url"), price_shown=t.price(card.text("price"), card.text("priceCurrency")))
