"""Compiled bulk rendering gives byte for byte what the one-message path gives.

For random recipient values (HTML-special characters, quotes, accents, emoji, spaces), each
message the campaign engine builds from the compiled template equals `render()` of that recipient
alone, with the same Message-ID and Date.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from newsletter.render import RenderOptions, render
from newsletter.render.bulk import CampaignRenderer, _Task
from newsletter.render.campaign import compile_campaign
from newsletter.render.pipeline import Campaign, CompiledTemplate, recipient_address
from newsletter.render.recipients import normalise

DATE = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
SALE = json.loads((ROOT / "examples/boutique/sale.json").read_text(encoding="utf-8"))
ORDER = json.loads((ROOT / "examples/boutique/order.json").read_text(encoding="utf-8"))
CAMPAIGN_SALE = {k: v for k, v in SALE.items() if k not in ("email", "first_name")}
CAMPAIGN_ORDER = {k: v for k, v in ORDER.items() if k not in ("email", "first_name", "last_name")}

# Values a row may hold: one with a control character or line separator is rejected before
# rendering (tests/test_headers.py); TAB, CR and LF are whitespace the reader folds.
value = st.text(
    st.one_of(
        st.sampled_from(list("<>&\"' éèàçÉ€«»-%/?#=;:.,!\u00a0\u2019\t\r\n")),
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\ufffe\uffff"),
    ),
    max_size=24,
)
names = st.fixed_dictionaries({"first_name": value, "last_name": value, "city": value, "loyalty": value})


@pytest.fixture(scope="module")
def tricky(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tricky")
    shutil.copy(ROOT / "templates/base.html", folder / "base.html")
    shutil.copy(ROOT / "tests/fixtures/bulk/tricky.html", folder / "tricky.html")
    (folder / "newsletter.toml").write_text(
        'sender_name = "Maison Lumière"\nsender_address = "bonjour@maison-lumiere.example"\n'
        'unsubscribe_url = "https://maison-lumiere.example/u?e={{ email | urlencode }}&v={{ city | urlencode }}"\n'
        'locale = "fr"\n', encoding="utf-8")
    return folder / "tricky.html"


def engines(template: Path, campaign_data: dict, own: set[str]):
    compiled_template = CompiledTemplate.load(template)
    options = RenderOptions(date=DATE)
    campaign = Campaign.prepare(compiled_template, campaign_data, options)
    compiled = compile_campaign(campaign, campaign_data, own)
    return compiled_template, CampaignRenderer(campaign, compiled, campaign_data, None, None), options


def assert_same(template_and_engine, campaign_data: dict, row: dict) -> None:
    compiled_template, engine, options = template_and_engine
    row = normalise(row)
    data = {**campaign_data, **row}
    recipient = recipient_address(None, data)
    fast, _ = engine.message(_Task(1, 2, row, full=False), recipient, "<1.2@maison-lumiere.example>")
    alone = render(compiled_template, data, RenderOptions(date=DATE, message_id="<1.2@maison-lumiere.example>"))
    assert fast == alone.raw


@pytest.fixture(scope="module")
def newsletter_engine():
    return engines(ROOT / "templates/promotional/newsletter.html", CAMPAIGN_SALE, {"first_name", "last_name", "city"})


@pytest.fixture(scope="module")
def sale_engine():
    return engines(ROOT / "templates/promotional/flash-sale.html", CAMPAIGN_SALE, {"first_name", "last_name"})


@pytest.fixture(scope="module")
def order_engine():
    return engines(ROOT / "templates/transactional/order-confirmation.html", CAMPAIGN_ORDER, {"first_name", "last_name"})


@pytest.fixture(scope="module")
def tricky_engine(tricky):
    return engines(tricky, {"shop": SALE["shop"]}, {"first_name", "last_name", "city", "loyalty"})


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(person=names)
def test_newsletter(newsletter_engine, person):
    assert_same(newsletter_engine, CAMPAIGN_SALE, {"email": "zoe@example.net", **person})


@SETTINGS
@given(person=names)
def test_flash_sale(sale_engine, person):
    assert_same(sale_engine, CAMPAIGN_SALE, {"email": "zoe@example.net", **person})


@SETTINGS
@given(person=names)
def test_order_confirmation(order_engine, person):
    assert_same(order_engine, CAMPAIGN_ORDER, {"email": "zoe@example.net", **person})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(person=names, local=st.sampled_from(["zoe", "o'brien", "a+b", "jean-luc"]))
def test_values_in_attributes_urls_json_headings_links_and_tables(tricky_engine, person, local):
    assert_same(tricky_engine, {"shop": SALE["shop"]}, {"email": f"{local}@example.net", **person})


@pytest.mark.parametrize(
    "body, reason",
    [
        ('<p class="tier-{{ tier }}">x</p>', "'class' attribute"),
        ("<style>.x { color: {{ tier }}; }</style><p>x</p>", "<style>"),
        ('<p style="color: {{ tier }}">x</p>', "'style' attribute"),
        ("<!-- {{ tier }} --><p>x</p>", "comment"),
        ("<p>{{ tier | upper }}</p>", "used in an expression"),
        ("{% if tier %}<p>or</p>{% endif %}", "used in an expression"),
        ("<p>{{ tier }}</p>", None),
        ('<a href="https://x.example/?t={{ tier }}" title="{{ tier }}">{{ tier }}</a>', None),
    ],
)
def test_what_cannot_be_compiled_is_refused_with_the_reason(tmp_path, body, reason):
    from newsletter.render.campaign import NotCompilable

    template = tmp_path / "promotional" / "t.html"
    template.parent.mkdir()
    template.write_text("{% block subject %}S{% endblock %}<html><body>" + body + "</body></html>", encoding="utf-8")
    options = RenderOptions(sender="shop@example.com", unsubscribe_url="https://shop.example/u")
    campaign = Campaign.prepare(CompiledTemplate.load(template), {}, options)
    if reason is None:
        compile_campaign(campaign, {}, {"tier"})
    else:
        with pytest.raises(NotCompilable, match=re.escape(reason)):
            compile_campaign(campaign, {}, {"tier"})


@settings(max_examples=1500, deadline=None)
@given(
    tag=st.sampled_from(["a", "img", "td", "form", "input", "option", "link", "area", "div", "blockquote"]),
    name=st.sampled_from(["href", "src", "alt", "title", "action", "value", "selected", "checked", "nohref",
                          "data-x", "background", "cite", "longdesc", "usemap", "name"]),
    value=st.text(st.sampled_from("aZ09._~:/?#[]@!$()*+,;=%&'-{} \"<>é\t\n"), max_size=16),
)
def test_attribute_values_are_written_as_lxml_writes_them(tag, name, value):
    from newsletter.render.campaign import _attribute, _lxml_attribute

    assert _attribute(tag, name, value) == _lxml_attribute(tag, name, value)


# -- the display name from the columns newsletter.toml names (issue 15, item 5) ----------------

@pytest.fixture(scope="module")
def named(tmp_path_factory) -> Path:
    """A project whose list calls its columns prenom and nom, and says so in [recipients]."""
    folder = tmp_path_factory.mktemp("named")
    shutil.copy(ROOT / "templates/base.html", folder / "base.html")
    (folder / "lettre.html").write_text(
        '{% extends "base.html" %}{% block kind %}promotional{% endblock %}'
        "{% block subject %}{{ prenom }}, nos nouvelles{% endblock %}{% block preheader %}Nouvelles{% endblock %}"
        "{% block content %}<p>Bonjour {{ prenom }} {{ nom }},</p>{% endblock %}", encoding="utf-8")
    (folder / "newsletter.toml").write_text(
        'sender_name = "Maison Lumière"\nsender_address = "bonjour@maison-lumiere.example"\n'
        'unsubscribe_url = "https://maison-lumiere.example/u?e={{ email | urlencode }}"\nlocale = "fr"\n'
        '[recipients]\nname = ["prenom", "nom"]\n', encoding="utf-8")
    return folder / "lettre.html"


@pytest.fixture(scope="module")
def named_engine(named):
    return engines(named, {"shop": SALE["shop"]}, {"prenom", "nom"})


def test_the_to_header_carries_the_named_columns_encoded(named_engine):
    _, engine, _ = named_engine
    assert engine.campaign.name_columns == ("prenom", "nom")
    row = {"email": "helene@example.com", "prenom": "Hélène", "nom": "Dupont-Lefèvre"}
    recipient = recipient_address(None, row, engine.campaign.name_columns)
    raw, _ = engine.message(_Task(1, 2, row, full=False), recipient, "<1.2@maison-lumiere.example>")
    header = next(line for line in raw.split(b"\r\n") if line.startswith(b"To:"))
    assert header.startswith(b"To: =?utf-8?") and header.endswith(b"<helene@example.com>")  # RFC 2047: ASCII only
    to = email.message_from_bytes(raw, policy=email.policy.default)["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("Hélène Dupont-Lefèvre", "helene@example.com")
    empty = recipient_address(None, {"email": "zoe@example.com", "prenom": "Zoé", "nom": ""}, ("prenom", "nom"))
    assert empty.display_name == "Zoé"


@SETTINGS
@given(prenom=value, nom=value)
def test_named_columns_bulk_equals_one_message(named, named_engine, prenom, nom):
    _, engine, _ = named_engine
    row = normalise({"email": "zoe@example.net", "prenom": prenom, "nom": nom})
    data = {"shop": SALE["shop"], **row}
    recipient = recipient_address(None, row, engine.campaign.name_columns)  # as the bulk engine reads a row
    fast, _ = engine.message(_Task(1, 2, row, full=False), recipient, "<1.2@maison-lumiere.example>")
    alone = render(named, data, RenderOptions(date=DATE, message_id="<1.2@maison-lumiere.example>"))
    assert fast == alone.raw
