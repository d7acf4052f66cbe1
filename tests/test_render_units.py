"""The render pipeline's parts on their own: inlining, plain text, kinds, configuration."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from newsletter import NewsletterError
from newsletter.config import find_config
from newsletter.render import Kind, html_to_text, inline_css, resolve_kind


# --- CSS inlining -------------------------------------------------------------------------

def test_media_rules_get_important_and_inline_styles_lose_it():
    out = inline_css(
        "<html><head><style>.a { color: red; padding: 4px !important }"
        "@media (max-width: 600px) { .a { color: blue; padding: 0 } }</style></head>"
        '<body><p class="a">x</p></body></html>'
    )
    assert 'class="a" style="color:red; padding:4px"' in out.html
    assert "color: blue !important" in out.html and "padding: 0 !important" in out.html
    assert out.findings == ()


def test_css_parse_errors_become_findings_not_log_noise(capfd):
    out = inline_css("<html><head><style>.a { colr: ; }</style></head><body><p class=a>x</p></body></html>", path="t.html")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert out.findings and all(f.rule == "R001" for f in out.findings)
    assert out.findings[0].location.path == "t.html"


def test_vendor_properties_are_not_reported_as_errors():
    out = inline_css("<html><head><style>td { mso-line-height-rule: exactly; }</style></head><body><table><tr><td>x</td></tr></table></body></html>")
    assert out.findings == ()
    assert "mso-line-height-rule:exactly" in out.html


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"p { color: green }")

    def log_message(self, *args):
        pass


def test_inlining_never_fetches_anything():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        out = inline_css(
            f'<html><head><link rel="stylesheet" href="{base}/site.css">'
            f"<style>@import url({base}/fonts.css); p {{ color: red }}</style></head>"
            "<body><p>x</p></body></html>"
        )
    finally:
        server.shutdown()
    assert _Recorder.hits == []
    assert [f.rule for f in out.findings] == ["R003"]
    # the web-font import is kept for the clients that support it
    assert f"@import url({base}/fonts.css);" in out.html
    assert 'style="color:red"' in out.html


# --- plain text ---------------------------------------------------------------------------

def test_text_structure():
    text = html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body>"
        '<div style="display:none">hidden preheader</div>'
        "<h1>Titre</h1><h2>Sous-titre</h2><p>Un <b>mot</b>&nbsp;!<br>Deux</p>"
        "<ul><li>un</li><li>deux</li></ul><ol><li>a</li><li>b</li></ol>"
        '<p><a href="https://x.example/a">le lien</a> et <a href="https://x.example/b">https://x.example/b</a>'
        ' et <a href="mailto:c@x.example">c@x.example</a></p>'
        '<table role="presentation"><tr><td>Article</td><td>12,00 €</td></tr></table>'
        '<p><img src="a.png" alt="Logo"><img src="spacer.gif" alt=""></p>'
        "<script>var x = 1;</script></body></html>"
    )
    assert text == (
        "Titre\n=====\n\nSous-titre\n----------\n\nUn mot\u00a0!\nDeux\n\n- un\n- deux\n\n1. a\n2. b\n\n"
        "le lien (https://x.example/a) et https://x.example/b et c@x.example\n\n"
        "Article  12,00 €\n\nLogo\n"
    )


def test_text_of_empty_or_broken_html():
    assert html_to_text("") == ""
    assert html_to_text("<p>unclosed <b>bold") == "unclosed bold\n"


# --- kinds --------------------------------------------------------------------------------

def test_kind_flag_wins_then_declaration_then_folder(tmp_path):
    template = tmp_path / "promotional" / "t.html"
    assert resolve_kind("transactional", "promotional", template) is Kind.TRANSACTIONAL
    assert resolve_kind(None, "transactional", template) is Kind.TRANSACTIONAL
    assert resolve_kind(None, None, template) is Kind.PROMOTIONAL
    assert resolve_kind(None, "  ", tmp_path / "transactional" / "x" / "t.html") is Kind.TRANSACTIONAL
    with pytest.raises(NewsletterError, match="cannot tell"):
        resolve_kind(None, None, tmp_path / "mails" / "t.html")


# --- configuration ------------------------------------------------------------------------

def test_nearest_config_wins_and_pyproject_table_is_read(tmp_path):
    (tmp_path / "newsletter.toml").write_text('sender_address = "outer@example.com"\n')
    inner = tmp_path / "shop" / "mails"
    inner.mkdir(parents=True)
    (tmp_path / "shop" / "pyproject.toml").write_text('[tool.newsletter]\nsender_address = "inner@example.com"\nlocale = "fr"\n')
    config = find_config(inner / "t.html")
    assert config.sender_address == "inner@example.com" and config.locale == "fr"
    assert config.path == (tmp_path / "shop" / "pyproject.toml").resolve()
    # a pyproject.toml without the table does not stop the search
    (tmp_path / "shop" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(inner / "t.html").sender_address == "outer@example.com"


def test_no_config_gives_defaults(tmp_path: Path):
    config = find_config(tmp_path)
    assert config.sender_address is None and config.locale == "en"
