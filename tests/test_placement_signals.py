"""Each signal of the placement model, measured on small hand-written messages (French and
English), and its effect on the scores."""

from __future__ import annotations

import pytest

from newsletter.lint import LintInput, Origin
from newsletter.html.dom import parse_html
from newsletter.markup import extract
from newsletter.placement import extract_signals, knowledge, tab_scores
from newsletter.placement.knowledge import Vocabulary, fold


def item(body: str, subject: str | None = None, head: str = "") -> LintInput:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return LintInput(path="t.html", origin=Origin.HTML, html=html, document=parse_html(html), subject=subject)


def signals(body: str, subject: str | None = None, sender: str | None = None, head: str = ""):
    lint_input = item(body, subject, head)
    return extract_signals(lint_input, extract(lint_input.html), sender)


def promotions(body: str, **kw) -> float:
    return tab_scores(signals(body, **kw))[0]


def updates(body: str, **kw) -> float:
    return tab_scores(signals(body, **kw))[1]


NEUTRAL = "<p>Bonjour Camille, voici quelques nouvelles de l'atelier et de notre équipe cette année.</p>"
NEUTRAL_EN = "<p>Hello Sam, here is a short note about what our team has been doing this year.</p>"


def test_fold_ignores_case_accents_and_apostrophes():
    assert fold("  Réduction  d’ÉTÉ ") == "reduction d'ete"


def test_vocabulary_matches_whole_words_and_symbols():
    vocabulary = Vocabulary.of(["sale", "% off", "jusqu'à"])
    assert vocabulary.distinct(fold("SALE! 50% off, jusqu’à demain")) == ("sale", "% off", "jusqu'à")
    assert vocabulary.distinct(fold("wholesale salesman")) == ()


@pytest.mark.parametrize("text", [
    "<p>Soldes d'hiver : profitez de la livraison offerte et de notre vente flash !</p>",
    "<p>Winter sale: shop now, free shipping on our best sellers, limited time.</p>",
])
def test_promotional_wording_pushes_towards_promotions(text):
    found = signals(NEUTRAL + text)
    assert len(found.promo_phrases) >= 3
    assert promotions(NEUTRAL + text) > promotions(NEUTRAL) + 1


@pytest.mark.parametrize("text, expected", [
    ("<p>Tout à -50 % ce week-end.</p>", "-50 %"),
    ("<p>Now 30% off everything.</p>", "30% off"),
    ("<p>Jusqu'à -40% sur les bougies.</p>", "-40%"),
])
def test_discounts_are_found_in_french_and_english(text, expected):
    found = signals(text)
    assert any(expected in d for d in found.discounts), found.discounts
    assert promotions(text) > promotions("<p>Ce week-end à l'atelier.</p>")


def test_prices_in_euros_and_dollars_are_counted():
    assert signals("<p>Bougie 24,90 € — plaid 59 € — mug $12.50 — 15 EUR</p>").prices == 4


@pytest.mark.parametrize("text", [
    "<p>Votre commande n° 10482 est confirmée. Voici votre facture et le reçu de paiement.</p>",
    "<p>Your order #A-10482 is confirmed. Here is your invoice and the receipt for your payment.</p>",
])
def test_transactional_wording_and_references_push_away_from_promotions(text):
    found = signals(text)
    assert found.reference_numbers and len(found.transactional_phrases) >= 3
    assert found.transactional_headline
    assert promotions(NEUTRAL + text) < promotions(NEUTRAL) - 2
    assert updates(NEUTRAL + text) > updates(NEUTRAL) + 1


def test_reset_password_in_english_is_transactional():
    body = "<p>You recently requested to reset your password. Use the button below to reset it.</p>"
    assert promotions(body) < 0
    assert "reset your password" in signals(body).transactional_phrases


def test_template_placeholder_named_after_an_order_is_a_reference():
    assert signals("<p>Invoice {{ invoice_id }}</p>").reference_numbers == ("{{ invoice_id }}",)


def test_coupon_at_the_bottom_of_a_receipt_weighs_less_than_an_offer_up_front():
    filler = " ".join(["Thank you for your purchase, we hope you enjoy it."] * 8)
    receipt_then_coupon = f"<p>Here is the receipt for your order #1042.</p><p>{filler}</p><p>10% off your next purchase!</p>"
    coupon_first = f"<p>10% off your next purchase!</p><p>{filler}</p><p>Here is the receipt for your order #1042.</p>"
    assert promotions(receipt_then_coupon) < promotions(coupon_first)


def test_promotional_subject_counts():
    assert signals(NEUTRAL, subject="Soldes : -30 % sur tout").promo_subject == ("soldes",)
    assert promotions(NEUTRAL, subject="Soldes : -30 % sur tout") > promotions(NEUTRAL, subject="Nouvelles de l'atelier")


