"""The document layer and the user-visible fixes of issue 14 that come from reading a message one way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsletter.html.dom import parse_html, visible_text
from newsletter.render import html_to_text

ROOT = Path(__file__).resolve().parents[1]
ORDER = str(ROOT / "templates" / "transactional" / "order-confirmation.html")

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


def _cli(*args: str):
    from click.testing import CliRunner

    from newsletter.cli import main
    return CliRunner().invoke(main, list(args))


def test_markup_of_a_template_renders_it_as_lint_does():
    """Issue 14: `markup` read the raw Jinja source (M001 invalid JSON) where lint rendered it."""
    result = _cli("markup", "--format", "json", ORDER)
    record = json.loads(result.stdout)
    assert not [f for f in record["findings"] if f["rule"] == "M001"], record["findings"]
    assert [item["type"] for item in record["items"]] == ["Order"]
    assert record["kind"] == "transactional" and result.exit_code == 0
    lint = _cli("lint", "--format", "json", ORDER)
    assert lint.exit_code == 0


def test_markup_of_a_template_that_does_not_parse_says_so(tmp_path):
    (tmp_path / "broken.html").write_text("<html><body>{% if %}</body></html>", encoding="utf-8")
    result = _cli("markup", "--format", "json", str(tmp_path / "broken.html"))
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["T001"] and result.exit_code == 1


def _headers(*args: str):
    import email
    import email.policy
    result = _cli("render", *args)
    assert result.exit_code == 0, result.stderr
    return email.message_from_bytes(result.stdout_bytes, policy=email.policy.default)


def test_list_id_goes_on_promotional_mail_only_unless_asked():
    """Issue 14: an order confirmation carried the newsletter's List-Id (newsletter.toml)."""
    order = _headers(ORDER, "--data", str(ROOT / "examples/boutique/order.json"))
    sale = _headers(str(ROOT / "templates/promotional/flash-sale.html"), "--data", str(ROOT / "examples/boutique/sale.json"))
    asked = _headers(ORDER, "--data", str(ROOT / "examples/boutique/order.json"), "--list-id", "Commandes <commandes.shop.example>")
    assert order["List-Id"] is None
    assert sale["List-Id"] == "Lettre de Maison Lumière <lettre.maison-lumiere.example>"
    assert asked["List-Id"] == "Commandes <commandes.shop.example>"


def test_lint_fails_a_promotional_template_that_render_refuses(tmp_path):
    """Issue 14: no unsubscribe_url in newsletter.toml: render refused the template, lint passed."""
    (tmp_path / "newsletter.toml").write_text('sender_address = "news@shop.example"\n', encoding="utf-8")
    template = tmp_path / "promotional" / "sale.html"
    template.parent.mkdir()
    template.write_text("{% block subject %}Soldes{% endblock %}<html lang=\"fr\"><body><p>Soldes</p>"
                        "<a href=\"{{ unsubscribe_url }}\">Se désinscrire</a></body></html>", encoding="utf-8")
    (tmp_path / "promotional" / "sale.json").write_text('{"email": "a@b.example"}', encoding="utf-8")
    render = _cli("render", str(template), "--data", str(tmp_path / "promotional" / "sale.json"))
    assert render.exit_code == 2 and "unsubscribe URL" in render.stderr
    for data in ((), ("--data", str(tmp_path / "promotional" / "sale.json"))):
        lint = _cli("lint", "--format", "json", *data, str(template))
        found = [f for f in json.loads(lint.stdout)["findings"] if f["rule"] == "T006"]
        assert lint.exit_code == 1 and len(found) == 1 and "unsubscribe URL" in found[0]["message"], lint.stdout
    (tmp_path / "promotional" / "sale.json").unlink()
    lint = _cli("lint", "--format", "json", str(template))  # no data: rendered with placeholders
    assert lint.exit_code == 1 and "T006" in lint.stdout


def test_a_child_template_that_does_not_parse_gets_only_its_syntax_error(tmp_path):
    """Issue 14: the layout was never applied, yet its absence gave C010 and A001."""
    (tmp_path / "newsletter.toml").write_text('unsubscribe_url = "https://shop.example/u"\n', encoding="utf-8")
    (tmp_path / "base.html").write_text('<html lang="fr"><body>{% block body %}{% endblock %}'
                                        '<a href="{{ unsubscribe_url }}">Se désinscrire</a></body></html>', encoding="utf-8")
    child = tmp_path / "promotional" / "sale.html"
    child.parent.mkdir()
    child.write_text('{% extends "base.html" %}\n{% block subject %}Soldes{% endblock %}\n'
                     '{% block body %}<p>{% if %}Soldes</p>{% endblock %}\n', encoding="utf-8")
    result = _cli("lint", "--format", "json", str(child))
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["location"]["line"]) for f in findings] == [("T001", 3)] and result.exit_code == 1


EML = (
    "From: Boutique <news@shop.example>\r\n"
    "To: client@example.com\r\n"
    "Date: Sun, 29 Nov 2026 09:00:00 +0100\r\n"
    "Message-ID: <1@shop.example>\r\n"
    "Subject: Re: vos soldes\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: {encoding}\r\n"
    "\r\n"
    "{body}"
)
BODY = '<html lang="fr">\r\n<body>\r\n<p>Bonjour</p>\r\n<img src="https://shop.example/a.png">\r\n</body>\r\n</html>\r\n'


