"""The shipped weights (checks/placement-model.toml) are what the training script fits from the
shared corpus and the whole SpamAssassin corpus: a fresh fit, with the strengths the shipped file
records, matches them within tolerance. Needs the training extra (scikit-learn), ../shared and
`python training/fetch_data.py` (CI runs it); skips without them."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT, requires_shared

pytest.importorskip("sklearn", reason="the training extra: pip install -e '.[training]'")
sys.path.insert(0, str(ROOT / "training"))

import corpus  # noqa: E402
import fetch_data  # noqa: E402
import fit  # noqa: E402
from learn import candidate_terms  # noqa: E402


@requires_shared
def test_shipped_weights_match_a_fresh_fit():
    if fetch_data.fetched() is None:
        pytest.skip(f"the whole SpamAssassin corpus is not in {fetch_data.CORPUS}: python training/fetch_data.py")
    rows = corpus.measure(corpus.examples(), workers=2)
    stored = fit.shipped()
    assert fit.differences(stored, fit.fit_all(rows, fit.stored_strengths(stored))) == []


GROUPS = ["a.org", "b.org", "c.org", "d.org", "e.org", "f.org", "g.org", "h.org"]


def test_a_word_one_sender_uses_is_no_candidate():
    common = [frozenset({"town hall", "climate"})] * 8
    signature = [frozenset({"town hall", "climate", "zebra"})] * 8
    assert candidate_terms(common, GROUPS) == ["climate", "town hall"]
    assert "zebra" not in candidate_terms(signature, ["one.org"] * 8)
    assert candidate_terms([frozenset({"2019", "a 2"})] * 8, GROUPS) == []  # numbers name one message


def test_function_words_and_what_a_signal_counts_are_no_candidates():
    """A French message has none of the English ham's "the", "it", "is": learned, they made any
    French shop message read as spam. And a phrase a signal already counts is not learned twice."""
    found = [frozenset({"the", "it is", "votre", "the climate", "order", "donate", "chip in", "climate"})] * 8
    assert candidate_terms(found, GROUPS) == ["climate", "the climate"]


def test_differences_name_what_moved():
    stored = fit.shipped()
    fresh = {name: fit.Fitted(float(table["intercept"]) + 1, dict(table["weights"]), dict(table.get("terms", {})),
                              table["alpha"], table["beta"]) for name, table in stored.items() if name in fit.MODELS}
    problems = fit.differences(stored, fresh)
    assert len(problems) == 2 and all("intercept" in p for p in problems)


def test_temperature_undoes_overconfidence():
    """Log-odds twice too large on held-out examples are shrunk back by about half."""
    import numpy as np

    from learn import _calibration

    rng = np.random.default_rng(7)
    honest = rng.normal(0, 2, 4000)
    labels = (rng.random(4000) < 1 / (1 + np.exp(-honest))).astype(float)
    assert _calibration(2 * honest, labels, np.ones(4000)) == pytest.approx(0.5, abs=0.05)
    assert _calibration(honest, labels, np.ones(4000)) == pytest.approx(1.0, abs=0.1)


def test_docs_show_the_figures_evaluate_wrote():
    """The figures in training/README.md, docs/check.md and README.md are generated from
    training/figures.json by training/evaluate.py, not typed."""
    import json

    import evaluate

    table = evaluate.markdown(json.loads(evaluate.FIGURES.read_text(encoding="utf-8")))
    for doc in evaluate.DOCS:
        assert table in doc.read_text(encoding="utf-8"), f"{doc}: run training/evaluate.py --write-docs"


def test_a_signal_one_sender_shows_keeps_its_prior():
    """A signal seen in fewer senders' mail than a word needs is that sender's signature: its
    weight stays at its prior (here 0 and 0.5, times the calibration every weight gets), however
    well it predicts the training mail; a signal many senders show is fitted."""
    from learn import fit as fit_weights

    values, labels, groups = [], [], []
    for n in range(80):
        positive = n % 2 == 0
        sender = f"s{n % 10}.org"
        values.append({"widespread": float(positive ^ (n % 5 == 0)),  # right 4 times in 5, every sender
                       "signature": float(positive and sender == "s0.org"),
                       "documented": float(positive and sender == "s2.org")})
        labels.append(positive)
        groups.append(sender)
    fitted = fit_weights(values, [frozenset()] * 80, labels, groups,
                         {"widespread": 0.0, "signature": 0.0, "documented": 0.5}, strengths=(0.003, 0.01))
    assert fitted.weights["signature"] == 0.0
    assert fitted.weights["documented"] == pytest.approx(0.5 * fitted.temperature, abs=1e-4)
    assert fitted.weights["widespread"] > 0.1  # moved from its prior by the data
