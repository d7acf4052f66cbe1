"""Dark mode in the preview: the transforms (pure), the page's dark frames (the server over
loopback) and the screenshots (real Chromium, skipped when there is none)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

from newsletter.images import png_pixels
from newsletter.preview import PreviewSource, dark_mode_sheet, force_scheme, invert_colours, screenshot
from newsletter.preview.darkmode import invert_css, invert_lightness
from newsletter.render import Kind

from preview_helpers import FLASH_SALE, SALE, browser_or_skip, png_size, running_server

THEMED = ("<!DOCTYPE html><html><head><style>"
          "@media (prefers-color-scheme: dark) { .card { background-color: #121212 !important; color: #eeeeee !important; } }"
          "</style></head><body style='margin:0'>"
          "<div class='card' style='height:80px;background-color:#ffffff;color:#222222'>Bonjour</div></body></html>")
PLAIN = ("<!DOCTYPE html><html><body style='margin:0'>"
         "<div style='height:80px;background-color:#ffffff;color:#222222'>Bonjour</div></body></html>")


def _luminance_at(png: bytes, x: int, y: int) -> int:
    r, g, b, _ = png_pixels(png).at(x, y)
    return (r + g + b) // 3


# -- the transforms --------------------------------------------------------------------------

def test_inversion_makes_white_dark_and_dark_text_light_keeping_the_hue():
    assert invert_lightness((255, 255, 255)) == (0, 0, 0)
    assert invert_lightness((0, 0, 0)) == (255, 255, 255)
    r, g, b = invert_lightness((26, 77, 143))  # the starters' dark blue button
    assert b > r and b > 200  # lighter, still blue (a channel-wise invert would make it orange)


def test_inversion_changes_declared_colours_not_images_nor_urls():
    html = ("<html><head><style>a { color: #1a4d8f }</style></head><body>"
            "<table bgcolor='#FFFFFF'><tr><td style=\"color:#333;background:url(img/white.png) white\">"
            "<img src='logo.png'>Bonjour</td></tr></table></body></html>")
    inverted = invert_colours(html)
    assert 'bgcolor="#000000"' in inverted
    assert "url(img/white.png) #000000" in inverted and "color:#c3c3c3" in inverted
    assert "a { color: #82a2ed }" in inverted
    assert 'src="logo.png"' in inverted
    assert invert_css("border: 1px solid #000; font-weight: bold") == "border: 1px solid #ffffff; font-weight: bold"


def test_forcing_a_scheme_rewrites_only_the_colour_scheme_queries():
    css = "@media (prefers-color-scheme: dark) {a{}} @media screen and (PREFERS-COLOR-SCHEME:light) {b{}}"
    assert force_scheme(css, "dark") == "@media (min-width: 0px) {a{}} @media screen and (max-width: 0px) {b{}}"
    assert force_scheme(css, "light") == "@media (max-width: 0px) {a{}} @media screen and (min-width: 0px) {b{}}"


# -- the page ---------------------------------------------------------------------------------

def test_the_page_serves_dark_and_inverted_views_and_refuses_other_schemes(tmp_path):
    template = tmp_path / "themed.html"
    template.write_text("{% block subject %}Nouveautés{% endblock %}" + THEMED, encoding="utf-8")
    with running_server(PreviewSource(template, kind=Kind.PROMOTIONAL)) as url:
        def get(query: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(url + "email.html" + query, timeout=30) as answer:
                    return answer.status, answer.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()
        # Each view decides the query itself, whatever the reader's browser prefers.
        status, light = get("")
        assert status == 200 and "@media (max-width: 0px)" in light and "prefers-color-scheme" not in light
        assert "@media (min-width: 0px)" in get("?scheme=dark")[1]
        status, inverted = get("?scheme=inverted")
        assert status == 200 and "background-color:#000000" in inverted.replace(" ", "")
        assert get("?scheme=sepia")[0] == 400
        with urllib.request.urlopen(url, timeout=30) as answer:
            page = answer.read().decode()
    assert 'data-scheme="dark"' in page and 'data-scheme="inverted"' in page


# -- screenshots in Chromium -----------------------------------------------------------------

def test_dark_screenshot_differs_from_light_where_the_template_has_a_dark_block():
    browser = browser_or_skip()
    light = screenshot(THEMED, browser, width=200)
    dark = screenshot(THEMED, browser, width=200, scheme="dark")
    assert _luminance_at(light, 150, 40) == 255
    assert _luminance_at(dark, 150, 40) == 0x12
    # Without a dark block, the emulation changes nothing: the colours are the email's own.
    assert screenshot(PLAIN, browser, width=200, scheme="dark") == screenshot(PLAIN, browser, width=200)


def test_the_inverted_view_makes_a_white_background_dark_in_chromium():
    browser = browser_or_skip()
    shot = screenshot(invert_colours(PLAIN), browser, width=200)
    assert _luminance_at(shot, 150, 40) < 20


def test_dark_mode_sheet_puts_three_views_side_by_side():
    browser = browser_or_skip()
    sheet = dark_mode_sheet(THEMED, browser, width=200)
    width, height = png_size(sheet)
    assert width == 3 * 200 + 4 * 24
    # The three cards, at the same height in each column: white, the dark block's #121212, and
    # the inverted light card (its own dark styles ignored, as Gmail ignores them): near black.
    y = height - 24 - 40
    left = [24 + column * (200 + 24) + 150 for column in range(3)]
    light, dark, inverted = (_luminance_at(sheet, x, y) for x in left)
    assert light == 255 and dark == 0x12 and inverted < 10


def test_preview_dark_screenshot_command(tmp_path):
    browser_or_skip()
    target = tmp_path / "sale-dark.png"
    result = subprocess.run([sys.executable, "-m", "newsletter", "preview", str(FLASH_SALE), "--data", str(SALE),
                             "--screenshot", str(target), "--dark", "--width", "320"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "light, dark and inverted views, each 320 px wide" in result.stderr
    assert png_size(target.read_bytes())[0] == 3 * 320 + 4 * 24


def test_dark_without_screenshot_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "newsletter", "preview", str(FLASH_SALE), "--dark", "--no-open"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--dark" in result.stderr and "Traceback" not in result.stderr
