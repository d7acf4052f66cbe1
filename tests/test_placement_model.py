"""The transparent model: sums that can be redone by hand, tabs, confidence, spam risk, and a
message whose authentication fails."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from newsletter.lint import LintInput, Origin
from newsletter.html.dom import parse_html
from newsletter.placement import (AuthSignals, AuthStatus, CheckOptions, SpamRisk, Tab, check_input, knowledge,
                                  predict, score)
from newsletter.placement.model import sigmoid
from newsletter.placement.signals import Signals

from conftest import corpus_files, requires_shared


def test_log_odds_are_the_intercept_plus_weights_times_capped_values_plus_learned_words():
    model = knowledge().promotions
    weights = {w.signal: w for w in model.weights}
    term, term_weight = next(iter(model.terms.items()))
    total, reasons = score(model, {"promo_subject": 100, "prices": 2}, frozenset({term, "zzz-not-a-term"}))
    expected = (model.intercept + weights["promo_subject"].weight * weights["promo_subject"].cap
                + 2 * weights["prices"].weight + term_weight)
    assert total == pytest.approx(expected)
    assert [abs(r.contribution) for r in reasons] == sorted((abs(r.contribution) for r in reasons), reverse=True)
    subject = next(r for r in reasons if r.signal == "promo_subject")
    assert subject.value == 100 and subject.contribution == pytest.approx(weights["promo_subject"].weight
                                                                         * weights["promo_subject"].cap)
    assert sum(r.contribution for r in reasons) == pytest.approx(total - model.intercept)
    assert any(r.signal == "promotions_terms" and term in r.text for r in reasons)


def test_zero_signals_give_the_intercept_and_no_reasons():
    model = knowledge().spam_content
    assert score(model, {}) == (model.intercept, ())


def test_probabilities_of_the_tabs_sum_to_one_and_match_the_log_odds():
    placement = predict(Signals(promo_phrases=("soldes",), words=300, links=10), {})
    assert sum(placement.probabilities.values()) == pytest.approx(1)
    assert placement.probabilities["promotions"] == pytest.approx(sigmoid(placement.promotions_score))
    assert placement.spam_probability == pytest.approx(sigmoid(placement.spam_score))
    assert placement.spam_score == pytest.approx(sum(placement.spam_parts.values()))


def test_a_message_with_no_signal_is_not_given_a_tab():
    """The issue's reproduction: a message with no signal at all was predicted Promotions."""
    placement = predict(Signals(words=120), {})
    assert placement.tab is Tab.UNKNOWN
    assert placement.to_json()["tab"] == "unknown"


def test_tabs_follow_the_evidence():
    promo = predict(Signals(promo_subject=("soldes",), promo_phrases=("soldes", "promo", "code promo"),
                            discounts=("-50 %",), promo_headline=("soldes",), unsubscribe_link=True,
                            list_unsubscribe=True, one_click_unsubscribe=True, words=200), {})
    assert promo.tab is Tab.PROMOTIONS and promo.confidence > 0.9
    receipt = predict(Signals(transactional_phrases=("facture", "paiement", "votre commande", "livraison", "reçu"),
                              reference_numbers=("commande 1042", "facture 77"), transactional_headline=("facture",),
                              noreply_sender=True, words=300, links=3), {})
    assert receipt.tab in (Tab.UPDATES, Tab.PRIMARY)
    assert any(r.score == "updates" for r in receipt.reasons)  # why Updates, beside why not Promotions


def test_confidence_grows_with_evidence():
    weak = predict(Signals(promo_subject=("soldes",), words=200), {})
    strong = predict(Signals(promo_subject=("soldes",), promo_phrases=("soldes", "promo", "vente flash"),
                             discounts=("-50 %",), unsubscribe_link=True, words=200), {})
    assert strong.probabilities["promotions"] > weak.probabilities["promotions"]


def test_spam_risk_bands_follow_the_probability():
    known = knowledge()
    clean = predict(Signals(words=200), {})
    assert clean.spam_risk is SpamRisk.LOW and clean.spam_probability < known.spam_medium
    high = predict(Signals(words=200), {"spf_fail": 1, "dmarc_fail": 1, "dkim_fail": 1, "no_plain_text": 1,
                                        "link_mismatch": 2})
    assert high.spam_risk is SpamRisk.HIGH and high.spam_probability >= known.spam_high
    assert high.spam_parts["authentication"] == pytest.approx(
        sum(w.weight for w in known.spam_prior if w.signal in ("spf_fail", "dmarc_fail", "dkim_fail")))


