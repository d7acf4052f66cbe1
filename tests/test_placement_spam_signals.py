"""The signals added for the spam model in the spirit of SpamAssassin's local rules, and those
that say how a message sells or how personal it reads, measured on real files (.eml read as
`newsletter check` reads them) and small hand-written HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.lint import load_input
from newsletter.markup import extract
from newsletter.placement import Signals, extract_signals, knowledge
from newsletter.placement.model import score

from test_placement_signals import NEUTRAL, NEUTRAL_EN, signals


def eml(tmp_path: Path, headers: str, body: str = "<html><body><p>Hello Sam, here is our note.</p></body></html>",
        content: str = "Content-Type: text/html; charset=utf-8\n") -> Signals:
    path = tmp_path / "m.eml"
    path.write_bytes((headers + "MIME-Version: 1.0\n" + content + "\n" + body + "\n").encode("utf-8"))
    item = load_input(path)
    return extract_signals(item, extract(item.html) if item.html else None)


WELL_FORMED = ("From: Shop <news@shop.example>\nTo: sam@example.com\nSubject: Hello\n"
               "Date: Mon, 02 Sep 2024 10:00:00 +0200\nMessage-ID: <a1@shop.example>\n")


@pytest.mark.parametrize("text, found", [
    ("<p>Get it F R E E today</p>", "F R E E"),
    ("<p>Cheap v1agra here</p>", "v1agra"),
    ("<p>Make m0ney fast, c.a.s.h now</p>", "m0ney"),
])
def test_words_disguised_from_filters_are_found(text, found):
    assert found in signals(NEUTRAL_EN + text).obfuscated_words


@pytest.mark.parametrize("text", [
    "<p>Our MP3 player, B2B offers, Covid19 news, the U.S.A. team and a 4K screen.</p>",
    "<p>Write to camille@shop.example, see shop.example/a1b2.</p>",
])
def test_ordinary_words_with_digits_are_not_obfuscation(text):
    assert signals(NEUTRAL_EN + text).obfuscated_words == ()


def test_links_to_a_numeric_ip_address():
    found = signals(NEUTRAL_EN + '<a href="http://192.0.2.7/win">claim</a> <a href="https://shop.example/a">shop</a>'
                    "<p>or visit http://198.51.100.4/x</p>")
    assert set(found.ip_links) == {"192.0.2.7", "198.51.100.4"}
    assert signals(NEUTRAL_EN + '<a href="https://shop.example/a">shop</a>').ip_links == ()


def test_money_and_urgency_wording_in_french_and_english():
    found = signals("<p>Rachat de crédit sans frais : répondez vite, offre limitée !</p>")
    assert {"rachat de crédit", "sans frais"} <= set(found.money_phrases)
    assert {"répondez vite", "offre limitée"} <= set(found.urgency_phrases)
    assert signals(NEUTRAL).money_phrases == () and signals(NEUTRAL).urgency_phrases == ()


def test_hidden_text_counts_words_hidden_by_style():
    found = signals(NEUTRAL + '<div style="display:none">un deux trois quatre</div>'
                    '<span style="display:none"><b>cinq six</b></span>')
    assert found.hidden_words == 6
    assert signals(NEUTRAL).hidden_words == 0


def test_received_message_headers_not_in_rfc_5322_form(tmp_path):
    odd = eml(tmp_path, "From: a@spam.example\nTo: undisclosed-recipients:;\nSubject: hi\n"
                        "Date: 12/08/2002 10:00\nMessage-ID: 1234567\n")
    assert set(odd.odd_headers) == {"Message-ID", "Date"} and odd.hidden_recipients
    good = eml(tmp_path, WELL_FORMED)
    assert good.odd_headers == () and not good.hidden_recipients


def test_an_html_file_is_not_judged_on_headers_it_cannot_have():
    found = signals(NEUTRAL)  # no message: a template or HTML as sent, whose headers the platform adds
    assert found.odd_headers == () and not found.hidden_recipients


def test_text_in_base64(tmp_path):
    import base64
    body = base64.b64encode(b"<html><body><p>Hello Sam</p></body></html>").decode()
    assert eml(tmp_path, WELL_FORMED, body, "Content-Type: text/html\nContent-Transfer-Encoding: base64\n").base64_text
    assert not eml(tmp_path, WELL_FORMED).base64_text


@pytest.mark.parametrize("headers, platform", [
    ("X-Mailer: MailChimp Mailer - **CID123\n", "Mailchimp"),
    ("X-SES-Outgoing: 2019.10.01-54.240.1.1\n", "Amazon SES"),
    ("Precedence: bulk\n", "a mailing-list or bulk sender"),
    ("X-Mailer: Thunderbird\n", None),
])
def test_sending_platform_from_its_headers(tmp_path, headers, platform):
    assert eml(tmp_path, WELL_FORMED + headers).sending_platform == platform


def test_every_platform_cites_its_source():
    import tomllib
    from newsletter.checkfiles import read_check
    raw = tomllib.loads(read_check("placement-platforms.toml"))
    assert raw["platform"] and all(p["source"] and p["markers"] for p in raw["platform"])
    assert len(knowledge().platforms) == len(raw["platform"])


def test_reply_to_a_person_not_a_service(tmp_path):
    assert eml(tmp_path, WELL_FORMED + "Reply-To: Camille Martin <camille.martin@shop.example>\n").reply_to_person
    assert not eml(tmp_path, WELL_FORMED + "Reply-To: service-client@shop.example\n").reply_to_person
    assert not eml(tmp_path, WELL_FORMED + "Reply-To: noreply@shop.example\n").reply_to_person
    assert not eml(tmp_path, WELL_FORMED).reply_to_person


def test_greeting_by_name_and_plain_text(tmp_path):
    assert signals("<p>Bonjour Camille, votre colis arrive.</p>").greeting == "Bonjour Camille,"
    assert signals("<p>Hi Sam! Quick note.</p>").greeting == "Hi Sam!"
    assert signals("<p>Bonjour à tous, voici la lettre.</p>").greeting is None
    plain = eml(tmp_path, WELL_FORMED, "Hi Sam,\n\nSee you tomorrow.\n\nJo", "Content-Type: text/plain; charset=utf-8\n")
    assert plain.plain_text_only and plain.greeting == "Hi Sam,"
    assert not signals(NEUTRAL).plain_text_only


def test_selling_links_view_online_and_donations():
    found = signals('<p><a href="https://shop.example/fr/panier">Voir la version en ligne</a></p>' + NEUTRAL
                    + '<p><a href="https://secure.actblue.com/donate/x">Faire un don</a></p>'
                    '<p><a href="https://shop.example/collections/hiver">Hiver</a></p>'
                    '<p><a href="https://shop.example/about-us">Nous</a></p>')
    assert found.selling_links == 3 and found.view_online
    assert "faire un don" in found.donation_phrases
    assert not signals(NEUTRAL).view_online and signals(NEUTRAL).selling_links == 0


def test_new_signals_enter_the_models_as_readable_reasons():
    """Every new signal has a weight row (fitted, possibly 0) with a text saying what it is."""
    known = knowledge()
    spam = {w.signal: w for w in known.spam_content.weights}
    promotions = {w.signal: w for w in known.promotions.weights}
    assert {"money_phrases", "urgency_phrases", "obfuscated_words", "base64_text", "ip_links", "odd_headers",
            "hidden_recipients", "hidden_text", "link_density"} <= set(spam)
    assert {"donation_phrases", "selling_links", "view_online", "sending_platform", "greeting",
            "reply_to_person", "plain_text_only"} <= set(promotions)
    obfuscated = signals(NEUTRAL_EN + "<p>F R E E v1agra</p>")
    _, reasons = score(known.spam_content, obfuscated.values(), obfuscated.terms)
    if spam["obfuscated_words"].weight:
        assert any(r.signal == "obfuscated_words" and "disguised" in r.text for r in reasons)
