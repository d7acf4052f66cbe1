"""Gmail's rules: every valid example passes, every invalid variant gives its finding."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from newsletter.findings import Severity
from newsletter.markup import display, extract, validate
from newsletter.render import html_to_text

FIXTURES = Path(__file__).parent / "fixtures" / "markup"
NOW = datetime(2025, 12, 1, tzinfo=timezone.utc)
SCRIPT = re.compile(r'<script type="application/ld\+json">\s*(.*?)\s*</script>', re.DOTALL)


def _check(html: str, kind=None, now=NOW, visible=None):
    markup = extract(html, "t.html")
    text = html_to_text(html) if visible is None else visible
    return validate(markup, kind=kind, now=now, visible_text=text)


def _page(data, body: str = "") -> str:
    return f'<html><head><script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script></head><body>{body}</body></html>'


def _fixture_json(name: str):
    return json.loads(SCRIPT.search((FIXTURES / f"{name}.jsonld.html").read_text()).group(1))


def _rules(findings, severity=None):
    return sorted({f.rule for f in findings if severity is None or f.severity is severity})


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.html")), ids=lambda p: p.stem)
def test_every_valid_example_has_no_error_or_warning(path):
    html = path.read_text()
    findings = _check(html)
    assert [f.format() for f in findings if f.severity is not Severity.INFO] == []
    assert _rules(findings) == ["M021", "M022"]  # the context notes, and nothing else
    assert display(extract(html)), "Gmail would display something for every example"


@pytest.mark.parametrize("name", ["order", "parcel-delivery", "view-action", "promotions"])
def test_json_ld_and_microdata_give_the_same_findings(name):
    def shape(path):
        return [(f.rule, f.message) for f in _check(path.read_text(), kind="transactional", now=datetime(2030, 1, 1, tzinfo=timezone.utc), visible="")]
    json_ld = shape(FIXTURES / f"{name}.jsonld.html")
    microdata = shape(FIXTURES / f"{name}.microdata.html")
    if name == "promotions":  # the microdata variant has no carousel
        json_ld = [f for f in json_ld if "PromotionCard" not in f[1]]
    assert json_ld == microdata
    assert any(rule == "M011" for rule, _ in json_ld) if name == "promotions" else True


def _without(data, path):
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = data
    for name in parents:
        node = node[name]
    del node[last]
    return data


def _with(data, path, value):
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = data
    for name in parents:
        node = node[name]
    node[last] = value
    return data


def _renamed(data, old, new):
    data = copy.deepcopy(data)
    data[new] = data.pop(old)
    return data


ORDER = _fixture_json("order")
DELIVERY = _fixture_json("parcel-delivery")
CONFIRM = _fixture_json("confirm-action")

INVALID = [
    ("order-missing-offer-price", _without(ORDER, "acceptedOffer.price"), "M005", "acceptedOffer.price"),
    ("order-missing-merchant", _without(ORDER, "merchant"), "M005", "'merchant' (or seller)"),
    ("order-missing-status", _without(ORDER, "orderStatus"), "M006", "orderStatus"),
    ("order-decimal-comma", _with(ORDER, "price", "59,90"), "M007", "decimal comma"),
    ("order-currency-symbol", _with(ORDER, "priceCurrency", "€"), "M007", "write 'EUR'"),
    ("order-status-not-enum", _with(ORDER, "orderStatus", "Processing"), "M007", "not a OrderStatus"),
    ("order-misspelt-property", _renamed(ORDER, "orderNumber", "ordernumber"), "M004", "did you mean 'orderNumber'"),
    ("order-misspelt-type", _with(ORDER, "@type", "Oder"), "M003", "did you mean 'Order'"),
    ("order-product-http", _with(ORDER, "acceptedOffer.itemOffered.url", "http://boutique.example/p"), "M008", "http: URL"),
    ("order-action-http", _with(ORDER, "potentialAction.url", "http://boutique.example/o"), "M009", "http: URL"),
    ("order-date-no-zone", _with(ORDER, "orderDate", "2025-11-20T10:15:00"), "M010", "no time zone"),
    ("order-old-action-property", _renamed(ORDER, "potentialAction", "action"), "M018", "potentialAction"),
    ("order-action-name-caps", _with(ORDER, "potentialAction.name", "VOIR LA COMMANDE"), "M017", "all capitals"),
    ("order-action-name-punctuation", _with(ORDER, "potentialAction.name", "Voir la commande !"), "M017", "punctuation"),
    ("order-untyped-nested", _without(ORDER, "merchant.@type"), "M023", "no @type"),
    ("order-no-context", _without(ORDER, "@context"), "M002", "@context"),
    ("order-wrong-nested-type", _with(ORDER, "merchant", {"@type": "PostalAddress", "name": "X"}), "M007", "not a PostalAddress"),
    ("delivery-missing-postcode", _without(DELIVERY, "deliveryAddress.postalCode"), "M005", "deliveryAddress.postalCode"),
    ("delivery-arrival-date-only-ok-but-bad", _with(DELIVERY, "expectedArrivalUntil", "24/11/2025"), "M007", "ISO 8601"),
    ("delivery-missing-tracking", _without(DELIVERY, "trackingUrl"), "M006", "trackingUrl"),
    ("confirm-missing-handler-url", _without(CONFIRM, "potentialAction.handler.url"), "M005", "handler.url"),
    ("confirm-handler-http", _with(CONFIRM, "potentialAction.handler.url", "http://x.example/a"), "M009", "HttpActionHandler.url"),
]


@pytest.mark.parametrize("data, rule, text", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_variant_gives_its_finding(data, rule, text):
    findings = _check(_page(data))
    assert any(f.rule == rule and text in f.message for f in findings), [f.format() for f in findings]


def test_alternatives_from_the_type_pages_are_accepted():
    """Use-case page and type page disagree: seller for merchant, expectedArrival, carrier as text, target."""
    order = _renamed(ORDER, "merchant", "seller")
    delivery = _renamed(_with(DELIVERY, "carrier", "Colissimo"), "expectedArrivalUntil", "expectedArrival")
    delivery = _with(delivery, "potentialAction", {"@type": "TrackAction", "target": "https://suivi.example/x"})
    for data in (order, delivery):
        assert _rules(_check(_page(data)), Severity.ERROR) == []


def _errors_and_warnings(data):
    return [f.format() for f in _check(_page(data)) if f.severity is not Severity.INFO]


def test_what_googles_own_reservation_examples_write_is_accepted():
    """Patterns from Google's published examples, on our fixtures: the older status name, a
    Gmail RentalCar, an Event subtype, a ConfirmAction that is a link, EditAction, a bus company
    as text, a typed ParcelService, a train without underName, Gmail's ticket/membership terms."""
    flight = _with(_fixture_json("flight-reservation"), "reservationStatus", "http://schema.org/Confirmed")
    flight = _with(flight, "programMembership", {"@type": "ProgramMembership", "memberNumber": "4BY123", "program": "Flying Blue"})
    flight = _with(flight, "airplaneSeatClass", {"@type": "AirplaneSeatClass", "name": "Business"})
    car = _with(_fixture_json("rental-car-reservation"), "reservationFor.@type", "RentalCar")
    car = _with(car, "potentialAction", [{"@type": "ConfirmAction", "target": "https://loc.example/c/1"},
                                         {"@type": "EditAction", "target": "https://loc.example/e/1"}])
    event = _with(_fixture_json("event-reservation"), "reservationFor.@type", "MusicEvent")
    bus = _with(_fixture_json("bus-reservation"), "reservationFor.busCompany", "FlixBus")
    delivery = _with(DELIVERY, "hasDeliveryMethod", {"@type": "ParcelService"})
    for data in (flight, car, event, bus, delivery):
        assert _rules(_check(_page(data)), Severity.ERROR) == [], _errors_and_warnings(data)
        assert not {"M003", "M004", "M007"} & set(_rules(_check(_page(data)))), _errors_and_warnings(data)
    train = _without(_fixture_json("train-reservation"), "underName")
    assert _rules(_check(_page(train)), Severity.ERROR) == []
    assert "Train" in next(f.message for f in _check(_page(train)) if f.rule == "M006" and "underName" in f.message)
    no_arrival = _without(_fixture_json("train-reservation"), "reservationFor.arrivalTime")  # the type page requires it
    assert any(f.rule == "M005" and "arrivalTime" in f.message for f in _check(_page(no_arrival)))
    hotel = _without(_fixture_json("hotel-reservation"), "underName")  # still required elsewhere
    assert any(f.rule == "M005" and "underName" in f.message for f in _check(_page(hotel)))
    link_only = _with(_fixture_json("rental-car-reservation"), "potentialAction", {"@type": "ConfirmAction"})
    assert any(f.rule == "M005" and "'handler' (or target)" in f.message for f in _check(_page(link_only)))


