"""Issue 18's fifth pass: scans check skips where the text lacks what every match holds, and
what it reads once instead of several times, give what the full reading gave — over generated
French and English HTML and texts (accents, `€`, `-50 %`, « soldes », comments, odd cases)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsletter.markup import extract
from newsletter.markup.jsonld import _COMMENT, _SCRIPT, _SCRIPT_START, _blank
from newsletter.placement.signals import _ADDRESSES

_HTML_PIECES = st.one_of(
    st.sampled_from(["<script", "<SCRIPT", "<Script", "<\u017fcript", "<scripts", "<script>", "</script>",
                     '<script type="application/ld+json">', "<script\ntype='application/ld+json'>",
                     '{"@context": "https://schema.org", "@type": "Order", "orderNumber": "n° 1042"}',
                     "<!--", "-->", "<!-- <script", "<!--[if mso]>", "<![endif]-->", "<", ">", "<p>", "</p>",
                     "« Soldes d’été »", "Jusqu’à -50 % sur tout", "19,99 €", "\n", "\u00a0", "script", "<scr"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=8),
)
_HTML = st.lists(_HTML_PIECES, max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(_HTML)
@example("<!-- <script type=\"application/ld+json\">{}</script> --><p>Soldes : -50 %</p>")
@example('<\u017fcript type="application/ld+json">{"@type": "Order"}</script>')
def test_a_document_without_a_script_start_has_no_json_ld_block(html):
    """JSON-LD is looked for only in HTML holding `<script` (any case): blanking comments makes
    only spaces, so no block starts in a document without one."""
    if _SCRIPT_START.search(html) is None:
        assert list(_SCRIPT.finditer(_COMMENT.sub(_blank, html))) == []


def test_json_ld_is_still_read_in_any_case():
    """Not vacuous: blocks written `<SCRIPT` or after a comment are read as before."""
    body = '{"@context": "https://schema.org", "@type": "Order", "orderNumber": "1042"}'
    for opening in ("<script", "<SCRIPT", "<!-- soldes --><Script"):
        markup = extract(f'<html><head>{opening} type="application/ld+json">{body}</script></head></html>')
        assert [item.type for item in markup.items] == ["Order"], opening
    assert extract(f'<!-- <script type="application/ld+json">{body}</script> -->').items == ()


# -- the words the learned terms read ----------------------------------------------------------------

_WORDS = st.one_of(
    st.sampled_from(["fin.", "note :", "Soldes:", "e.g.", "a.b", "v1.2", "www.shop.fr.", "shop.fr", "...", ".",
                     "contact@boutique.fr", "@", "x@", "@y", "https://shop.example/soldes?x=1", "http:", "://",
                     "mailto:client@exemple.fr", "ftp://x", "-50 %", "19,99 €", "« soldes »", "d'été", "l'offre",
                     "n°", "#1042", "a-b.c-d", "_._", "\u00a0", "\n"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=10),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_WORDS, max_size=20).map("".join))
@example("Merci. Écrivez-nous : contact@boutique.fr ou www.shop.fr, fin.")
def test_a_piece_without_at_scheme_or_inner_dot_holds_no_address(text):
    """The terms' words search a piece for an address only when it holds "@", "://" or a dot
    before its last character: no address is in the others (`_ADDRESSES` leaves them whole)."""
    for piece in text.split():
        if not ("@" in piece or "://" in piece or piece.find(".", 0, -1) >= 0):
            assert _ADDRESSES.sub(" ", piece) == piece
