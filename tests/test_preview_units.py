"""The preview's pieces without a browser: Promotions card, watched files, snapshots, the
placement seam, browser discovery, and the HTTP endpoints of a real server on loopback."""

from __future__ import annotations

import json
import os
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from newsletter.errors import NewsletterError
from newsletter.markup import extract
from newsletter.render import Kind
from newsletter.i18n import messages
from newsletter.preview import (
    PreviewServer,
    PreviewSource,
    Previewer,
    build_snapshot,
    find_browser,
    fingerprint,
    promotions_card,
    render_preview,
    watched_files,
)
from preview_helpers import FLASH_SALE, ORDER, ORDER_DATA, SALE, copy_starters, running_server


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# -- Promotions card --------------------------------------------------------------------------

def test_promotions_card_comes_from_the_annotations():
    card = promotions_card(extract(render_preview(PreviewSource(FLASH_SALE, SALE)).html))
    assert card is not None
    assert card.logo == "https://maison-lumiere.example/img/logo-maison-lumiere.png"
    assert (card.deal.description, card.deal.code, card.deal.ends) == ("-30\u00a0%", "HIVER30", "31 Jan")
    assert [p.headline for p in card.products] == [
        "Bougie parfumée « Figuier »", "Bougie « Feu de bois »", "Plaid en laine d'Auvergne", "Coffret « Soirée d'hiver »"]
    assert card.products[0].image.endswith("bougie-figuier-600x600.jpg")
    assert (card.products[0].price, card.products[0].currency) == ("24.00", "EUR")


def test_the_card_writes_prices_and_dates_in_the_locale_given():
    markup = extract(render_preview(PreviewSource(FLASH_SALE, SALE)).html)
    french, english = promotions_card(markup, messages("fr")), promotions_card(markup, messages("en"))
    assert (french.deal.ends, french.deal.expires) == ("31 janv.", "expire le 31 janv.")
    assert (english.deal.ends, english.deal.expires) == ("31 Jan", "Expires 31 Jan")
    assert [p.price_shown for p in french.products] == [f"{n},00\u00a0€" for n in (24, 26, 89, 59)]
    assert english.products[2].price_shown == "€89.00"


def test_no_annotations_no_card():
    assert promotions_card(extract("<html><body><p>Bonjour</p></body></html>")) is None


def test_microdata_annotations_make_the_same_card():
    html = """<div itemscope itemtype="http://schema.org/DiscountOffer">
      <meta itemprop="description" content="-20 %"><meta itemprop="discountCode" content="ETE20">
      <meta itemprop="availabilityEnds" content="2027-08-31T23:59:00+02:00"></div>"""
    card = promotions_card(extract(html))
    assert (card.deal.description, card.deal.code, card.deal.ends) == ("-20 %", "ETE20", "31 Aug")
    assert card.logo is None and card.products == ()


# -- what is watched --------------------------------------------------------------------------

def test_watched_files_are_template_layout_data_and_config(tmp_path):
    root = copy_starters(tmp_path)
    template = root / "templates" / "promotional" / "flash-sale.html"
    watched = watched_files(template, root / "data" / "sale.json")
    assert watched == (template.resolve(), (root / "templates" / "base.html").resolve(),
                       (root / "data" / "sale.json").resolve(), (root / "newsletter.toml").resolve())


def test_includes_are_followed_recursively(tmp_path):
    (tmp_path / "mail.html").write_text('{% extends "layout.html" %}')
    (tmp_path / "layout.html").write_text('{% include "parts/footer.html" %}')
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "footer.html").write_text('{% import "macros.html" as m %}')
    (tmp_path / "macros.html").write_text("{% macro x() %}{% endmacro %}")
    names = [p.name for p in watched_files(tmp_path / "mail.html")]
    assert names[:4] == ["mail.html", "layout.html", "footer.html", "macros.html"]


def test_fingerprint_follows_contents_not_just_names(tmp_path):
    page = tmp_path / "a.html"
    page.write_text("one")
    before = fingerprint((page,))
    assert fingerprint((page,)) == before
    stat_before = page.stat()
    page.write_text("two")
    os.utime(page, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns))  # same mtime, new bytes
    assert fingerprint((page,)) != before
    page.unlink()
    assert fingerprint((page,)) not in (before, fingerprint((tmp_path / "other.html",)))


# -- snapshots --------------------------------------------------------------------------------

def test_snapshot_of_the_flash_sale():
    snapshot = build_snapshot(PreviewSource(FLASH_SALE, SALE))
    assert snapshot.error is None and snapshot.kind == "promotional"
    assert snapshot.inbox.sender_name == "Maison Lumière"
    assert snapshot.inbox.subject == "Camille, -30\u00a0% sur les bougies et les plaids jusqu'à fin janvier"
    assert snapshot.inbox.preheader.startswith("Avec le code HIVER30 : -30\u00a0%")
    assert snapshot.promotions.deal.code == "HIVER30"
    assert "HIVER30" in snapshot.html and snapshot.html_version == snapshot.version
    state = json.loads(json.dumps(snapshot.to_json()))
    assert state["promotions"]["deal"]["description"] == "-30\u00a0%"
    assert all(set(f) == {"rule", "severity", "message", "location", "fix"} for f in state["findings"])


