"""Extraction: strict JSON-LD with positions in the file, microdata, and inputs (.eml, templates)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from newsletter.markup import Item, Literal, Syntax, extract
from newsletter.markup.inputs import load
from newsletter.render import Kind

FIXTURES = Path(__file__).parent / "fixtures" / "markup"


def _script(body: str, before: str = "<html><head>\n") -> str:
    return f'{before}<script type="application/ld+json">{body}</script></head><body></body></html>'


def test_trailing_comma_is_an_error_at_its_line_and_column_in_the_file():
    html = _script('\n{\n  "@context": "http://schema.org",\n  "@type": "Order",\n  "price": "1",\n}\n')
    markup = extract(html, "m.html")
    assert markup.items == ()
    [error] = markup.findings
    assert error.rule == "M001" and "trailing comma" in error.message
    # the comma ends line 6 of the file ('  "price": "1",'), column 15
    assert (error.location.path, error.location.line, error.location.column) == ("m.html", 6, 15)


@settings(max_examples=60, deadline=None)
@given(lines_before=st.integers(0, 30), indent=st.integers(0, 12))
def test_syntax_error_positions_follow_the_script_offset(lines_before, indent):
    """Wherever the block sits in the file, the reported position is the bad character's."""
    before = "<html><head>\n" + "<!-- filler -->\n" * lines_before + " " * indent
    html = _script('{"@type": "Order", "price": \'1\'}', before)
    [error] = extract(html).findings
    bad = html.index("'1'")
    assert error.location.line == html.count("\n", 0, bad) + 1
    assert error.location.column == bad - html.rfind("\n", 0, bad)


def test_commented_out_blocks_and_other_scripts_are_ignored():
    html = (
        '<!-- <script type="application/ld+json">{"@type": broken</script> -->'
        '<script type="text/javascript">var x = {"@type": "Order"};</script>'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "DiscountOffer"}</script>'
    )
    markup = extract(html)
    assert markup.findings == ()
    assert [i.type for i in markup.items] == ["DiscountOffer"]


def test_graph_arrays_and_prefixed_types():
    html = _script(json.dumps({
        "@context": "http://schema.org",
        "@graph": [{"@type": "schema:Organization", "logo": "https://a.example/l.png"},
                   {"@type": "http://schema.org/DiscountOffer", "discountCode": "X"}],
    }))
    markup = extract(html)
    assert [i.type for i in markup.items] == ["Organization", "DiscountOffer"]
    assert markup.findings == ()


def test_json_values_keep_their_types():
    html = _script(json.dumps({"@context": "http://schema.org", "@type": "Order", "price": 29.99,
                               "isGift": False, "acceptedOffer": [{"@type": "Offer"}, {"@type": "Offer"}]}))
    [order] = extract(html).items
    assert order.first("price") == Literal(29.99)
    assert order.first("isGift").value is False
    assert [v.type for v in order.values("acceptedOffer")] == ["Offer", "Offer"]


def test_microdata_values_come_from_the_right_attribute():
    html = """<div itemscope itemtype="https://schema.org/Product">
      <meta itemprop="sku" content="A1"><link itemprop="url" href="https://a.example/p">
      <img itemprop="image" src="https://a.example/i.png"><time itemprop="releaseDate" datetime="2025-01-02">2 janv.</time>
      <span itemprop="name">  Théière
        en fonte </span>
      <div itemprop="brand" itemscope itemtype="http://schema.org/Brand"><span itemprop="name">Lumière</span></div>
    </div>"""
    [product] = extract(html).items
    assert product.syntax is Syntax.MICRODATA
    assert {p.name: p.values[0].text for p in product.properties if isinstance(p.values[0], Literal)} == {
        "sku": "A1", "url": "https://a.example/p", "image": "https://a.example/i.png",
        "releaseDate": "2025-01-02", "name": "Théière en fonte",
    }
    brand = product.first("brand")
    assert isinstance(brand, Item) and brand.text("name") == "Lumière"
    assert product.property("name") and product.location.line == 1


@pytest.mark.parametrize("name", ["order", "parcel-delivery", "view-action"])
def test_json_ld_and_microdata_give_the_same_graph(name):
    from_json = extract((FIXTURES / f"{name}.jsonld.html").read_text()).items
    from_microdata = extract((FIXTURES / f"{name}.microdata.html").read_text()).items
    assert from_json == from_microdata


def test_promotions_microdata_matches_the_json_ld_annotations():
    from_json = extract((FIXTURES / "promotions.jsonld.html").read_text()).items
    from_microdata = extract((FIXTURES / "promotions.microdata.html").read_text()).items
    assert from_json[:2] == from_microdata


def test_eml_input_reads_the_html_part(tmp_path):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@shop.example", "b@example.com", "Commande"
    message.set_content("Texte brut")
    message.add_alternative((FIXTURES / "order.jsonld.html").read_text(), subtype="html")
    path = tmp_path / "order.eml"
    path.write_bytes(message.as_bytes())
    source = load(path)
    assert [i.type for i in source.markup.items] == ["Order"]
    assert source.kind is None  # an .eml declares no kind
    assert "FR-2025-000123" in source.visible_text
    assert load(path, kind="transactional").kind is Kind.TRANSACTIONAL


def test_template_rendered_with_data_takes_the_kind_of_its_folder(tmp_path):
    folder = tmp_path / "promotional"
    folder.mkdir()
    template = folder / "sale.html"
    template.write_text(
        "{% block subject %}Soldes{% endblock %}<html><head>"
        '<script type="application/ld+json">{"@context": "http://schema.org", "@type": "DiscountOffer",'
        ' "description": "-{{ percent }} %", "discountCode": "{{ code }}"}</script></head>'
        "<body><p>Code {{ code }}</p></body></html>"
    )
    source = load(template, data={"percent": 20, "code": "BIENVENUE10"})
    assert source.kind is Kind.PROMOTIONAL
    [offer] = source.markup.items
    assert offer.text("discountCode") == "BIENVENUE10" and offer.text("description") == "-20 %"
    assert load(template, data={"percent": 1, "code": "X"}, kind="transactional").kind is Kind.TRANSACTIONAL
