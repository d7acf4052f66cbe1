"""The placement's phrase matcher, folding, quoting map and terms, made faster for issue 18, find
exactly what the plain versions they replaced found: over the real vocabularies and generated
French and English texts (accents, €, « -50 % », « soldes », apostrophes, no-break spaces,
combining marks, addresses and URLs)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsletter.placement.knowledge import Vocabulary, fold, knowledge, words_of
from newsletter.placement.quotes import FoldedText, _fold_map
from newsletter.placement.signals import _ADDRESSES, _words_and_terms_words, terms_of


def plain_fold(text: str) -> str:
    """`fold` as it was written first: every character looked at."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ").lower()
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def plain_distinct(vocabulary: Vocabulary, folded_text: str) -> tuple[str, ...]:
    """`Vocabulary.distinct` as it was written first: every length tried at every word."""
    words = words_of(folded_text)
    found: dict[str, None] = {}
    for start in range(len(words)):
        for length in range(1, vocabulary.longest + 1):
            phrase = vocabulary.phrases.get(tuple(words[start:start + length]))
            if phrase is not None:
                found[phrase] = None
    return tuple(found)


def plain_fold_map(part: str) -> list[int] | None:
    """`quotes._fold_map` as it was written first: one character at a time."""
    kept: list[tuple[str, int]] = []
    for index, character in enumerate(part):
        piece = character.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ").lower()
        kept += [(c, index) for c in unicodedata.normalize("NFKD", piece) if not unicodedata.combining(c)]
    out: list[str] = []
    origins: list[int] = []
    space: int | None = None
    for character, index in kept:
        if character.isspace():
            if out and space is None:
                space = index
            continue
        if space is not None:
            out.append(" ")
            origins.append(space)
            space = None
        out.append(character)
        origins.append(index)
    return origins if "".join(out) == fold(part) else None


def plain_terms(folded_text: str) -> frozenset[str]:
    """`signals.terms_of` as it was written first: the addresses taken out of the whole text."""
    words = words_of(_ADDRESSES.sub(" ", folded_text))
    return frozenset(words) | frozenset(f"{a} {b}" for a, b in zip(words, words[1:]))


def vocabularies() -> dict[str, Vocabulary]:
    known = knowledge()
    return {name: getattr(known, name) for name in
            ("promotional", "promotional_terms", "transactional", "money", "urgency", "donation", "view_online")}


# Texts made of the vocabularies' own phrases (as written: accents, capitals), words around them
# and the punctuation French and English offers use.
_PHRASES = sorted({p for v in vocabularies().values() for p in v.phrases.values()})
_PIECES = st.one_of(
    st.sampled_from(_PHRASES),
    st.sampled_from(["Soldes", "« soldes »", "-50 %", "-50\u202f%", "€", "19,99 €", "jusqu’à", "Jusqu'à",
                     "Réduction", "e\u0301te\u0301", "Ça", "ŒUVRE", "ﬁn", "Commande n° 1234", "déjà", "!", ",", ".",
                     "\u00a0", "\n", "Ἀθῆναι", "ΣΑΣ", "İstanbul", "straße", "½", "x²", "l'offre", "d'été",
                     "¨", "\u2002", "\x1c", "contact@boutique.fr", "https://shop.example/soldes?x=1", "www.shop.fr.",
                     "fin.", "a.b-c", "mailto:", "v1.2", "\t"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")), max_size=12),
)
_TEXTS = st.lists(_PIECES, max_size=40).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
@example("Jusqu’à -50 % sur les « SOLDES » d’été : livraison offerte, 19,99 € seulement !")
@example("Free shipping on orders over $50 — shop now, LIMITED TIME")
def test_fold_is_the_plain_fold(text):
    assert fold(text) == plain_fold(text)


@settings(max_examples=400, deadline=None)
@given(_TEXTS, _TEXTS)
@example("Soldes d’hiver", "Jusqu’à -50 % sur tout : « code promo » HIVER24, livraison gratuite")
@example("Your order has shipped", "Order #1042: track your parcel. Votre commande est expédiée.")
def test_phrases_found_are_the_plain_matchers(subject, text):
    """Each vocabulary finds the same phrases in the same order, whether given the folded text
    or its words, and the words of subject and text joined are those of the joined text."""
    folded_subject, folded = fold(subject), fold(text)
    whole = f"{folded_subject} {folded}"
    assert words_of(whole) == words_of(folded_subject) + words_of(folded)
    for vocabulary in vocabularies().values():
        for sample in (folded, whole):
            expected = plain_distinct(vocabulary, sample)
            assert vocabulary.distinct(sample) == expected
            assert vocabulary.distinct_in(words_of(sample)) == expected


def test_phrases_are_found_in_french_and_english():
    """Not vacuous: the generated texts hold phrases, and these are found."""
    promotional = knowledge().promotional
    found = promotional.distinct(fold("Les SOLDES d’été commencent : code promo ÉTÉ, shop now"))
    assert found and set(found) <= set(promotional.phrases.values())
    assert found == plain_distinct(promotional, fold("Les SOLDES d’été commencent : code promo ÉTÉ, shop now"))


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
@example("  Jusqu’à\u00a0-50 %\n\t« SOLDES »  ")
@example("¨ e\u0301 \u2002ΣΑΣ İ")
def test_fold_map_is_the_plain_map(text):
    """Where each folded character comes from, and so every quote, as the plain map said."""
    assert _fold_map(text) == plain_fold_map(text)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
@example("Écrivez à contact@boutique.fr ou https://shop.example/soldes, www.shop.fr. Fin.")
def test_terms_are_the_plain_terms(text):
    assert terms_of(fold(text)) == plain_terms(fold(text))


@settings(max_examples=400, deadline=None)
@given(_TEXTS, st.booleans())
@example("Écrivez à contact@boutique.fr ou https://shop.example/soldes, www.shop.fr. Fin.", True)
@example("v1.2 : -50 % sur « SOLDES » d’été.", False)
def test_words_and_terms_words_are_read_in_one_walk(text, folded):
    """The words the vocabularies read and those the terms read, as `words_of` of the text and
    of the text without its addresses (the plain terms), from the folded text or any other."""
    text = fold(text) if folded else text
    words, terms_words = _words_and_terms_words(text)
    plain = words_of(_ADDRESSES.sub(" ", text))
    assert words == words_of(text)
    assert terms_words == plain


def test_a_quote_is_the_text_as_written():
    """Not vacuous: the map quotes the original span of a folded match."""
    quotes = FoldedText("Soldes d’été", "Jusqu’à\u00a0-50 % sur tout")
    match = re.search(r"jusqu'a -50 %", quotes.text)
    assert quotes.quote(match.start(), match.end()) == "Jusqu’à\u00a0-50 %"
