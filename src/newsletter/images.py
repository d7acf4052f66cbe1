"""Image files read without an imaging library: the pixel size from the header of a PNG, GIF,
JPEG or WebP (what email images are), and a PNG's pixels (for the dark-logo rule and tests).

Images come from templates' folders and from the network: both may be hostile, so every read
is bounded (`checks/input-limits.toml`, `[images]`) and a malformed file is `None`, never an
exception past this module.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from .limits import input_limits

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class ImageSize:
    format: str  # "png", "gif", "jpeg", "webp"
    width: int
    height: int


def image_size(head: bytes) -> ImageSize | None:
    """The format and pixel size from the first bytes of an image file; None when it is not
    one of the four formats or its header is cut short or malformed."""
    try:
        if head.startswith(PNG_SIGNATURE) and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return _sized("png", width, height)
        if head[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", head[6:10])
            return _sized("gif", width, height)
        if head[:2] == b"\xff\xd8":
            return _jpeg_size(head)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp_size(head)
    except struct.error:
        return None
    return None


def _sized(kind: str, width: int, height: int) -> ImageSize | None:
    return ImageSize(kind, width, height) if width > 0 and height > 0 else None


# JPEG markers that carry the frame size: SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> ImageSize | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return _sized("jpeg", width, height)
        position += 2 + length
    return None


def _webp_size(data: bytes) -> ImageSize | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":  # lossy: 14-bit sizes after the frame tag and start code
        width, height = struct.unpack("<HH", data[26:30])
        return _sized("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":  # lossless: 14 bits each, minus one, after the signature byte
        bits = int.from_bytes(data[21:25], "little")
        return _sized("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":  # extended: 24-bit sizes minus one
        return _sized("webp", int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
    return None


# --- PNG pixels -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Pixels:
    """A decoded image as 8-bit RGBA rows (`rows[y][4 * x:4 * x + 4]`)."""

    width: int
    height: int
    rows: tuple[bytes, ...]

    def at(self, x: int, y: int) -> tuple[int, int, int, int]:
        r, g, b, a = self.rows[y][4 * x:4 * x + 4]
        return r, g, b, a

    def __iter__(self):
        for row in self.rows:
            for x in range(0, len(row), 4):
                yield row[x], row[x + 1], row[x + 2], row[x + 3]


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def png_pixels(data: bytes) -> Pixels | None:
    """The RGBA pixels of an 8-bit, non-interlaced PNG (what exporters and browsers write);
    None for other PNGs, malformed ones, or ones past the `[images]` pixel bound."""
    limits = input_limits("images")
    size = image_size(data[:32])
    if size is None or size.format != "png" or size.width * size.height > limits["max_decoded_pixels"]:
        return None
    depth, colour, _, _, interlace = data[24:29]
    if depth != 8 or colour not in _CHANNELS or interlace != 0:
        return None
    palette, transparency, compressed = b"", b"", []
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            transparency = body
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
        position += 12 + length
    channels = _CHANNELS[colour]
    stride = size.width * channels
    expected = (stride + 1) * size.height
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(b"".join(compressed), expected)  # no more than the image holds
    except zlib.error:
        return None
    if len(raw) < expected:
        return None
    rows = _unfilter(raw, stride, channels, size.height)
    if rows is None:
        return None
    return Pixels(size.width, size.height, tuple(_to_rgba(row, colour, palette, transparency) for row in rows))


def _unfilter(raw: bytes, stride: int, bpp: int, height: int) -> list[bytes] | None:
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif kind != 0:
            return None
        rows.append(bytes(line))
        previous = line
    return rows


def _to_rgba(row: bytes, colour: int, palette: bytes, transparency: bytes) -> bytes:
    if colour == 6:
        return row
    out = bytearray()
    if colour == 2:
        key = transparency[1::2] if len(transparency) == 6 else None  # 16-bit samples: low bytes
        for i in range(0, len(row), 3):
            rgb = row[i:i + 3]
            out += rgb + (b"\x00" if key is not None and rgb == key else b"\xff")
    elif colour == 0:
        key = transparency[1] if len(transparency) == 2 else None
        for grey in row:
            out += bytes((grey, grey, grey, 0 if grey == key else 255))
    elif colour == 4:
        for i in range(0, len(row), 2):
            out += bytes((row[i], row[i], row[i], row[i + 1]))
    else:  # 3: palette indexes
        for index in row:
            rgb = palette[3 * index:3 * index + 3] or b"\x00\x00\x00"
            out += rgb + bytes((transparency[index] if index < len(transparency) else 255,))
    return bytes(out)


def encode_png(width: int, height: int, rgba_rows: list[bytes]) -> bytes:
    """An RGBA PNG of these rows (filter 0): for tests and fixtures, not for speed."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + row for row in rgba_rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
