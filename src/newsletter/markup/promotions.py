"""Promotions-tab rules that look across items: deal expiry and code, the product carousel."""

from __future__ import annotations

from datetime import datetime

from ..findings import Finding, finding
from .model import Item, Literal, Markup
from .spec import Knowledge
from .values import parse_datetime


def promotion_findings(markup: Markup, known: Knowledge, now: datetime, visible_text: str | None) -> list[Finding]:
    found: list[Finding] = []
    for offer in (i for i in markup.items if i.type == "DiscountOffer"):
        found += _offer(offer, now, visible_text)
    cards = [i for i in markup.items if i.type == "PromotionCard"]
    if cards:
        found += _carousel(cards, markup, known)
    return found


def _offer(offer: Item, now: datetime, visible_text: str | None) -> list[Finding]:
    found = []
    ends = parse_datetime(offer.text("availabilityEnds") or "")
    if ends is not None:
        if ends.tzinfo is None:  # reported as M010 elsewhere; compare as if UTC
            ends = ends.replace(tzinfo=now.tzinfo)
        if ends < now:
            found.append(finding("M011", f"DiscountOffer ended on {ends.isoformat()}", offer.property("availabilityEnds").location))
    code = (offer.text("discountCode") or "").strip()
    if code and visible_text is not None and code.casefold() not in " ".join(visible_text.split()).casefold():
        found.append(finding("M012", f"discount code {code!r} does not appear in the visible email", offer.property("discountCode").location))
    return found


def image_url(card: Item) -> str | None:
    image = card.first("image")
    if isinstance(image, Literal):
        return image.text.strip() or None
    if isinstance(image, Item):
        return image.text("url") or image.text("contentUrl")
    return None


def _size(card: Item, markup: Markup) -> tuple[int, int] | None:
    image = card.first("image")
    if isinstance(image, Item):
        try:
            width, height = int(float(image.text("width") or "")), int(float(image.text("height") or ""))
            if width > 0 and height > 0:
                return width, height
        except (ValueError, OverflowError):  # not a number, or infinite ("1e999")
            pass
    url = image_url(card)
    return markup.image_size(url) if url else None


def ratio_name(size: tuple[int, int], known: Knowledge) -> str | None:
    """The supported ratio ("1.91:1") a width x height is, within tolerance; None if none."""
    ratio = size[0] / size[1]
    for name, value in known.promotions.aspect_ratios:
        if abs(ratio - value) / value <= known.promotions.ratio_tolerance:
            return name
    return None


def _carousel(cards: list[Item], markup: Markup, known: Knowledge) -> list[Finding]:
    rules = known.promotions
    found = []
    if len(cards) > rules.carousel_max_cards:
        found.append(finding("M013", f"{len(cards)} PromotionCards; Gmail shows at most {rules.carousel_max_cards}",
                             cards[rules.carousel_max_cards].location))
    seen: dict[str, Item] = {}
    for card in cards:
        url = image_url(card)
        if url and url in seen:
            found.append(finding("M014", f"PromotionCard image {url} is already used by the card at line {seen[url].location.line if seen[url].location else '?'}",
                                 card.location))
        elif url:
            seen[url] = card
    ratios: dict[str, Item] = {}
    for card in cards:
        size = _size(card, markup)
        if size is None:
            continue
        name = ratio_name(size, known)
        shown = f"{size[0]}x{size[1]}"
        if len(cards) == 1 and name != rules.single_image_ratio:
            found.append(finding("M016", f"single image preview is {shown}; Gmail crops it to {rules.single_image_ratio}", card.location))
        elif name is None:
            found.append(finding("M016", f"PromotionCard image is {shown}, not 4:5, 1:1 or 1.91:1", card.location))
        else:
            ratios.setdefault(name, card)
    if len(ratios) > 1:
        found.append(finding("M015", f"carousel mixes aspect ratios {', '.join(sorted(ratios))}", list(ratios.values())[1].location))
    return found
