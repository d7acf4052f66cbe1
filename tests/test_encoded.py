"""A body encoded line by line, its static lines once, is byte for byte the body encoded whole."""

from __future__ import annotations

import email
import email.policy

from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.render.encoded import EncodedBody, quoted_printable

# What moves quoted-printable's soft line breaks and escapes: spaces and tabs (escaped at a line's
# end), a lone '.', '=', non-ASCII, runs near the 76-character line, line breaks, a stray CR.
ATOMS = ["a", " ", "\t", ".", "=", "é", "€", "😀", "\n", "\n", "x" * 70, "y" * 75, "z" * 73, "<p>", "\r", "\r\n"]
text = st.lists(st.sampled_from(ATOMS), max_size=12).map("".join)
SLOT = object()
pieces = st.lists(st.one_of(text, st.just(SLOT)), max_size=10)


@settings(max_examples=1000, deadline=None)
@given(pieces=pieces, values=st.lists(text, min_size=1, max_size=4))
def test_encoding_static_lines_once_gives_the_whole_bodys_encoding(pieces, values):
    body = EncodedBody.of(pieces)
    parts = [values[i % len(values)] if piece is SLOT else piece for i, piece in enumerate(pieces)]
    assert body.encode(parts) == quoted_printable("".join(parts))


def test_only_lines_with_a_slot_are_left_to_encode():
    pieces = ["<p>static line one</p>\n<p>Bonjour ", SLOT, ",</p>\n<p>static ", "line three</p>\n"]
    body = EncodedBody.of(pieces)
    assert body.statics == (b"<p>static line one</p>\r\n", b"<p>static line three</p>\r\n")
    assert body.lines == (("<p>Bonjour ", 1, 2, ",</p>\n"),)


def test_the_encoding_reads_back():
    value = "Zoé " + "x" * 90 + " =. "
    parts = ["<p>", value, "</p>\n.\nend "]
    raw = (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           + EncodedBody.of(["<p>", SLOT, "</p>\n.\nend "]).encode(parts))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content().replace("\r\n", "\n") == "".join(parts)