def test_invoice_due_date_by_either_name_as_in_googles_example():
    """Google's invoice example says paymentDue; schema.org now says paymentDueDate."""
    invoice = _fixture_json("invoice")
    googles = _renamed(invoice, "paymentDueDate", "paymentDue")
    for data in (invoice, googles):
        assert _rules(_check(_page(data))) == ["M021", "M022"]
        assert display(extract(_page(data))) == ("Bill card: Énergie Verte, €70.00 due, by 15 Dec",)  # the amount with its currency
    undated = _without(invoice, "paymentDueDate")
    assert [f.message for f in _check(_page(undated)) if f.rule == "M006"] == [
        "Invoice: recommended property 'paymentDue' (or paymentDueDate) is missing"]


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(["merchant", "orderNumber", "price", "priceCurrency", "acceptedOffer"]), min_size=1))
def test_each_removed_required_property_is_reported_once(removed):
    data = {k: v for k, v in ORDER.items() if k not in removed}
    missing = {re.search(r"'([\w.]+)'", f.message).group(1) for f in _check(_page(data)) if f.rule == "M005"}
    assert missing == removed


def test_gmail_extensions_are_not_unknown_types():
    findings = _check((FIXTURES / "promotions.jsonld.html").read_text()) + _check((FIXTURES / "save-action.jsonld.html").read_text())
    assert not [f for f in findings if f.rule in ("M003", "M004")]


