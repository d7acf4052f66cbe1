"""Reasons quote the message as written: matched on folded text, shown with its accents, capitals
and typographic apostrophes (issue 15, item 5)."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, strategies as st

from newsletter.placement.knowledge import fold
from newsletter.placement.quotes import FoldedText
from test_placement_signals import signals


def test_a_discount_is_quoted_with_its_accents_and_apostrophe():
    found = signals("<p>Jusqu’à -40 % sur la boutique. Économisez 20 % dès aujourd’hui.</p>",
                    subject="Soldes d’hiver")
    assert found.discounts == ("Jusqu’à -40 %", "Économisez 20 %")
    assert "Jusqu’à -40 %" in found.promo_headline


def test_a_discount_written_twice_counts_once_and_is_quoted_as_first_written():
    found = signals("<p>JUSQU’À -40 % ! Oui, jusqu'a -40 % sur tout.</p>")
    assert found.discounts == ("JUSQU’À -40 %",)


def test_a_reference_number_keeps_its_capitals():
    found = signals("<p>Votre commande n° AB-12345 est confirmée.</p>")
    assert found.reference_numbers == ("commande n° AB-12345",)


def test_the_quote_spans_subject_and_text():
    quotes = FoldedText("Été", "Réduction\u00a0-30\u00a0%\nsur tout")
    match = re.search(r"reduction -30 % sur", quotes.text)
    assert quotes.quote(match.start(), match.end()) == "Réduction\u00a0-30\u00a0% sur"
    assert quotes.quote(0, 3) == "Été"


def test_an_empty_subject_keeps_the_offsets():
    quotes = FoldedText("", "Café offert")
    assert quotes.text == " cafe offert"
    assert quotes.quote(1, 5) == "Café"


@given(st.text(alphabet=st.sampled_from("aAéÉçœﬁß İΣσς’'\u00a0\u202f\n\t-%0éÀ"), max_size=40),
       st.text(alphabet=st.sampled_from("aé É’ -%"), max_size=10))
def test_a_quote_folds_back_to_the_span_it_quotes(subject, text):
    quotes = FoldedText(subject, text)
    assert quotes.text == f"{fold(subject)} {fold(text)}"
    for start in range(len(quotes.text)):
        for end in range(start + 1, len(quotes.text) + 1):
            span = quotes.text[start:end]
            if span != span.strip():
                continue
            sigma = str.maketrans("ς", "σ")  # a quoted Σ may end the quote: its lower case is then final
            assert span.translate(sigma) in fold(quotes.quote(start, end)).translate(sigma)


def test_the_check_report_quotes_the_original(tmp_path):
    page = tmp_path / "soldes.html"
    page.write_text("<!doctype html><html lang=fr><head><title>Soldes</title></head><body>"
                    "<p>Jusqu’à -40 % sur toute la boutique.</p></body></html>", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "newsletter", "check", str(page), "--offline",
                          "--kind", "promotional"], capture_output=True, text=True)
    assert "Jusqu’à -40 %" in out.stdout and "jusqu'a" not in out.stdout, out.stdout
