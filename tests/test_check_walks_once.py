"""What check works out once per document instead of once per ask (issue 18) is what the plain
functions say: whether an element is hidden, the visible words, the text around a link; over
generated French and English HTML (hidden elements, preheaders, accents, €, « -50 % ») asked in
any order, and over the real corpus."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files, requires_shared
from newsletter.document import Document, Origin, load_input
from newsletter.html.dom import collapse_spaces, hidden_in_tree, parse_html, visible_text, visible_word_count
from newsletter.kinds import Kind
from newsletter.lint import data as lint_data
from newsletter.lint.content import _CONTEXT_TAGS, _sentences_around

_TEXTS = st.sampled_from(["Soldes d’été", "« soldes »", "-50 %", "19,99 €", "Se désinscrire", "Unsubscribe",
                          "Bonjour Camille,", "Votre commande n° 1042", "", " ", "ÉTÉ !"])
_ATTRIBUTES = st.sampled_from([
    "", ' style="display:none"', ' style="DISPLAY: none !important"', ' style="visibility:hidden"',
    ' style="mso-hide:all"', ' style="max-height:0;overflow:hidden"', ' style="color:#333;padding:4px"',
    ' hidden', ' class="preheader"', ' class="footer"', ' style="disp\\6c ay:none"',
])
_TAGS = st.sampled_from(["div", "p", "span", "a", "td", "h1", "h2", "center", "font", "style", "noscript", "img"])


def _html(depth: int) -> st.SearchStrategy[str]:
    leaf = st.builds(lambda text: text, _TEXTS)
    if depth == 0:
        return leaf
    element = st.builds(lambda tag, attributes, inner, tail: f"<{tag}{attributes}>{''.join(inner)}</{tag}>{tail}",
                        _TAGS, _ATTRIBUTES, st.lists(_html(depth - 1), max_size=3), _TEXTS)
    return st.one_of(leaf, element)


_DOCUMENTS = st.builds(lambda head, body: f"<html><head>{head}</head><body>{''.join(body)}</body></html>",
                       st.sampled_from(["", "<title>Soldes</title>", '<style>.preheader{display:none}</style>']),
                       st.lists(_html(4), min_size=1, max_size=4))


def _document(html: str) -> Document:
    return Document(path="generated.html", origin=Origin.HTML, html=html, document=parse_html(html))


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS, st.randoms(use_true_random=False))
def test_hidden_in_tree_judged_once_is_the_plain_walk(html, random):
    item = _document(html)
    elements = list(item.document.iter())
    random.shuffle(elements)  # an ancestor judged before or after its descendants
    for element in elements:
        assert item.hidden_in_tree(element) == hidden_in_tree(element)
    for element in elements:  # asked again: from what was kept
        assert item.hidden_in_tree(element) == hidden_in_tree(element)


def test_hidden_in_tree_is_not_vacuous():
    item = _document('<html><body><div style="display:none"><p><a href="#">Soldes -50 %</a></p></div>'
                     '<p><a href="#">Se désinscrire</a></p></body></html>')
    hidden, shown = item.document.iter("a")
    assert item.hidden_in_tree(hidden) and not item.hidden_in_tree(shown)
    assert item.hidden_in_tree(next(item.document.iter("p")))


@requires_shared
def test_hidden_in_tree_over_the_corpus():
    paths = corpus_files("promotional/*.html", "transactional/*.html", "gmail-labelled/*.eml")[::3]
    seen = {True: 0, False: 0}
    for path in paths:
        item = load_input(path)
        if item.document is None:
            continue
        for element in item.document.iter("a", "img", "p", "h1", "h2", "td"):
            expected = hidden_in_tree(element)
            assert item.hidden_in_tree(element) == expected, path
            seen[expected] += 1
    assert seen[True] and seen[False]


@settings(max_examples=200, deadline=None)
@given(_DOCUMENTS, st.integers(min_value=1, max_value=30), st.booleans())
def test_visible_words_counted_from_the_text_read_are_the_counted_walk(html, enough, read_first):
    item = _document(html)
    if read_first:
        assert item.visible_text == visible_text(item.document)
    counted, walked = item.visible_word_count(enough), visible_word_count(item.document, enough)
    assert counted == walked if min(counted, walked) < enough else counted >= enough and walked >= enough
    copy = dataclasses.replace(item, kind=Kind.PROMOTIONAL)  # check lints a copy: it shares what was read
    assert copy.visible_text == visible_text(item.document)


def plain_sentences_around(link) -> list[str]:
    """`lint.content._sentences_around` as it was written first: each link's block read again."""
    previous = link.getprevious()
    before = (previous.tail if previous is not None else link.getparent().text) or ""
    block = next((a for a in link.iterancestors() if a.tag in _CONTEXT_TAGS), None)
    limit = lint_data.limits().unsubscribe_context_words
    found = [text for text in (before, link.tail or "") if text.strip() and len(text.split()) <= limit]
    if block is not None and visible_word_count(block, enough=limit + 1) <= limit:
        text = visible_text(block)
        if text.strip():
            found.append(text)
    return found


@settings(max_examples=200, deadline=None)
@given(_DOCUMENTS, st.randoms(use_true_random=False))
def test_the_text_around_links_read_once_per_block_is_the_plain_text(html, random):
    item = _document(html)
    links = list(item.document.iter("a"))
    random.shuffle(links)
    for link in links + links:
        assert list(_sentences_around(item, link)) == plain_sentences_around(link)


def test_a_footers_links_share_their_cell():
    item = _document('<html><body><table><tr><td>Pour ne plus recevoir nos offres : <a href="https://x.fr/a">ici</a>'
                     ' ou <a href="https://x.fr/b">là</a></td></tr></table></body></html>')
    first, second = item.document.iter("a")
    assert list(_sentences_around(item, first))[-1] == "Pour ne plus recevoir nos offres : ici ou là"
    assert list(_sentences_around(item, second))[-1] == "Pour ne plus recevoir nos offres : ici ou là"
    assert len(item.derived("short_block_texts", dict)) == 1


_WHITE_SPACE = "".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(_WHITE_SPACE), st.sampled_from("aé€%«» -50\u200b\ufeff"),
                                  st.characters(codec="utf-8")), max_size=40))
def test_spaces_collapsed_without_the_regex_engine_are_the_regex_ones(text):
    assert collapse_spaces(text) == re.sub(r"\s+", " ", text).strip()
