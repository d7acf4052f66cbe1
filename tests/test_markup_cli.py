"""`newsletter markup`: exit codes, JSON Lines, the text tree; images; the shared corpus."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import corpus_files, requires_shared
from newsletter.cli import main
from newsletter.markup import validate
from newsletter.markup.inputs import load

FIXTURES = Path(__file__).parent / "fixtures" / "markup"
NOW = ["--now", "2025-12-01T00:00:00+01:00"]


def _run(*args):
    return CliRunner().invoke(main, ["markup", *args])


def test_valid_file_exits_0_and_shows_what_gmail_displays():
    result = _run(str(FIXTURES / "parcel-delivery.jsonld.html"), "--kind", "transactional", *NOW)
    assert result.exit_code == 0, result.output
    assert "ParcelDelivery  [json-ld, line 7]" in result.output
    assert "Gmail would display:" in result.output and "Suivre le colis button" in result.output


def test_errors_exit_1_and_findings_sit_beside_their_property(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<script type="application/ld+json">\n{"@context": "http://schema.org", "@type": "DiscountOffer",\n'
        ' "description": "-20 %",\n "availabilityEnds": "2025-01-31T23:59:00+01:00"}\n</script><p>Soldes</p>'
    )
    result = _run(str(page), *NOW)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    ends = next(i for i, line in enumerate(lines) if "availabilityEnds:" in line)
    assert "M011" in lines[ends + 1]


def test_json_lines_one_object_per_file_in_order():
    files = [FIXTURES / "order.jsonld.html", FIXTURES / "promotions.microdata.html"]
    result = _run(*map(str, files), "--format", "json", "--kind", "promotional", *NOW)
    assert result.exit_code == 1  # the order in a promotional message
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["input"].endswith(f.name) for r, f in zip(records, files)] == [True, True]
    assert set(records[0]) == {"input", "kind", "items", "findings", "display"}
    assert records[0]["kind"] == "promotional"
    assert records[0]["items"][0]["type"] == "Order"
    assert records[0]["items"][0]["properties"]["merchant"][0]["properties"]["name"] == ["Boutique Lumière"]
    assert {"rule", "severity", "message", "location", "fix"} <= set(records[0]["findings"][0])
    assert "M019" in {f["rule"] for f in records[0]["findings"]}
    assert records[1]["display"][1] == "Deal badge: -20 %, code BIENVENUE10, ends 31 Dec"


def test_malformed_json_is_reported_with_line_and_column(tmp_path):
    page = tmp_path / "comma.html"
    page.write_text('<html><head>\n<script type="application/ld+json">\n{"@type": "Order",}\n</script>')
    result = _run(str(page), "--format", "json")
    [finding] = json.loads(result.output)["findings"]
    assert result.exit_code == 1
    assert finding["rule"] == "M001" and finding["location"]["line"] == 3 and finding["location"]["column"] == 18


def test_unprocessable_input_exits_2_with_one_line(tmp_path):
    result = CliRunner().invoke(main, ["markup", str(tmp_path / "absent.html")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "file not found" in result.stderr
    bad_now = CliRunner().invoke(main, ["markup", str(FIXTURES / "order.jsonld.html"), "--now", "demain"])
    assert bad_now.exit_code == 2


def _png(width, height) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00" * 3 * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_local_image_files_give_carousel_ratios(tmp_path):
    (tmp_path / "a.png").write_bytes(_png(40, 40))
    (tmp_path / "b.png").write_bytes(_png(40, 50))
    cards = [{"@context": "http://schema.org", "@type": "PromotionCard", "image": name, "url": "https://a.example/"}
             for name in ("a.png", "b.png")]
    page = tmp_path / "cards.html"
    page.write_text(f'<script type="application/ld+json">{json.dumps(cards)}</script>')
    source = load(page)
    assert source.markup.image_size("b.png") == (40, 50)
    assert "M015" in {f.rule for f in validate(source.markup)}


@requires_shared
@pytest.mark.parametrize("path", corpus_files("**/*.html", "**/*.eml"), ids=lambda p: p.name)
def test_every_corpus_file_is_processed_without_a_crash(path):
    source = load(path, kind=path.parent.name if path.parent.name in ("transactional", "promotional") else None)
    findings = validate(source.markup, kind=source.kind, visible_text=source.visible_text)
    assert all(f.rule.startswith("M") for f in findings)
    result = _run(str(path), "--format", "json")
    assert result.exit_code in (0, 1) and json.loads(result.output)["input"]


def test_values_show_french_spaces_as_spaces_and_control_characters_escaped(tmp_path):
    page = tmp_path / "offre.html"
    page.write_text('<html><head><script type="application/ld+json">{"@context": "https://schema.org", '
                    '"@type": "DiscountOffer", "description": "-30\\u00a0%", "discountCode": "A\\u0007B"}'
                    '</script></head><body>A\u0007B</body></html>', encoding="utf-8")
    result = _run(str(page), "--kind", "promotional", *NOW)
    assert "description: '-30\u00a0%'" in result.output
    assert "discountCode: 'A\\x07B'" in result.output
