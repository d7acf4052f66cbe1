"""The placement's phrase matcher and folding, made faster for issue 18, find exactly what the
plain versions they replaced found: over the real vocabularies and generated French and English
texts (accents, €, « -50 % », « soldes », apostrophes, no-break spaces, combining marks)."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsletter.placement.knowledge import Vocabulary, fold, knowledge, words_of


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
                     "\u00a0", "\n", "Ἀθῆναι", "ΣΑΣ", "İstanbul", "straße", "½", "x²", "l'offre", "d'été"]),
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