# -- Promotions tab -----------------------------------------------------------------------------

PROMO = json.loads(SCRIPT.search((FIXTURES / "promotions.jsonld.html").read_text()).group(1))
OFFER = PROMO[1]
CARD = PROMO[2]


def test_discount_offer_expiry_depends_on_now():
    html = _page([OFFER], "<p>code BIENVENUE10</p>")
    before = datetime(2025, 12, 31, 22, 58, tzinfo=timezone.utc)  # 23:58 in Paris
    after = datetime(2025, 12, 31, 23, 0, tzinfo=timezone.utc)
    assert "M011" not in _rules(_check(html, now=before))
    [expired] = [f for f in _check(html, now=after) if f.rule == "M011"]
    assert "2025-12-31T23:59:00+01:00" in expired.message


def test_discount_code_must_be_visible():
    assert "M012" in _rules(_check(_page([OFFER], "<p>Soldes !</p>")))
    assert "M012" not in _rules(_check(_page([OFFER], "<p>Code : <b>bienvenue10</b></p>")))
    # hidden in an attribute or in the markup itself does not count as visible
    assert "M012" in _rules(_check(_page([OFFER], '<img alt="x" src="https://a.example/BIENVENUE10.png">')))


def _cards(n, size=(1080, 1080), same_image=False):
    cards = [dict(CARD, image=f"https://a.example/{0 if same_image else i}.jpg", position=str(i + 1)) for i in range(n)]
    imgs = "".join(f'<img src="https://a.example/{i}.jpg" width="{size[0]}" height="{size[1]}">' for i in range(n))
    return cards, imgs


def test_carousel_of_more_than_ten_cards():
    cards, imgs = _cards(11)
    assert "M013" in _rules(_check(_page(cards, imgs)))
    cards, imgs = _cards(10)
    assert "M013" not in _rules(_check(_page(cards, imgs)))


def test_carousel_images_must_be_unique():
    cards, imgs = _cards(3, same_image=True)
    assert "M014" in _rules(_check(_page(cards, imgs)))


def test_carousel_shares_one_supported_ratio():
    cards, _ = _cards(2)
    mixed = '<img src="https://a.example/0.jpg" width="1080" height="1350"><img src="https://a.example/1.jpg" width="1080" height="1080">'
    assert "M015" in _rules(_check(_page(cards, mixed)))
    odd = '<img src="https://a.example/0.jpg" width="1000" height="300"><img src="https://a.example/1.jpg" width="1000" height="300">'
    assert _rules(_check(_page(cards, odd)), Severity.WARNING) == ["M016"]
    unknown = _check(_page(cards))  # no dimensions known: nothing to say about ratios
    assert not {"M015", "M016"} & set(_rules(unknown))


def test_single_image_preview_is_191_to_1():
    square = '<img src="https://a.example/0.jpg" width="1080" height="1080">'
    wide = '<img src="https://a.example/0.jpg" width="1200" height="628">'
    card = [dict(CARD, image="https://a.example/0.jpg")]
    assert "M016" in _rules(_check(_page(card, square)))
    assert "M016" not in _rules(_check(_page(card, wide)))


def test_image_object_dimensions_are_used():
    cards = [dict(CARD, image={"@type": "ImageObject", "url": f"https://a.example/{i}.jpg", "width": w, "height": h})
             for i, (w, h) in enumerate([(1080, 1080), (1200, 628)])]
    assert "M015" in _rules(_check(_page(cards)))


# -- kind consistency ---------------------------------------------------------------------------

def test_promotional_mail_with_order_markup_is_an_error():
    html = (FIXTURES / "order.jsonld.html").read_text()
    assert "M019" in _rules(_check(html, kind="promotional"))
    assert not {"M019", "M020"} & set(_rules(_check(html, kind="transactional")))
    assert not {"M019", "M020"} & set(_rules(_check(html)))  # kind unknown: not judged


def test_transactional_mail_with_promotions_annotations_is_an_error():
    html = (FIXTURES / "promotions.jsonld.html").read_text()
    kinds = [f for f in _check(html, kind="transactional") if f.rule == "M020"]
    assert {f.message.split()[-1] for f in kinds} == {"Organization", "DiscountOffer", "PromotionCard"}
    assert "M020" not in _rules(_check(html, kind="promotional"))


def test_actions_fit_either_kind_and_nested_organizations_are_not_logos():
    for name in ("view-action", "confirm-action", "order"):
        html = (FIXTURES / f"{name}.jsonld.html").read_text()
        assert "M020" not in _rules(_check(html, kind="transactional"))
    assert "M019" not in _rules(_check((FIXTURES / "view-action.jsonld.html").read_text(), kind="promotional"))


def test_no_markup_no_findings():
    assert _check("<html><body><p>Bonjour</p></body></html>") == ()


def test_display_lines():
    html = _page([OFFER])
    assert display(extract(html)) == ("Deal badge: -20 %, code BIENVENUE10, ends 31 Dec",)
    delivery = _without(DELIVERY, "potentialAction")
    assert display(extract(_page(delivery)))[-1] == "Track package button"