def test_eml_findings_point_at_lines_of_the_file(tmp_path):
    """Issue 14: lines were those of the decoded HTML part; a header finding points at its header."""
    path = tmp_path / "message.eml"
    path.write_bytes(EML.format(encoding="8bit", body=BODY).encode())
    findings = json.loads(_cli("lint", "--format", "json", str(path)).stdout)["findings"]
    lines = path.read_bytes().split(b"\n")
    image = next(f for f in findings if f["rule"] == "C001")  # the image without alt text
    assert lines[image["location"]["line"] - 1].startswith(b"<img")
    reply = next(f for f in findings if f["rule"] == "H006")
    assert lines[reply["location"]["line"] - 1].startswith(b"Subject:")


def test_eml_part_in_quoted_printable_has_no_line_rather_than_a_wrong_one(tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(EML.format(encoding="quoted-printable", body=BODY.replace("=", "=3D")).encode())
    findings = json.loads(_cli("lint", "--format", "json", str(path)).stdout)["findings"]
    image = next(f for f in findings if f["rule"] == "C001")
    assert image["location"]["line"] is None


def test_a_product_grid_names_each_product_once_in_the_text_part():
    """Issue 14: a linked product image (alt: the name) followed by the name gave it twice."""
    text = _cli("render", str(ROOT / "templates/promotional/flash-sale.html"), "--data",
                str(ROOT / "examples/boutique/sale.json"), "--format", "text").stdout
    for product in SALE_PRODUCTS:
        assert text.count(product["name"]) == 1, text
        assert f"{product['name']} ({product['url']})" in text


SALE_PRODUCTS = json.loads((ROOT / "examples/boutique/sale.json").read_text(encoding="utf-8"))["sale"]["products"]


def test_a_name_that_only_repeats_a_link_label_by_chance_is_kept():
    html = ('<html><body><a href="https://shop.example/a"><img alt="Veste"></a><p>Veste</p>'
            '<p>Veste</p><a href="https://shop.example/b">Voir</a><p>Autre</p></body></html>')
    assert html_to_text(html) == "Veste (https://shop.example/a)\n\nVeste\n\nVoir (https://shop.example/b)\n\nAutre\n"


def test_bulk_text_equals_one_message_when_a_label_holds_a_recipient_value(tmp_path):
    """The repeat is decided per recipient when a value is in the label: bulk renders those in full."""
    import csv
    (tmp_path / "newsletter.toml").write_text('sender_address = "news@shop.example"\n'
                                              'unsubscribe_url = "https://shop.example/u"\n', encoding="utf-8")
    template = tmp_path / "transactional" / "note.html"
    template.parent.mkdir()
    template.write_text('{% block subject %}Note{% endblock %}<html lang="fr"><body>'
                        '<div><a href="https://shop.example/p"><img alt="{{ city }}"></a></div><p>Lyon</p></body></html>',
                        encoding="utf-8")
    rows = tmp_path / "rows.csv"
    with rows.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["email", "city"], ["a@example.com", "Lyon"], ["b@example.com", "Paris"]])
    summary = newsletter_render_campaign(template, rows, tmp_path / "out")
    assert summary.rendered == 2 and not summary.compiled
    import email
    import email.policy
    texts = {}
    for eml in sorted((tmp_path / "out").glob("*.eml")):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        texts[str(message["To"])] = message.get_body(("plain",)).get_content()
    assert texts["a@example.com"].count("Lyon") == 1 and texts["b@example.com"].count("Lyon") == 1
    assert "Paris (https://shop.example/p)" in texts["b@example.com"]


def newsletter_render_campaign(*args):
    import newsletter
    return newsletter.render_campaign(*args)


def test_subject_findings_of_an_eml_point_at_the_subject_header(tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(EML.format(encoding="8bit", body=BODY).replace("Re: vos soldes", "SOLDES FOLLES !!!").encode())
    findings = json.loads(_cli("lint", "--format", "json", str(path)).stdout)["findings"]
    lines = path.read_bytes().split(b"\n")
    subject = [f for f in findings if f["rule"] in ("C011", "C012")]
    assert len(subject) == 2 and all(lines[f["location"]["line"] - 1].startswith(b"Subject:") for f in subject)


def test_check_extracts_the_markup_of_a_message_once(monkeypatch):
    """Lint's markup family and the placement signals share one extraction (Document.derived)."""
    import importlib
    extract_module = importlib.import_module("newsletter.markup.extract")  # the package exports a function of that name
    from newsletter.placement import CheckOptions, check_paths
    calls = []
    real = extract_module.extract
    monkeypatch.setattr(extract_module, "extract", lambda *a, **k: calls.append(a) or real(*a, **k))
    [report] = check_paths([ROOT / "templates/promotional/flash-sale.html"], CheckOptions(offline=True))
    assert len(calls) == 1 and any(f.rule == "M021" for f in report.findings)
