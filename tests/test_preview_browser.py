"""The preview page and screenshots in a real browser (Debian's chromium, driven by
Playwright through `executable_path`; screenshots through our own DevTools pipe).

Skipped with the reason when no Chromium is found (or Playwright is not installed, for the page)."""

from __future__ import annotations

import re
import stat
import subprocess
import json
import sys
from contextlib import ExitStack

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the page tests skip; the screenshot tests need only chromium
    expect = sync_playwright = None

from newsletter.preview import PreviewSource, screenshot
from preview_helpers import (
    FLASH_SALE,
    ORDER,
    ORDER_DATA,
    SALE,
    browser_or_skip,
    copy_starters,
    png_size,
    running_server,
)

SUBJECT = "Camille, -30\u00a0% sur les bougies et les plaids jusqu'à fin janvier"
PREHEADER = "Avec le code HIVER30 : -30\u00a0% sur les bougies et les plaids, livraison offerte dès 49,00\u00a0€."


# -- screenshots ------------------------------------------------------------------------------

def test_screenshot_command_writes_a_png_of_the_asked_width(tmp_path):
    browser_or_skip()
    target = tmp_path / "sale.png"
    result = subprocess.run([sys.executable, "-m", "newsletter", "preview", str(FLASH_SALE), "--data", str(SALE),
                             "--screenshot", str(target), "--width", "480"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    width, height = png_size(target.read_bytes())
    assert width == 480
    assert height > 1000  # full height: the whole sale, more than a screen


def test_screenshot_height_follows_the_content(tmp_path):
    browser = browser_or_skip()
    short = screenshot("<html><body style='margin:0'><p style='margin:0;height:120px'>Bonjour</p></body></html>",
                       browser, width=375)
    assert png_size(short) == (375, 120)
    long = screenshot("<html><body style='margin:0'><div style='height:3000px;background:#8a4b2a'></div></body></html>",
                      browser, width=800)
    assert png_size(long) == (800, 3000)


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600)], ids=["umask-022", "umask-077"])
def test_screenshot_file_follows_the_umask(tmp_path, umask, expected):
    browser_or_skip()
    template = tmp_path / "hello.html"
    template.write_text("{% block subject %}Bonjour{% endblock %}<p>Bonjour</p>")
    target = tmp_path / "hello.png"
    result = subprocess.run([sys.executable, "-m", "newsletter", "preview", str(template), "--kind", "transactional",
                             "--screenshot", str(target), "--width", "200"],
                            umask=umask, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == expected and png_size(target.read_bytes())[0] == 200
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_screenshot_with_a_browser_that_is_not_chromium_fails_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "newsletter", "preview", str(FLASH_SALE), "--data", str(SALE),
                             "--screenshot", str(tmp_path / "x.png"), "--browser", "/bin/false"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "the browser exited" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.png").exists()


# -- the page ---------------------------------------------------------------------------------

needs_playwright = pytest.mark.skipif(sync_playwright is None,
                                      reason="playwright is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def chromium():
    executable = browser_or_skip()
    expect.set_options(timeout=15000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def view(page):
    """view(source): the preview of `source` opened in `page` (its server lives for the test)."""
    with ExitStack() as servers:
        def open_preview(source: PreviewSource):
            page.goto(servers.enter_context(running_server(source)))
            return page
        yield open_preview


@pytest.fixture
def starters(tmp_path):
    root = copy_starters(tmp_path)
    return root / "templates" / "promotional" / "flash-sale.html", root / "data" / "sale.json"


@needs_playwright
def test_page_shows_the_inbox_row_and_the_email_in_both_frames(view):
    page = view(PreviewSource(FLASH_SALE, SALE))
    expect(page.locator("#inbox-sender")).to_have_text("Maison Lumière")
    expect(page.locator("#inbox-subject")).to_have_text(SUBJECT)
    expect(page.locator("#inbox-snippet")).to_have_text(PREHEADER)
    expect(page).to_have_title(f"{SUBJECT} · newsletter preview")
    for frame_id, width in (("desktop", 700), ("mobile", 375)):
        frame = page.frame_locator(f"#{frame_id}")
        expect(frame.locator("h1")).to_have_text("Ventes privées d'hiver : -30\u00a0% sur les bougies et les plaids")
        expect(frame.locator("strong", has_text="HIVER30")).to_be_visible()
        assert page.locator(f"#{frame_id}").get_attribute("sandbox") == ""  # no scripts in the email
        assert frame.locator("html").evaluate("e => e.ownerDocument.defaultView.innerWidth") == width
    expect(page.locator("#error")).to_be_hidden()


@needs_playwright
def test_promotions_card_shows_deal_badge_code_expiry_logo_and_carousel(view):
    page = view(PreviewSource(FLASH_SALE, SALE))
    expect(page.locator("#promotions")).to_be_visible()
    expect(page.locator("#deal-badge")).to_have_text("-30\u00a0%")
    expect(page.locator("#deal-code")).to_have_text("Code HIVER30")
    expect(page.locator("#deal-ends")).to_have_text("expire le 31 janv.")  # the shop's locale: fr
    expect(page.locator("#carousel .price").first).to_have_text("24,00\u00a0€")
    assert page.locator("#promo-logo").get_attribute("src") == "https://maison-lumiere.example/img/logo-maison-lumiere.png"
    expect(page.locator("#carousel figure")).to_have_count(4)
    expect(page.locator("#carousel figcaption").first).to_contain_text("Bougie parfumée « Figuier »")
    expect(page.locator("#findings li")).not_to_have_count(0)
    expect(page.locator("#findings")).to_contain_text("M021")


@needs_playwright
def test_the_card_follows_the_locale_asked_for(view):
    page = view(PreviewSource(FLASH_SALE, SALE, locale="en"))
    expect(page.locator("#deal-ends")).to_have_text("Expires 31 Jan")
    expect(page.locator("#carousel .price").first).to_have_text("€24.00")


@needs_playwright
def test_both_frames_fit_a_1400_px_window_without_horizontal_scrolling(view):
    page = view(PreviewSource(FLASH_SALE, SALE))
    page.set_viewport_size({"width": 1400, "height": 900})
    expect(page.locator("#deal-badge")).to_have_text("-30\u00a0%")
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll[0] <= scroll[1], f"the page scrolls sideways: {scroll}"
    window = page.evaluate("document.documentElement.clientWidth")
    panel = page.locator(".side").bounding_box()
    for frame_id, width in (("desktop", 700), ("mobile", 375)):
        box = page.locator(f"#{frame_id}").bounding_box()
        assert box["x"] >= panel["x"] + panel["width"] and box["x"] + box["width"] <= window, (frame_id, box, window)
        assert box["y"] < 900 and box["width"] == width + 2  # beside the panel, in view, its full width (and borders)
    assert panel["width"] >= 232


@needs_playwright
def test_transactional_message_has_no_promotions_card(view):
    page = view(PreviewSource(ORDER, ORDER_DATA))
    expect(page.locator("#kind")).to_have_text("transactional")
    expect(page.locator("#promotions")).to_be_hidden()


@needs_playwright
def test_placement_panel_shows_the_predicted_tab_and_spam_risk(view):
    page = view(PreviewSource(FLASH_SALE, SALE))
    expect(page.locator("#placement")).to_contain_text("Predicted tab: Promotions")
    expect(page.locator("#placement")).to_contain_text("Spam risk: low")


@needs_playwright
def test_the_page_speaks_the_previewers_language_and_the_card_the_mails(view):
    """A French reader previewing English mail: French labels and panel, the card's prices in English."""
    nbsp = "\u00a0"
    page = view(PreviewSource(FLASH_SALE, SALE, locale="en", reader_locale="fr"))
    expect(page.locator("#status")).to_have_text("en direct")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("#kind")).to_have_text("promotionnel")
    for heading in ("Boîte de réception Gmail", "Onglet Promotions", "Placement", "Constats"):
        expect(page.locator("h2", has_text=heading)).to_be_visible()
    captions = page.locator(".frames figcaption").all_inner_texts()
    assert captions[:2] == ["Ordinateur · 700 px", "Mobile · 375 px"]
    assert captions[2].startswith("Mode sombre · ses propres styles") and "couleurs inversées" in captions[3]
    expect(page.locator("#placement .tab")).to_contain_text(f"Onglet prédit{nbsp}: Promotions")
    expect(page.locator("#placement .risk")).to_have_text(f"Risque de spam{nbsp}: faible")
    expect(page.locator("#placement li").first).to_contain_text("annotations de l’onglet Promotions")
    expect(page.locator("#deal-code")).to_have_text("Code HIVER30")
    expect(page.locator("#deal-ends")).to_have_text("Expires 31 Jan")  # the mail's locale, not the reader's
    expect(page.locator("#carousel .price").first).to_have_text(re.compile(r"^€\d+\.\d\d$"))
    messages = page.locator("#findings .message").all_inner_texts()
    assert messages and all(" supported in " not in m for m in messages), messages  # caniemail's notes stay its own
    english = page.locator("body").inner_text()
    for phrase in ("Gmail inbox", "Findings", "Desktop ·", "Predicted tab", "Spam risk", "Watching", "live"):
        assert phrase not in english, phrase


@needs_playwright
def test_edits_of_template_layout_and_data_show_up_without_reloading_the_page(view, starters):
    template, data = starters
    layout = template.parent.parent / "base.html"
    page = view(PreviewSource(template, data))
    desktop, mobile = page.frame_locator("#desktop"), page.frame_locator("#mobile")
    expect(desktop.locator("a.button")).to_have_text("Découvrir la sélection")
    page.evaluate("window.notReloaded = true")

    template.write_text(template.read_text(encoding="utf-8").replace("Découvrir la sélection", "Voir les bougies"), encoding="utf-8")
    for frame in (desktop, mobile):
        expect(frame.locator("a.button")).to_have_text("Voir les bougies")

    layout.write_text(layout.read_text(encoding="utf-8").replace("<body", "<body data-edited=\"layout\""), encoding="utf-8")
    expect(desktop.locator("body[data-edited=layout]")).to_have_count(1)

    data.write_text(data.read_text(encoding="utf-8").replace('"Camille"', '"Léa"'), encoding="utf-8")
    expect(page.locator("#inbox-subject")).to_have_text(SUBJECT.replace("Camille", "Léa"))
    expect(mobile.locator("text=Bonjour Léa,")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True  # the frames reloaded, not the page


@needs_playwright
def test_render_error_is_shown_in_the_page_and_clears_when_fixed(view, starters):
    template, data = starters
    good = template.read_text(encoding="utf-8")
    page = view(PreviewSource(template, data))
    expect(page.locator("#inbox-subject")).to_have_text(SUBJECT)
    template.write_text(good.replace("{{ sale.intro }}", "{{ sale.intro }"), encoding="utf-8")
    expect(page.locator("#error")).to_be_visible()
    message = page.locator("#error").inner_text()
    assert "\n" not in message.strip() and re.search(r"flash-sale\.html:\d+", message), message
    expect(page.frame_locator("#desktop").locator("h1")).to_contain_text("Ventes privées")  # last good email
    template.write_text(good, encoding="utf-8")
    expect(page.locator("#error")).to_be_hidden()


# -- the rendered email itself: responsive rules survive CSS inlining ------------------------

def _layout(page, html: str, width: int) -> dict:
    page.set_viewport_size({"width": width, "height": 800})
    page.set_content(html)
    return page.evaluate("""() => ({
        container: document.querySelector('table.container').getBoundingClientRect().width,
        button: getComputedStyle(document.querySelector('a.button')).display})""")


@needs_playwright
def test_media_queries_still_win_over_the_inlined_styles(page):
    from newsletter.render import render

    html = render(FLASH_SALE, json.loads(SALE.read_text(encoding="utf-8"))).html
    assert _layout(page, html, 800) == {"container": 600, "button": "inline-block"}
    assert _layout(page, html, 375) == {"container": 375 - 2 * 8, "button": "block"}  # 100 % inside 8 px padding
    # Control: without the !important the renderer adds, the inlined styles win on a phone.
    weakened = html.replace(" !important", "")
    assert _layout(page, weakened, 375) == {"container": 600, "button": "inline-block"}


@needs_playwright
def test_dark_frames_show_the_dark_styles_and_the_inverted_colours(view, tmp_path):
    template = tmp_path / "promotional" / "themed.html"
    template.parent.mkdir()
    template.write_text(
        "{% block subject %}Nouveautés{% endblock %}<!DOCTYPE html><html><head><style>"
        "@media (prefers-color-scheme: dark) { .card { background-color: #121212 !important; } }</style></head>"
        "<body style='margin:0'><div class='card' style='height:80px;background-color:#ffffff'>Bonjour</div>"
        "</body></html>", encoding="utf-8")
    page = view(PreviewSource(template))
    background = "e => getComputedStyle(e).backgroundColor"
    for frame_id, expected in (("mobile", "rgb(255, 255, 255)"), ("dark", "rgb(18, 18, 18)"),
                               ("inverted", "rgb(0, 0, 0)")):
        card = page.frame_locator(f"#{frame_id}").locator(".card")
        expect(card).to_have_text("Bonjour")
        assert card.evaluate(background) == expected, frame_id
