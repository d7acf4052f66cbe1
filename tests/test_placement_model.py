"""The transparent model: sums that can be redone by hand, tabs, confidence, spam risk, and a
message whose authentication fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.lint import LintInput, Origin
from newsletter.lint.dom import parse_html
from newsletter.placement import (AuthSignals, AuthStatus, CheckOptions, SpamRisk, Tab, check_input, knowledge,
                                  predict, score)
from newsletter.placement.signals import Signals


def test_score_is_the_capped_sum_of_weighted_values():
    known = knowledge()
    weights = {w.signal: w for w in known.weights_for("promotions")}
    total, reasons = score("promotions", {"promo_phrases": 100, "images": 2})
    expected = weights["promo_phrases"].cap + 2 * weights["images"].weight
    assert total == pytest.approx(expected)
    assert [r.signal for r in reasons] == ["promo_phrases", "images"]  # largest contribution first
    assert reasons[0].contribution == weights["promo_phrases"].cap and reasons[0].value == 100


def test_zero_signals_give_no_reasons():
    assert score("spam", {}) == (0, ())


def test_tabs_follow_the_scores():
    promo = predict(Signals(promo_phrases=("soldes", "promo", "code promo"), discounts=("-50 %",), images=4), {})
    assert promo.tab is Tab.PROMOTIONS and promo.confidence > 0.9
    receipt = predict(Signals(transactional_phrases=("facture", "paiement", "votre commande"),
                              reference_numbers=("commande 1042",), transactional_headline=("facture",),
                              words=300, links=3), {})
    assert receipt.tab is Tab.UPDATES
    personal = predict(Signals(words=40), {})
    assert personal.tab is Tab.PRIMARY
    assert all(r.score in ("promotions", "updates") for r in receipt.reasons)


def test_confidence_grows_with_evidence():
    weak = predict(Signals(promo_terms=("boutique", "collection", "nouveau")), {})
    strong = predict(Signals(promo_phrases=("soldes", "promo", "vente flash"), discounts=("-50 %",)), {})
    assert weak.tab is strong.tab is Tab.PROMOTIONS
    assert strong.confidence > weak.confidence


def test_spam_risk_thresholds():
    known = knowledge()
    assert predict(Signals(), {}).spam_risk is SpamRisk.LOW
    assert predict(Signals(), {"spam_phrases": 1, "shorteners": 2}).spam_risk is SpamRisk.MEDIUM
    high = predict(Signals(), {"spf_fail": 1, "dmarc_fail": 1})
    assert high.spam_risk is SpamRisk.HIGH and high.spam_score >= known.spam_high


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


def test_passing_authentication_adds_no_risk():
    passing = AuthSignals(spf=AuthStatus.PASS, dkim=AuthStatus.PASS, dmarc=AuthStatus.PASS, aligned=True,
                          bulk_sender_compliant=True)
    report = check_input(_html("<p>Votre commande n° 1042 est confirmée.</p>"),
                         CheckOptions(sender="a@shop.example"), authenticator=lambda r: passing)
    assert report.placement.spam_score == 0 and report.auth.checked


def test_weights_file_is_consistent():
    known = knowledge()
    assert {w.score for w in known.weights} == {"promotions", "updates", "spam"}
    assert all(w.cap > 0 for w in known.weights)
    assert known.spam_medium < known.spam_high
    assert 0.5 <= known.kind_min_confidence < 1
    text = (Path(__file__).resolve().parents[1] / "src/newsletter/checks/placement.toml").read_text(encoding="utf-8")
    assert "Sources" in text  # the weights say where their directions come from