def test_transactional_message_has_no_promotions_card():
    snapshot = build_snapshot(PreviewSource(ORDER, ORDER_DATA))
    assert snapshot.error is None and snapshot.kind == "transactional"
    assert snapshot.promotions is None


def test_findings_are_the_linters(tmp_path):
    root = copy_starters(tmp_path)
    template = root / "templates" / "promotional" / "flash-sale.html"
    template.write_text(template.read_text().replace('alt="{{ sale.title }}"', ""))
    snapshot = build_snapshot(PreviewSource(template, root / "data" / "sale.json"))
    missing_alt = [f for f in snapshot.findings if "alt" in f.message.lower()]
    assert missing_alt and missing_alt[0].fix


def test_render_error_is_one_line_and_keeps_the_last_good_email(tmp_path):
    root = copy_starters(tmp_path)
    template = root / "templates" / "promotional" / "flash-sale.html"
    source = PreviewSource(template, root / "data" / "sale.json")
    good = build_snapshot(source)
    template.write_text(template.read_text().replace("{{ sale.title }}</h1>", "{{ sale.titel }}</h1>"))
    broken = build_snapshot(source, good)
    assert broken.error and "\n" not in broken.error and "titel" in broken.error
    assert broken.version != good.version
    assert broken.html == good.html and broken.html_version == good.version
    fresh = build_snapshot(source)  # nothing rendered yet: an error and no email
    assert fresh.error and fresh.html == "" and fresh.inbox is None


def test_snippet_falls_back_to_the_body_text(tmp_path):
    (tmp_path / "plain.html").write_text(
        "<html><head><title>{% block subject %}Hello{% endblock %}</title></head>"
        "<body><p>Your   parcel left our workshop in Lyon.</p></body></html>")
    snapshot = build_snapshot(PreviewSource(tmp_path / "plain.html", kind=Kind.TRANSACTIONAL))
    assert snapshot.error is None, snapshot.error
    assert snapshot.inbox.preheader == "Your parcel left our workshop in Lyon."
    assert snapshot.inbox.sender_name == "Preview"  # no configuration: the stand-in sender


def test_data_file_beside_the_template_is_the_default(tmp_path):
    root = copy_starters(tmp_path)
    template = root / "templates" / "promotional" / "flash-sale.html"
    template.with_suffix(".json").unlink()  # the starters' own sample data
    assert build_snapshot(PreviewSource(template)).error  # no data: first_name is undefined
    (root / "data" / "sale.json").rename(template.with_suffix(".json"))
    assert build_snapshot(PreviewSource(template)).error is None


def test_placement_panel_carries_the_prediction():
    sale = build_snapshot(PreviewSource(FLASH_SALE, SALE)).to_json()["placement"]
    assert sale["tab"] == "promotions" and sale["spam_risk"] == "low" and 0.5 < sale["confidence"] <= 1
    assert any("DiscountOffer" in reason for reason in sale["reasons"])
    order = build_snapshot(PreviewSource(ORDER, ORDER_DATA)).to_json()["placement"]
    assert order["tab"] in ("updates", "primary")


# -- finding the browser ----------------------------------------------------------------------

def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_browser_option_wins_then_environment_then_path(tmp_path):
    option, env, on_path = (_executable(tmp_path / n) for n in ("mine", "from-env", "chromium"))
    environ = {"NEWSLETTER_BROWSER": str(env), "PATH": str(tmp_path)}
    assert find_browser(str(option), environ) == option
    assert find_browser(None, environ) == env
    assert find_browser(None, {"PATH": str(tmp_path)}) == on_path
    with pytest.raises(NewsletterError, match="no Chromium found"):
        find_browser(None, {"PATH": str(tmp_path / "empty")})
    with pytest.raises(NewsletterError, match="--browser: no executable browser"):
        find_browser(str(tmp_path / "missing"), environ)


# -- the server -------------------------------------------------------------------------------

def test_server_endpoints(tmp_path):
    root = copy_starters(tmp_path)
    template = root / "templates" / "promotional" / "flash-sale.html"
    with running_server(PreviewSource(template, root / "data" / "sale.json")) as url:
        assert url.startswith("http://127.0.0.1:")
        status, headers, body = _get(url)
        assert status == 200 and b'id="desktop"' in body and headers["Content-Type"].startswith("text/html")
        version = json.loads(_get(url + "version")[2])["version"]
        state = json.loads(_get(url + "state.json")[2])
        assert state["version"] == version and state["inbox"]["subject"].startswith("Camille, -30\u00a0%")
        status, headers, body = _get(url + "email.html?v=" + version)
        assert status == 200 and "script-src 'none'" in headers["Content-Security-Policy"]
        assert "HIVER30".encode() in body
        assert _get(url + "preview.js")[0] == 200 and _get(url + "nothing")[0] == 404

        (root / "data" / "sale.json").write_text((root / "data" / "sale.json").read_text().replace("HIVER30", "NEIGE25"))
        assert json.loads(_get(url + "version")[2])["version"] != version
        assert b"NEIGE25" in _get(url + "email.html")[2]


def test_server_listens_on_loopback_only(tmp_path):
    root = copy_starters(tmp_path)
    server = PreviewServer(Previewer(PreviewSource(root / "templates" / "base.html")), port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        with pytest.raises(NewsletterError, match="cannot listen on 127.0.0.1"):
            PreviewServer(server.previewer, port=server.server_address[1])
    finally:
        server.server_close()