def test_order_markup_and_promotions_annotations():
    order = ('<script type="application/ld+json">{"@context": "http://schema.org", "@type": "Order", '
             '"orderNumber": "1042", "merchant": {"@type": "Organization", "name": "Shop"}}</script>')
    offer = ('<script type="application/ld+json">{"@context": "http://schema.org", "@type": "DiscountOffer", '
             '"description": "20% off", "discountCode": "HIVER"}</script>')
    assert signals(NEUTRAL, head=order).transactional_markup == ("Order",)
    assert signals(NEUTRAL, head=offer).promotions_markup == ("DiscountOffer",)
    # Order markup tells Updates from Primary (hand-set); the fit keeps it from pulling towards
    # Promotions (its documented direction) but found no labelled evidence to size it.
    assert promotions(NEUTRAL, head=order) <= promotions(NEUTRAL)
    assert updates(NEUTRAL, head=order) >= updates(NEUTRAL) + 1
    # Its documented weight (prior 2.0, which no labelled mail could size) times the calibration.
    assert promotions(NEUTRAL, head=offer) >= promotions(NEUTRAL) + 1


def test_images_and_image_heavy_layout():
    images = "".join(f'<img src="https://cdn.example.com/{n}.jpg" width="600" alt="">' for n in range(6))
    found = signals(images + "<p>Nouvelle collection</p>")
    assert found.images == 6 and found.image_heavy
    # The issue: every designed email has images; they must not make a message promotional alone.
    assert 0 <= promotions(images + NEUTRAL) - promotions(NEUTRAL) < 1


def test_tracking_pixels_and_icons_are_not_images():
    body = NEUTRAL + '<img src="https://t.example.com/p.gif" width="1" height="1"><img src="x.png" width="24">'
    assert signals(body).images == 0


def test_links_domains_and_buttons():
    links = "".join(f'<a href="https://site{n}.example/p">Produit numéro {n}</a> ' for n in range(10))
    button = ('<table><tr><td bgcolor="#c00"><a href="https://shop.example/">Voir</a></td></tr></table>'
              '<a href="https://shop.example/b" style="background-color:#000;padding:12px">Acheter</a>'
              '<a class="btn" href="https://shop.example/c">Découvrir</a>')
    found = signals(NEUTRAL + links + button)
    assert found.links == 13 and found.link_domains == 11 and found.buttons == 3
    # Layout is no evidence of Promotions (informational newsletters have it too): it weighs little.
    assert abs(promotions(NEUTRAL + links + button) - promotions(NEUTRAL)) < 2


def test_navigation_menu_before_the_content_but_not_a_footer():
    menu = "<table><tr>" + "".join(f'<td><a href="https://shop.example/{w}">{w}</a></td>' for w in ("Femme", "Homme", "Maison")) + "</tr></table>"
    text = "<p>" + " ".join(["Une longue phrase pour le contenu principal du message."] * 3) + "</p>"
    assert signals(menu + text).navigation
    assert not signals(text + menu).navigation


def test_unsubscribe_link_in_french_and_list_unsubscribe_header():
    assert signals(NEUTRAL + '<a href="https://shop.example/u">Se désinscrire</a>').unsubscribe_link
    assert signals(NEUTRAL_EN + '<a href="https://shop.example/unsubscribe?id=1">here</a>').unsubscribe_link
    assert not signals(NEUTRAL).unsubscribe_link


def test_sender_local_part():
    assert signals(NEUTRAL, sender="no-reply@shop.example").noreply_sender
    assert signals(NEUTRAL, sender="newsletter@shop.example").marketing_sender
    assert signals(NEUTRAL, sender="promo.hiver@shop.example").marketing_sender
    assert not signals(NEUTRAL, sender="camille@shop.example").marketing_sender
    assert updates(NEUTRAL, sender="noreply@shop.example") > updates(NEUTRAL, sender="camille@shop.example")
    assert promotions(NEUTRAL, sender="offers@shop.example") > promotions(NEUTRAL, sender="camille@shop.example")


def test_short_plain_message_reads_as_personal():
    assert signals(NEUTRAL).short_text
    assert tab_scores(signals(NEUTRAL))[1] < knowledge().updates_threshold


def test_every_weight_names_a_signal_the_model_produces():
    from newsletter.placement import AuthSignals
    produced = set(signals(NEUTRAL).values()) | set(AuthSignals().values()) | {
        "spamassassin", "no_unsubscribe", "no_list_unsubscribe"}  # the last two: check._spam_signals
    for weight in knowledge().weights:
        assert weight.text, weight.signal
        assert weight.signal in produced or weight.rules, f"{weight.score}.{weight.signal} is never measured"


def test_image_heavy_is_lints_image_only_threshold():
    """One definition: a message lint does not call image-only is not image-heavy for placement."""
    from newsletter.lint.data import limits

    per_image = limits().min_words_per_image
    picture = '<img src="https://cdn.example.com/a.jpg" width="600" alt="">'
    words = " ".join(["bougie"] * per_image)
    assert not signals(picture + f"<p>{words}</p>").image_heavy
    assert signals(picture + f"<p>{' '.join(['bougie'] * (per_image - 2))}</p>").image_heavy


def test_icons_are_as_wide_as_the_knowledge_says():
    cutoff = knowledge().structure.icon_max_width
    assert signals(NEUTRAL + f'<img src="x.png" width="{cutoff}">').images == 0
    assert signals(NEUTRAL + f'<img src="x.png" width="{cutoff + 1}">').images == 1


def test_links_count_only_beyond_their_free_allowance():
    free = knowledge().structure.free["links"]
    links = "".join(f'<a href="https://shop.example/{n}">lien {n}</a> ' for n in range(free + 3))
    assert signals(f"<p>{links}</p>").values()["links"] == 3
