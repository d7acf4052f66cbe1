"""DARK rules and the image reader behind them: real HTML, real PNG files beside the template."""

from __future__ import annotations

import struct
import zlib

from newsletter.images import ImageSize, encode_png, image_size, png_pixels
from newsletter.lint import Selection, lint_html, lint_paths

from lint_helpers import page, rules_of

DARK = ("DARK",)


def _findings(html: str):
    return lint_html(html, path="message.html", selection=Selection(DARK)).findings


# -- DARK001: text colour with no background -------------------------------------------------

def test_the_clean_message_declares_its_background_and_has_no_dark_finding():
    assert rules_of(page(), select=DARK) == []


def test_text_colour_without_any_background_is_found_once_with_the_count():
    html = ("<html><body><p style='color:#333333'>Bonjour</p><p style='color:#444'>Merci</p>"
            "<p>Rien</p></body></html>")
    [found] = _findings(html)
    assert found.rule == "DARK001"
    assert "#333333" in found.message and "1 more" in found.message


def test_a_background_on_an_ancestor_covers_the_text():
    html = ("<html><body><table><tr><td bgcolor='#ffffff'><p style='color:#333'>Bonjour</p></td></tr>"
            "</table></body></html>")
    assert _findings(html) == ()


def test_a_transparent_background_does_not_cover_the_text():
    html = "<html><body><div style='background-color:transparent'><p style='color:#333'>Bonjour</p></div></body></html>"
    assert [f.rule for f in _findings(html)] == ["DARK001"]


def test_font_color_counts_as_a_text_colour():
    assert [f.rule for f in _findings("<html><body><font color='#000080'>Soldes</font></body></html>")] == ["DARK001"]


# -- DARK003: prefers-color-scheme without the meta ------------------------------------------

def test_prefers_color_scheme_without_meta_names_the_clients():
    html = page(css="@media (prefers-color-scheme: dark) { body { background-color: #111111 !important; } }")
    [found] = _findings(html)
    assert found.rule == "DARK003"
    assert "Apple Mail (macOS)" in found.message and "html-meta-color-scheme" in found.message


def test_prefers_color_scheme_with_either_meta_is_fine():
    css = "@media (prefers-color-scheme: dark) { body { background-color: #111111 !important; } }"
    for name in ("color-scheme", "supported-color-schemes"):
        assert _findings(page(css=css, head=f'<meta name="{name}" content="light dark">')) == ()


# -- DARK002: dark logo on a transparent background -------------------------------------------

def _logo(colour: tuple[int, int, int], transparent_border: bool = True, size: int = 40) -> bytes:
    """A square: an opaque block of `colour` in the middle of a transparent (or white) frame."""
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            inside = size // 4 <= x < 3 * size // 4 and size // 4 <= y < 3 * size // 4
            if inside:
                row += bytes((*colour, 255))
            else:
                row += bytes((0, 0, 0, 0)) if transparent_border else bytes((255, 255, 255, 255))
        rows.append(bytes(row))
    return encode_png(size, size, rows)


def _lint_with_logo(tmp_path, png: bytes, src: str = "img/logo.png") -> list[str]:
    (tmp_path / "img").mkdir(exist_ok=True)
    (tmp_path / "img" / "logo.png").write_bytes(png)
    message = tmp_path / "message.html"
    message.write_text(page(body=f'<img src="{src}" alt="Boutique" width="40" height="40">'), encoding="utf-8")
    [result] = lint_paths([message])
    return [f.rule for f in result.findings if f.rule.startswith("DARK")]


def test_dark_logo_on_transparent_background_is_found(tmp_path):
    assert _lint_with_logo(tmp_path, _logo((20, 20, 30))) == ["DARK002"]


def test_light_logo_or_opaque_background_is_fine(tmp_path):
    assert _lint_with_logo(tmp_path, _logo((250, 200, 40))) == []
    assert _lint_with_logo(tmp_path, _logo((20, 20, 30), transparent_border=False)) == []


def test_remote_and_missing_images_are_skipped(tmp_path):
    assert _lint_with_logo(tmp_path, _logo((20, 20, 30)), src="https://boutique.example/img/logo.png") == []
    assert _lint_with_logo(tmp_path, _logo((20, 20, 30)), src="img/absent.png") == []


# -- the image reader ---------------------------------------------------------------------------

def test_png_written_by_hand_reads_back_pixel_for_pixel():
    png = _logo((10, 20, 30), size=8)
    pixels = png_pixels(png)
    assert (pixels.width, pixels.height) == (8, 8)
    assert pixels.at(0, 0) == (0, 0, 0, 0) and pixels.at(4, 4) == (10, 20, 30, 255)


def test_png_with_every_filter_type_decodes():
    """Rows filtered with Sub, Up, Average and Paeth (what encoders pick), as RGB."""
    width, rows = 3, [bytes((10 * x + y, 5 * y, 200 - x, )) for y in range(5) for x in range(3)]
    plain = [b"".join(rows[y * width:(y + 1) * width]) for y in range(5)]
    filtered, previous = [], bytes(width * 3)
    for kind, line in enumerate(plain):
        out = bytearray()
        for i, value in enumerate(line):
            a = line[i - 3] if i >= 3 else 0
            b, c = previous[i], previous[i - 3] if i >= 3 else 0
            p = a + b - c
            paeth = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c
            predictor = [0, a, b, (a + b) // 2, paeth][kind]
            out.append((value - predictor) & 0xFF)
        filtered.append(bytes((kind,)) + bytes(out))
        previous = line
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, 5, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(filtered))) + chunk(b"IEND", b""))
    pixels = png_pixels(png)
    assert [pixels.at(x, y)[:3] for y in range(5) for x in range(3)] == [tuple(r) for r in rows]


def test_decompression_bomb_is_refused_without_inflating_it():
    huge = struct.pack(">IIBBBBB", 20000, 20000, 8, 6, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + huge + b"\0" * 4
    assert image_size(png).width == 20000
    assert png_pixels(png) is None


def test_image_sizes_from_the_headers_of_each_format():
    gif = b"GIF89a" + struct.pack("<HH", 120, 45) + b"\0" * 8
    jpeg = (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0" + b"\0" * 9
            + b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 300, 640) + b"\0" * 10)
    webp_lossy = b"RIFF" + b"\0" * 4 + b"WEBPVP8 " + b"\0" * 10 + struct.pack("<HH", 600, 200) + b"\0" * 4
    webp_extended = b"RIFF" + b"\0" * 4 + b"WEBPVP8X" + b"\0" * 8 + (599).to_bytes(3, "little") + (199).to_bytes(3, "little")
    assert image_size(_logo((0, 0, 0), size=12)) == ImageSize("png", 12, 12)
    assert (image_size(gif).format, image_size(gif).width, image_size(gif).height) == ("gif", 120, 45)
    assert (image_size(jpeg).width, image_size(jpeg).height) == (640, 300)
    assert (image_size(webp_lossy).width, image_size(webp_lossy).height) == (600, 200)
    assert (image_size(webp_extended).width, image_size(webp_extended).height) == (600, 200)
    assert image_size(b"<html>") is None and image_size(b"\xff\xd8\xff") is None