def test_missing_unsubscribe_counts_once_for_both_and_less_for_the_header_alone():
    """The issue's `no_unsubscribe` defect: it said "without an unsubscribe link or
    List-Unsubscribe" but added its weight when only one of the two was missing."""
    prior = {w.signal: w for w in knowledge().spam_prior}
    both = predict(Signals(words=200), {"no_unsubscribe": 1})
    header_only = predict(Signals(words=200), {"no_list_unsubscribe": 1})
    assert both.spam_parts["compliance"] == prior["no_unsubscribe"].weight
    assert header_only.spam_parts["compliance"] == prior["no_list_unsubscribe"].weight
    assert "neither" in prior["no_unsubscribe"].text


def test_unknown_authentication_contributes_nothing():
    assert all(v == 0 for v in AuthSignals().values().values())
    assert not AuthSignals().checked


def _html(body: str) -> LintInput:
    html = f"<html lang='fr'><body>{body}</body></html>"
    return LintInput(path="msg.html", origin=Origin.HTML, html=html, document=parse_html(html), subject="Votre commande")


def test_failing_authentication_gives_high_spam_risk_with_reasons():
    failing = AuthSignals(spf=AuthStatus.FAIL, dkim=AuthStatus.NONE, dmarc=AuthStatus.FAIL, aligned=False,
                          dmarc_policy="reject", bulk_sender_compliant=False, domain="shop.example")
    asked = []

    def authenticator(request):
        asked.append(request)
        return failing

    item = _html("<p>Votre commande n° 1042 est confirmée.</p>")
    report = check_input(item, CheckOptions(sender="commandes@shop.example", ip="192.0.2.1"), authenticator=authenticator)
    assert asked[0].domain == "shop.example" and asked[0].ip == "192.0.2.1"
    assert report.placement.spam_risk is SpamRisk.HIGH
    signals = {r.signal for r in report.placement.reasons_for("spam")}
    assert {"spf_fail", "dkim_fail", "dmarc_fail", "bulk_noncompliant"} <= signals
    assert any(f.rule == "P003" and "SPF" in f.message for f in report.findings)
    offline = check_input(item, CheckOptions(offline=True))
    assert offline.placement.spam_risk is SpamRisk.LOW and not offline.auth.checked
    assert offline.placement.spam_parts["authentication"] == 0


def test_passing_authentication_adds_no_risk():
    passing = AuthSignals(spf=AuthStatus.PASS, dkim=AuthStatus.PASS, dmarc=AuthStatus.PASS, aligned=True,
                          bulk_sender_compliant=True)
    report = check_input(_html("<p>Votre commande n° 1042 est confirmée.</p>"),
                         CheckOptions(sender="a@shop.example"), authenticator=lambda r: passing)
    assert report.placement.spam_parts["authentication"] == 0 and report.auth.checked
    assert report.placement.spam_risk is SpamRisk.LOW


def test_weights_file_is_consistent():
    known = knowledge()
    assert {w.score for w in known.weights} == {"promotions", "updates", "spam"}
    assert all(w.cap > 0 for w in known.weights)
    assert 0 < known.spam_medium < known.spam_high < 1
    assert 0.5 <= known.kind_min_confidence < 1 and 0.5 < known.sure < 1
    assert {w.part for w in known.spam_prior} == {"authentication", "compliance", "spamassassin"}
    text = (Path(__file__).resolve().parents[1] / "checks/placement.toml").read_text(encoding="utf-8")
    assert "Sources" in text  # the weights say where their directions come from
    fitted = (Path(__file__).resolve().parents[1] / "checks/placement-model.toml").read_text(encoding="utf-8")
    assert "training/fit.py" in fitted and "fitted = " in fitted  # and where the fitted ones come from


@requires_shared
def test_modern_legitimate_mail_is_not_called_spam():
    """The first pass's failure: a model letting 2002 ham words count called modern shop mail
    about 54 % spam. The labelled templates and eml/ messages, checked as a user would, read as
    low risk; the figure on senders held out of the fit is training/evaluate.py's guard metric."""
    from newsletter.placement import CheckOptions, check_paths

    files = corpus_files("transactional/*.html", "promotional/*.html", "eml/*.eml")
    risky = {report.input: round(report.placement.spam_probability, 2)
             for report in check_paths(files, CheckOptions(offline=True)) if report.placement.spam_risk.value != "low"}
    assert not risky


def test_learned_words_of_equal_weight_are_named_in_one_order_whatever_the_hash_seed():
    """Words a fit gave the same weight (a phrase and its word: « new york », « york ») are shown
    in the order of the words, not of a set's iteration, which changes with PYTHONHASHSEED:
    `check` said the same message two ways from one run to the next."""
    model = dataclasses.replace(knowledge().promotions, terms={"york": 0.3, "new york": 0.3, "legislative": 0.3,
                                                                "used": 0.3, "bill": 0.3, "state": 0.3, "vote": 0.3})
    words = list(model.terms)
    shown = {score(model, {}, frozenset(order))[1][0].text for order in (words, words[::-1])}
    assert len(shown) == 1
    assert shown.pop().endswith("« bill », « legislative », « new york », « state », « used », « vote » (+1)")
