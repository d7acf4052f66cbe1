"""What Gmail would display for the markup: one line per card, button or annotation.

Only describes; whether Gmail actually shows it depends on the findings (and on the sender).
"""

from __future__ import annotations

from .model import Item, Literal, Markup
from .promotions import image_url
from .values import SCHEMA_URL, parse_datetime

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def display(markup: Markup) -> tuple[str, ...]:
    """Lines such as "Track package button" or "Deal badge: -20 %, code BIENVENUE10, ends 31 Dec"."""
    lines: list[str] = []
    cards = [i for i in markup.items if i.type == "PromotionCard"]
    for item in markup.items:
        if item.type == "PromotionCard":
            if item is cards[0]:
                lines.append(_carousel(cards))
            continue
        describe = _DESCRIBE.get(item.type) or (_reservation if item.type.endswith("Reservation") else None)
        if describe:
            lines.append(describe(item))
        lines += _buttons(item)
    return tuple(line for line in lines if line)


def _date(text: str | None, with_time: bool = False) -> str | None:
    parsed = parse_datetime(text or "")
    if parsed is None:
        return text
    shown = f"{parsed.day} {_MONTHS[parsed.month - 1]}"
    if with_time and ("T" in (text or "") or " " in (text or "").strip()):
        shown += f" {parsed:%H:%M}"
    return shown


def _name(value) -> str | None:
    if isinstance(value, Item):
        return value.text("name")
    if isinstance(value, Literal):
        return value.text
    return None


def _join(head: str, parts: list[str | None]) -> str:
    rest = [p for p in parts if p]
    return f"{head}: {', '.join(rest)}" if rest else head


def _order(item: Item) -> str:
    status = SCHEMA_URL.sub("", item.text("orderStatus") or "").removeprefix("Order") or None
    price = item.text("price")
    total = f"{price} {item.text('priceCurrency') or ''}".strip() if price else None
    number = item.text("orderNumber")
    return _join("Order card", [_name(item.first("merchant") or item.first("seller")),
                                f"order {number}" if number else None, total,
                                f"status {status}" if status else None])


def _delivery(item: Item) -> str:
    arrival = item.text("expectedArrivalUntil") or item.text("expectedArrival")
    return _join("Delivery card", [_name(item.first("itemShipped")),
                                   f"by {_name(item.first('carrier') or item.first('provider'))}" if item.values("carrier") or item.values("provider") else None,
                                   f"arriving by {_date(arrival)}" if arrival else None])


def _invoice(item: Item) -> str:
    total = item.first("totalPaymentDue")
    due = item.text("paymentDue") or item.text("paymentDueDate")
    return _join("Bill card", [_name(item.first("provider")),
                               f"{total.text('price')} due" if isinstance(total, Item) and total.text("price") else None,
                               f"by {_date(due)}" if due else None])


def _reservation(item: Item) -> str:
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
        details.append(_date(start, with_time=True) if start else None)
    start = item.text("checkinDate") or item.text("startTime") or item.text("pickupTime")
    details.append(_date(start, with_time=True) if start else None)
    details.append(f"reservation {item.text('reservationNumber')}" if item.text("reservationNumber") else None)
    return _join(f"{label} card", details)


def _code(value) -> str | None:
    return value.text("iataCode") or value.text("name") if isinstance(value, Item) else None


def _logo(item: Item) -> str | None:
    logo = item.text("logo")
    return f"Sender logo: {logo}" if logo else None


def _deal(item: Item) -> str:
    ends = item.text("availabilityEnds")
    code = item.text("discountCode")
    return _join("Deal badge", [item.text("description"), f"code {code}" if code else None,
                                f"ends {_date(ends)}" if ends else None])


def _carousel(cards: list[Item]) -> str:
    if len(cards) == 1:
        headline = cards[0].text("headline")
        return _join("Single image preview", [headline, image_url(cards[0])])
    return f"Product carousel: {len(cards)} images"


def _buttons(item: Item) -> list[str]:
    """One line per action button on `item` (the actions of an Order, a ParcelDelivery, ...)."""
    lines = []
    for action in item.values("potentialAction"):
        if not isinstance(action, Item):
            continue
        name = action.text("name")
        default = {"TrackAction": "Track package", "ViewAction": "View", "ConfirmAction": "Confirm", "SaveAction": "Save"}.get(action.type, action.type)
        kind = "one-click button" if action.values("handler") else "button"
        lines.append(f"{name or default} {kind}")
    if item.type == "ParcelDelivery" and item.text("trackingUrl") and not any(
        isinstance(a, Item) and a.type == "TrackAction" for a in item.values("potentialAction")
    ):
        lines.append("Track package button")
    return lines


_DESCRIBE = {
    "Order": _order,
    "ParcelDelivery": _delivery,
    "Invoice": _invoice,
    "Organization": _logo,
    "DiscountOffer": _deal,
}
