"""What Gmail would display for the markup: one line per card, button or annotation, in the
locale's words, prices and dates (`newsletter.i18n`; English by default).

Only describes; whether Gmail actually shows it depends on the findings (and on the sender).
"""

from __future__ import annotations

from ..i18n import Messages, messages
from .model import Item, Literal, Markup
from .promotions import image_url
from .values import SCHEMA_URL, parse_datetime


def display(markup: Markup, texts: Messages | None = None) -> tuple[str, ...]:
    """Lines such as "Track package button" or "Deal badge: -20 %, code BIENVENUE10, ends 31 Dec"
    (« Badge de l’offre : -20 %, code BIENVENUE10, expire le 31 déc. » in French)."""
    t = texts or messages()
    lines: list[str] = []
    cards = [i for i in markup.items if i.type == "PromotionCard"]
    for item in markup.items:
        if item.type == "PromotionCard":
            if item is cards[0]:
                lines.append(_carousel(cards, t))
            continue
        describe = _DESCRIBE.get(item.type) or (_reservation if item.type.endswith("Reservation") else None)
        if describe:
            lines.append(describe(item, t))
        lines += _buttons(item, t)
    return tuple(line for line in lines if line)


def when(text: str | None, t: Messages, with_time: bool = False) -> str | None:
    """A schema.org date as the locale writes it ("31 Jan", « 31 janv. »); odd text as it is."""
    parsed = parse_datetime(text or "")
    if parsed is None:
        return text
    timed = with_time and ("T" in (text or "") or " " in (text or "").strip())
    return t.date(parsed, with_time=timed)


def _name(value) -> str | None:
    if isinstance(value, Item):
        return value.text("name")
    if isinstance(value, Literal):
        return value.text
    return None


def _join(head: str, parts: list[str | None], t: Messages) -> str:
    rest = [p for p in parts if p]
    return t.text("formats.detail", text=head, detail=", ".join(rest)) if rest else head


def _order(item: Item, t: Messages) -> str:
    status = SCHEMA_URL.sub("", item.text("orderStatus") or "").removeprefix("Order") or None
    number = item.text("orderNumber")
    return _join(t.text("display.order"), [_name(item.first("merchant") or item.first("seller")),
                                           t.text("display.order_number", number=number) if number else None,
                                           t.price(item.text("price"), item.text("priceCurrency")),
                                           t.text("display.status", status=t.optional(f"display.order_status.{status}", status)) if status else None], t)


def _delivery(item: Item, t: Messages) -> str:
    arrival = item.text("expectedArrivalUntil") or item.text("expectedArrival")
    carrier = _name(item.first("carrier") or item.first("provider"))
    return _join(t.text("display.delivery"), [
        _name(item.first("itemShipped")),
        t.text("display.carrier", carrier=carrier) if item.values("carrier") or item.values("provider") else None,
        t.text("display.arriving", date=when(arrival, t)) if arrival else None], t)


def _invoice(item: Item, t: Messages) -> str:
    total = item.first("totalPaymentDue")
    due = item.text("paymentDue") or item.text("paymentDueDate")
    amount = t.price(total.text("price"), total.text("priceCurrency")) if isinstance(total, Item) else None
    return _join(t.text("display.bill"), [_name(item.first("provider")),
                                          t.text("display.due", amount=amount) if amount else None,
                                          t.text("display.by", date=when(due, t)) if due else None], t)


def _reservation(item: Item, t: Messages) -> str:
    what = item.first("reservationFor")
    label = item.type.removesuffix("Reservation").replace("FoodEstablishment", "Restaurant").replace("Lodging", "Hotel").replace("RentalCar", "Rental car")
    details: list[str | None] = []
    if isinstance(what, Item):
        if what.type == "Flight":
            route = [_code(what.first("departureAirport")), _code(what.first("arrivalAirport"))]
            airline = what.first("airline")
            code = airline.text("iataCode") if isinstance(airline, Item) else None
            details += [f"{code or ''}{what.text('flightNumber') or ''}".strip() or None,
                        " → ".join(r for r in route if r) or None]
        else:
            details.append(what.text("name") or _name(what.first("departureStation") or what.first("departureBusStop")))
        start = what.text("departureTime") or what.text("startDate")
        details.append(when(start, t, with_time=True) if start else None)
    start = item.text("checkinDate") or item.text("startTime") or item.text("pickupTime")
    details.append(when(start, t, with_time=True) if start else None)
    number = item.text("reservationNumber")
    details.append(t.text("display.reservation", number=number) if number else None)
    return _join(t.text("display.card", label=t.optional(f"display.label.{label}", label)), details, t)


def _code(value) -> str | None:
    return value.text("iataCode") or value.text("name") if isinstance(value, Item) else None


def _logo(item: Item, t: Messages) -> str | None:
    logo = item.text("logo")
    return t.text("display.logo", url=logo) if logo else None


def _deal(item: Item, t: Messages) -> str:
    ends = item.text("availabilityEnds")
    code = item.text("discountCode")
    return _join(t.text("display.deal"), [item.text("description"), t.text("display.code", code=code) if code else None,
                                          t.text("display.ends", date=when(ends, t)) if ends else None], t)


def _carousel(cards: list[Item], t: Messages) -> str:
    if len(cards) == 1:
        headline = cards[0].text("headline")
        return _join(t.text("display.single_image"), [headline, image_url(cards[0])], t)
    return t.text("display.carousel", count=len(cards))


_BUTTONS = {"TrackAction": "track", "ViewAction": "view", "ConfirmAction": "confirm", "SaveAction": "save"}


def _buttons(item: Item, t: Messages) -> list[str]:
    """One line per action button on `item` (the actions of an Order, a ParcelDelivery, ...)."""
    lines = []
    for action in item.values("potentialAction"):
        if not isinstance(action, Item):
            continue
        name = action.text("name") or (t.text(f"display.{_BUTTONS[action.type]}") if action.type in _BUTTONS else action.type)
        lines.append(t.text("display.one_click_button" if action.values("handler") else "display.button", name=name))
    if item.type == "ParcelDelivery" and item.text("trackingUrl") and not any(
        isinstance(a, Item) and a.type == "TrackAction" for a in item.values("potentialAction")
    ):
        lines.append(t.text("display.button", name=t.text("display.track")))
    return lines


_DESCRIBE = {
    "Order": _order,
    "ParcelDelivery": _delivery,
    "Invoice": _invoice,
    "Organization": _logo,
    "DiscountOffer": _deal,
}
