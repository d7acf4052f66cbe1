"""The signals skip a pattern's scan when the text lacks what every match of it holds (issue 18):
over generated French and English texts, folded or as written, they find exactly what the full
scan finds — discounts (« -50 % », "buy one, get one"), prices (€, $, EUR) and words written
with digits ("v1agra", "m0ney") — and a phrase list
tells whether a text holds one of its phrases as its full pattern does."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsletter.lint import data
from newsletter.placement.knowledge import fold
from newsletter.placement.signals import (
    _DISCOUNT, _LEET, _LEET_MARK, _PRICE, _PRICE_MARKS, _discounts, _obfuscated, knowledge,
)

_PIECES = st.one_of(
    st.sampled_from(["-50 %", "-50\u202f%", "jusqu’à -40 %", "20 % de réduction", "up to 70%", "save 15 %",
                     "Buy one, get one", "1 acheté = 1 offert", "2 pour 1", "2 for 1", "19,99 €", "€5", "$ 12.50",
                     "12 EUR", "3 euros", "10 USD", "8 gbp", "leur valeur", "v1agra", "m0ney", "ca$h", "CA$H",
                     "fr33", "ſ1ab", "F R E E", "G.R.A.T.U.I.T", "« soldes »", "Soldes d’été", "déjà", "%", "$",
                     "1", "50", "\u00a0", "\n", "Ünïcödé", "n°", "@", "."]),
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=8),
)
_TEXTS = st.lists(_PIECES, max_size=30).map(" ".join)


def _spans(matches) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in matches]


@settings(max_examples=500, deadline=None)
@given(_TEXTS)
@example("Jusqu’à -50 % sur les « SOLDES », 1 acheté = 1 offert, dès 19,99 € : c’est la f1n !")
def test_skipped_scans_find_what_the_full_scans_find(text):
    for sample in (text, fold(text)):
        assert _spans(_discounts(sample)) == _spans(_DISCOUNT.finditer(sample))
        if not any(mark in sample for mark in _PRICE_MARKS):
            assert _PRICE.findall(sample) == []
        if not _LEET_MARK.search(sample):
            assert _LEET.findall(sample) == []


def test_the_marks_let_real_matches_through():
    """Not vacuous: texts with offers, prices and digit-words are scanned and matched."""
    folded = fold("Soldes : -50 % sur tout, dès 19,99 €, 2 pour 1")
    assert [m.group(0) for m in _discounts(folded)] == ["-50 %", "2 pour 1"]
    assert _PRICE.findall(folded) and any(mark in folded for mark in _PRICE_MARKS)
    assert _obfuscated("Gagnez du m0ney avec v1agra", knowledge()) == ("m0ney", "v1agra")


_UNSUBSCRIBE = data.phrases().unsubscribe
_SPAM = data.phrases().spam
_PHRASE_TEXTS = st.lists(st.one_of(
    st.sampled_from(sorted(_UNSUBSCRIBE.phrases + _SPAM.phrases)),
    st.sampled_from(["SE DÉSINSCRIRE", "Désabonnez-vous", "unsubscribed", "ſe désinscrire", "\u212aeep", "abc", "déf",
                     "« soldes »", "-50 %", "\0", "\u00a0", "\n", "Cliquez ici", "x"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=8),
), max_size=12).map(lambda pieces: "".join(pieces) if len(pieces) % 2 else " ".join(pieces))


@settings(max_examples=500, deadline=None)
@given(_PHRASE_TEXTS)
@example("Pour ne plus recevoir nos offres, SE DÉSINSCRIRE ici")
@example("ſe désinscrire")
def test_a_phrase_list_contains_what_its_full_pattern_finds(text):
    for phrases in (_UNSUBSCRIBE, _SPAM):
        assert phrases.contains(text) == (phrases.pattern.search(data.normalise(text)) is not None)


def test_phrase_lists_contain_in_french_and_english():
    assert _UNSUBSCRIBE.contains("Pour ne plus recevoir nos offres, cliquez ici pour vous désinscrire.")
    assert _UNSUBSCRIBE.contains("Click here to UNSUBSCRIBE")
    assert not _UNSUBSCRIBE.contains("Votre commande n° 1042 est expédiée : -50 % sur la prochaine !")

