"""Hostile HTML, CSS and JSON-LD through the entry points the commands use: `lint`, `markup`,
`check --offline` and `render` of a plain HTML template give findings or a `NewsletterError`,
never another exception; through the command line, exit 0, 1 or 2 and no traceback.

The strategies build the shapes that broke the parsers (issue 12): deep nesting, long runs of
brackets, numbers of thousands of digits, long selectors, unclosed comments, strings, tags and
scripts, NaN and lone surrogates in JSON, odd encodings. Jinja delimiters are kept out: a file
holding them is a template, whose bounds are the template loader's.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import run_cli
from newsletter.errors import NewsletterError
from newsletter.lint import lint_paths
from newsletter.markup import display, extract, validate
from newsletter.markup.inputs import load
from newsletter.markup.report import text_report
from newsletter.placement import CheckOptions, check_paths, format_report
from newsletter.render import Kind, RenderOptions, render

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                        HealthCheck.data_too_large])


def runs(pieces: list[str], longest: int = 3000) -> st.SearchStrategy[str]:
    """One piece, or a piece repeated up to `longest` times: the long runs parsers choke on."""
    piece = st.sampled_from(pieces)
    return st.one_of(piece, st.tuples(piece, st.integers(1, longest)).map(lambda p: p[0] * p[1]))


NUMBERS = st.one_of(
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.integers(1, 400).map(lambda n: "1." + "0" * n + "1"),
    st.sampled_from(["1e999", "-1e999", "1e-999", "0", "-0", ".5", "1.2.3", "00012", "1e", "NaN", "Infinity"]),
)

CSS_PIECES = ["{", "}", "(", ")", "[", "]", ";", ":", ",", " ", "\n", "\t", "/*", "*/", '"', "'", "\\", "@",
              "@media screen", "@media (max-width:600px)", "@supports (display:grid)", "@import url(x.css);",
              "@font-face", "@page", "@keyframes k", "p", ".a", "#b", "td", "a:hover", "*", ">", "+", "~",
              "color", "red", "#fff", "rgb(1,2,3)", "rgba(1,2,3,.5)", "calc(", "var(--x,", "url(", "url(x)",
              "!important", "px", "%", "em", "display:none", "font-size:", "background:", "<!--", "-->",
              "\x00", "\x0c", "\r", "é", "€", "\u202e", "</style>", "<p>", "&amp;", "&#40;"]
CSS = st.lists(st.one_of(runs(CSS_PIECES), NUMBERS, st.integers(1, 800).map(lambda n: " ".join(["td"] * n))),
               max_size=25).map("".join)

JSON_PIECES = ["{", "}", "[", "]", ",", ":", '"', '"@type"', '"@context"', '"http://schema.org"', '"Order"',
               '"orderNumber"', '"acceptedOffer"', '"price"', '"@graph"', "null", "true", "NaN", "Infinity",
               "-Infinity", '"\\ud800"', '"\\udc00x"', '"\\ud83d\\ude00"', "\\", "/*", "//", " ", "\n",
               '{"@type": "Order", ', "</script>", "<!--", "-->"]
SCHEMA_KEYS = st.sampled_from(["@context", "@type", "@graph", "@id", "orderNumber", "price", "priceCurrency",
                               "merchant", "acceptedOffer", "image", "width", "height", "url", "name",
                               "availabilityEnds", "discountCode", "orderStatus", "potentialAction"])
SCHEMA_VALUES = st.one_of(
    st.sampled_from(["http://schema.org", "Order", "PromotionCard", "DiscountOffer", "Organization",
                     "ImageObject", "ParcelDelivery", "ViewAction", "https://shop.example/a.png", "EUR",
                     "2025-12-31T23:59:00+01:00", "", "😀"]),
    st.integers(-10**30, 10**30), st.floats(allow_nan=False), st.booleans(), st.none(),
    st.text(max_size=20).map(lambda t: t.encode("utf-8", "replace").decode("utf-8")),
)
JSON_VALUE = st.recursive(SCHEMA_VALUES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(SCHEMA_KEYS, inner, max_size=6)), max_leaves=30)
JSON_LD = st.one_of(
    JSON_VALUE.map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.lists(st.one_of(runs(JSON_PIECES, 2000), NUMBERS), max_size=25).map("".join),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
)

HTML_PIECES = ["<p>", "</p>", "<div>", "</div>", "<table><tr><td>", "</td></tr></table>", "<span>",
               "<a href=\"https://shop.example/x\">", "<a href=\"http://bit.ly/x\">", "</a>", "<br>", "<h1>",
               "<h3>", "<img src=\"https://shop.example/a.png\">", "<style>", "</style>", "<script>",
               "</script>", '<script type="application/ld+json">', "<!--", "-->", "<!DOCTYPE html>", "<html>",
               "<head>", "<body>", "</body>", "<title>", "&#x0;", "&#xD800;", "&#40;", "&amp;", "&", "<", ">",
               "<meta charset=\"cp1252\">", '<link rel="stylesheet" href="https://x.example/a.css">',
               '<div itemscope itemtype="http://schema.org/Order">', '<meta itemprop="orderNumber" content="1">',
               '<span itemprop="price">', "<font>", "<center>", "<form>", "<iframe>",
               "Bonjour, votre commande est confirmée.", "Profitez de -50 % sur tout ! Code SOLDES",
               "Cliquez ici", "se désinscrire", "unsubscribe", "\u00a0", "\n", " "]


@st.composite
def documents(draw) -> bytes:
    """A message's HTML: CSS in a <style> block and in style attributes, JSON-LD, numbers in
    attributes, hostile runs of markup, in one of several encodings."""
    css, style, ld = draw(CSS), draw(CSS), draw(JSON_LD)
    number = draw(NUMBERS)
    parts = [
        f"<!DOCTYPE html><html lang=\"fr\"><head><title>{html_lib.escape(draw(st.text(max_size=30)))}</title>",
        f"<style>{css}</style>",
        f"<script type=\"application/ld+json\">{ld}</script></head><body>",
        f"<p style=\"{html_lib.escape(style)}\">Votre commande</p>",
        f"<img src=\"https://shop.example/a.png\" alt=\"a\" width=\"{number}\" height=\"{number}\">",
        f"<font color=\"rgb({number},0,0)\">x</font><table bgcolor=\"#{number[:6]}\"><tr><td>y</td></tr></table>",
        draw(st.lists(runs(HTML_PIECES, 2000), max_size=20).map("".join)),
        "</body></html>",
    ]
    order = draw(st.permutations(range(1, len(parts) - 1)))
    text = "".join([parts[0], *(parts[i] for i in order), parts[-1]])
    text = re.sub(r"\{(?=[{%#])", "{ ", text)  # plain HTML, not a template
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "binary"]))
    if encoding != "binary":
        return text.encode(encoding, "replace")
    raw = text.encode("utf-8", "replace")  # with bytes that are no UTF-8, or a NUL, in the middle
    return raw[: len(raw) // 2] + draw(st.binary(min_size=1, max_size=8)) + raw[len(raw) // 2:]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def allowed(call, *args, **kwargs):
    """`call(...)`, its result, or None when it refused the input with a `NewsletterError`."""
    try:
        return call(*args, **kwargs)
    except NewsletterError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None


def lint(path: Path) -> None:
    for result in lint_paths([path]):
        json.dumps([f.to_json() for f in result.findings], ensure_ascii=False).encode("utf-8")


def markup(path: Path) -> None:
    source = load(path)
    findings = validate(source.markup, kind=source.kind, visible_text=source.visible_text)
    text_report(source.path, None, source.markup, findings, display(source.markup)).encode("utf-8")
    json.dumps([item.to_json() for item in source.markup.items], ensure_ascii=False).encode("utf-8")


def check(path: Path) -> None:
    for report in check_paths([path], CheckOptions(offline=True)):
        format_report(report).encode("utf-8")
        json.dumps(report.to_json(), ensure_ascii=False).encode("utf-8")


def as_eml(raw: bytes) -> bytes:
    return (b"From: Shop <shop@example.com>\r\nTo: a@example.com\r\nSubject: Votre commande\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=\"DEFAULT\"\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + raw)


@settings(FUZZ, max_examples=60)
@given(raw=documents())
def test_lint_markup_and_check_raise_nothing_but_newsletter_errors(folder, raw):
    html = folder / "mail.html"
    html.write_bytes(raw)
    eml = folder / "mail.eml"
    eml.write_bytes(as_eml(raw))
    for path in (html, eml):
        for read in (lint, markup, check):
            allowed(read, path)


@settings(FUZZ, max_examples=30)
@given(raw=documents())
def test_render_of_a_plain_html_template_raises_nothing_but_newsletter_errors(folder, raw):
    template = folder / "template.html"
    template.write_bytes(raw)
    options = RenderOptions(kind=Kind.TRANSACTIONAL, sender="Shop <shop@example.com>", to="a@example.com",
                            subject="Votre commande")
    message = allowed(render, template, {}, options)
    if message is not None:
        assert message.as_bytes()


@settings(FUZZ, max_examples=300)
@given(ld=JSON_LD)
def test_json_ld_is_items_or_findings(ld):
    markup = extract(f'<script type="application/ld+json">{ld}</script>', "m.html")
    validate(markup)
    for found in markup.findings:
        assert found.location.line >= 1 and found.location.column >= 1


@settings(FUZZ, max_examples=12)
@given(raw=documents())
def test_the_commands_exit_0_1_or_2_without_a_traceback(folder, raw):
    html = folder / "cli.html"
    html.write_bytes(raw)
    for command in (("lint",), ("lint", "--format", "sarif"), ("markup",), ("markup", "--format", "json"),
                    ("check", "--offline"), ("check", "--offline", "--format", "json"),
                    ("render", "--kind", "promotional", "--from", "shop@example.com", "--to", "a@example.com",
                     "--subject", "Soldes", "--format", "html")):
        run = run_cli(command[0], html, *command[1:])  # CliRunner re-raises any other exception
        assert run.exit_code in (0, 1, 2), (command, run.exit_code, run.stderr)
        assert "Traceback" not in run.stderr
        if run.exit_code == 2:
            assert len(run.stderr.strip().splitlines()) == 1, run.stderr
