"""The document layer and the user-visible fixes of issue 14 that come from reading a message one way."""

from __future__ import annotations

import pytest

from newsletter.html.dom import parse_html, visible_text
from newsletter.render import html_to_text

HIDDEN = [
    '<div style="visibility:hidden">SECRET</div>',
    '<div style="display:none">SECRET</div>',
    '<div style="mso-hide:all">SECRET</div>',
    '<div style="max-height:0;overflow:hidden">SECRET</div>',
    '<div class="preheader">SECRET</div>',
    '<div hidden>SECRET</div>',
]


@pytest.mark.parametrize("block", HIDDEN)
def test_hidden_means_the_same_for_the_text_part_and_for_lint(block):
    html = f"<html><body><p>Bonjour</p>{block}<p>Au revoir</p></body></html>"
    text = html_to_text(html)
    seen = visible_text(parse_html(html))
    assert "SECRET" not in text and "SECRET" not in seen
    assert "Bonjour" in text and "Au revoir" in text and "Bonjour" in seen


def test_visible_blocks_stay_in_both():
    html = '<html><body><div style="visibility:visible;max-height:10px">VISIBLE</div></body></html>'
    assert "VISIBLE" in html_to_text(html) and "VISIBLE" in visible_text(parse_html(html))
