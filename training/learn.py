"""Fitting one transparent model: a regularised logistic regression over the interpretable
signals and a vocabulary of candidate words, its two strengths chosen by cross-validation
grouped by sender.

- Signals: each weight is pulled towards its prior (`prior` in checks/placement.toml: the
  direction and size documented before any fit, 0 where none was), so where the data is silent
  — no French mail, few receipts among the newsletters — the documented direction stands, and
  where the data speaks it moves the weight; a documented direction is kept (the weight may
  shrink to 0, not change sign). A signal seen in fewer senders' mail than a word needs
  (MIN_GROUPS) keeps its prior: one or two senders' habit is no evidence about kinds of mail.
- Words: pulled towards 0 with an L1 penalty (smoothed), so only the words that earn their place
  keep a weight, either way (typical of one class or of the other); the rest are dropped.
- Calibration: the log-odds are multiplied by one factor (temperature scaling) fitted on the
  out-of-fold predictions, so a probability says how often such a message from a sender the
  model has not seen is of that class.

Deterministic: a fixed starting point, L-BFGS (no random order), fixed folds and tolerance.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy.optimize import minimize
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from newsletter.placement import knowledge

# Small matrices: one BLAS thread is faster than several contending for a shared machine.
threadpool_limits(1)

# Strengths tried: ALPHA pulls the signals' weights to their priors, BETA the words' to 0 (both
# per standardised unit, against the mean log-loss); grouped cross-validation picks the pair
# with the lowest log-loss.
ALPHA_GRID = (0.0003, 0.003, 0.03)
BETA_GRID = (0.001, 0.003, 0.01, 0.03)
FOLDS = 5
# A word whose weight ends below this (log-odds) is dropped: the smoothed L1 leaves such crumbs.
MIN_TERM_WEIGHT = 0.02
# A word is a candidate when it appears in at least this many messages from this many senders:
# a word one sender uses is that sender's signature, not a sign of a kind of mail.
MIN_DOCUMENTS = 8
MIN_GROUPS = 4
MAX_CANDIDATES = 600
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Fitted:
    intercept: float
    weights: Mapping[str, float]  # signal -> weight (on the capped value)
    terms: Mapping[str, float]  # word or two-word phrase -> weight
    alpha: float
    beta: float
    temperature: float = 1.0  # the calibration factor, already applied to the intercept and weights

    def log_odds(self, values: Mapping[str, float], terms: frozenset[str]) -> float:
        return (self.intercept + sum(w * values.get(s, 0.0) for s, w in self.weights.items())
                + sum(w for t, w in self.terms.items() if t in terms))

    def evidence(self, values: Mapping[str, float], terms: frozenset[str]) -> float:
        """How much the message itself says: its contributions summed in absolute value."""
        return (sum(abs(w * values.get(s, 0.0)) for s, w in self.weights.items())
                + sum(abs(w) for t, w in self.terms.items() if t in terms))

    def probability(self, values: Mapping[str, float], terms: frozenset[str]) -> float:
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, self.log_odds(values, terms)))))


def candidate_terms(terms: Sequence[frozenset[str]], groups: Sequence[str]) -> list[str]:
    """Words and two-word phrases common enough, across enough senders, to be tried (numbers
    left out: they name dates and amounts of one message; function words too: they mark a
    language, and the labelled ham is English only; and the phrases a signal already counts)."""
    known = knowledge()
    excluded = known.measured_terms
    documents: Counter[str] = Counter()
    by_group: dict[str, set[str]] = {}
    for found, group in zip(terms, groups):
        documents.update(found)
        by_group.setdefault(group, set()).update(found)
    senders: Counter[str] = Counter()
    for found in by_group.values():
        senders.update(found)
    kept = [t for t, n in documents.items() if n >= MIN_DOCUMENTS and senders[t] >= MIN_GROUPS
            and not any(ch.isdigit() for ch in t) and not set(t.split()) <= known.function_words and t not in excluded]
    kept.sort(key=lambda t: (-documents[t], t))
    return sorted(kept[:MAX_CANDIDATES])


def _matrix(values: Sequence[Mapping[str, float]], terms: Sequence[frozenset[str]],
            signals: Sequence[str], vocabulary: Sequence[str]) -> np.ndarray:
    rows = np.zeros((len(values), len(signals) + len(vocabulary)))
    column = {t: len(signals) + n for n, t in enumerate(vocabulary)}
    for i, (row, found) in enumerate(zip(values, terms)):
        rows[i, :len(signals)] = [row.get(s, 0.0) for s in signals]
        rows[i, [column[t] for t in found & column.keys()]] = 1.0
    return rows


def fit(values: Sequence[Mapping[str, float]], terms: Sequence[frozenset[str]], labels: Sequence[bool],
        groups: Sequence[str], priors: Mapping[str, float], *, use_terms: bool = True,
        weighting: str = "senders", strengths: tuple[float, float] | None = None) -> Fitted:
    """Fit on these examples; the strengths chosen by grouped cross-validation among them when
    not given. `weighting`: "senders" gives each sender the same weight in total (a sender's
    messages share it), so the model learns kinds of mail, not the habits of the senders who
    wrote most; "messages" counts each message once (spam, whose From is mostly forged: the
    intercept is then the share of spam in the training mail, where a message with no
    evidence either way sits); "ham senders" counts each spam message once and shares the ham's
    total among its senders equally (a mailing list's thousand messages weigh what a shop's
    newsletter does, so the model does not learn one list's talk as the mark of wanted mail),
    the intercept still the share of spam messages."""
    signals = list(priors)
    vocabulary = candidate_terms(terms, groups) if use_terms else []
    X = _matrix(values, terms, signals, vocabulary)
    y = np.array(labels, dtype=float)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale  # one penalty for every column, whatever its unit
    prior = np.array([priors[s] for s in signals]) * scale[:len(signals)]
    fixed = _thin(X[:, :len(signals)], groups)
    weight = _weights(y, groups, weighting)
    senders = np.array(groups)
    alpha, beta = strengths if strengths is not None else _choose(Z, y, senders, weight, prior, fixed)
    temperature = _calibration(_out_of_fold(Z, y, senders, weight, prior, fixed, alpha, beta), y, weight)
    b, w = _solve(Z, y, weight, prior, fixed, alpha, beta)
    b, w = temperature * b, temperature * w  # calibrated: still one intercept and one weight per signal
    raw = w / scale  # back to the values' own units
    intercept = float(b - np.sum(w * mean / scale))
    weights = {s: round(float(v), 4) for s, v in zip(signals, raw[:len(signals)])}
    kept = {t: round(float(v), 4) for t, v in zip(vocabulary, raw[len(signals):]) if abs(v) >= MIN_TERM_WEIGHT}
    return Fitted(round(intercept, 4), weights, kept, alpha, beta, round(temperature, 4))


def _weights(y: np.ndarray, groups: Sequence[str], weighting: str) -> np.ndarray:
    """Each example's weight in the loss; they sum to the number of examples."""
    if weighting == "senders":
        sizes = Counter(groups)
        return np.array([len(y) / len(sizes) / sizes[g] for g in groups])
    if weighting == "messages":
        return np.ones(len(y))
    if weighting == "ham senders":
        ham = [g for g, label in zip(groups, y) if not label]
        sizes = Counter(ham)
        return np.array([1.0 if label else len(ham) / len(sizes) / sizes[g] for g, label in zip(groups, y)])
    raise ValueError(f"unknown weighting {weighting!r}")


def _thin(values: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """The signals seen in fewer than MIN_GROUPS senders' mail: what one or two senders do is
    their signature, not a sign of a kind of mail, so those weights stay at their priors."""
    senders = np.array([len({g for g, v in zip(groups, column) if v}) for column in values.T])
    return senders < MIN_GROUPS


def _solve(Z: np.ndarray, y: np.ndarray, weight: np.ndarray, prior: np.ndarray, fixed: np.ndarray,
           alpha: float, beta: float) -> tuple[float, np.ndarray]:
    """The maximum a posteriori intercept and weights, in standardised units; the `fixed`
    signals' weights held at their priors."""
    signals = len(prior)
    total = weight.sum()
    smooth = 1e-4  # |w| ≈ sqrt(w² + smooth): differentiable, so L-BFGS converges quickly

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, w = theta[0], theta[1:]
        z = b + Z @ w
        loss = float(np.sum(weight * (np.logaddexp(0, z) - y * z)) / total)
        residual = weight * (1 / (1 + np.exp(-z)) - y) / total
        gradient = np.concatenate([[residual.sum()], Z.T @ residual])
        away = w[:signals] - prior
        loss += alpha * float(away @ away)
        gradient[1:signals + 1] += 2 * alpha * away
        words = w[signals:]
        soft = np.sqrt(words * words + smooth)
        loss += beta * float(soft.sum())
        gradient[signals + 1:] += beta * words / soft
        return loss, gradient

    start = np.concatenate([[0.0], prior, np.zeros(Z.shape[1] - signals)])
    # A signal with a documented direction keeps it: the data sets its size, from 0 up.
    bounds = [(None, None)] + [(p, p) if f else (0, None) if p > 0 else (None, 0) if p < 0 else (None, None)
                               for p, f in zip(prior, fixed)] \
        + [(None, None)] * (Z.shape[1] - signals)
    result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 5_000, "gtol": TOLERANCE})
    return float(result.x[0]), result.x[1:]


def _folds(y: np.ndarray, groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(GroupKFold(n_splits=min(FOLDS, len(set(groups)))).split(np.zeros(len(y)), y, groups))


def _out_of_fold(Z: np.ndarray, y: np.ndarray, groups: np.ndarray, weight: np.ndarray, prior: np.ndarray,
                 fixed: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Each example's log-odds from a model fitted without its sender's messages."""
    log_odds = np.zeros(len(y))
    for train, test in _folds(y, groups):
        b, w = _solve(Z[train], y[train], weight[train], prior, fixed, alpha, beta)
        log_odds[test] = b + Z[test] @ w
    return log_odds


def _log_loss(log_odds: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
    return float(np.sum(weight * (np.logaddexp(0, log_odds) - y * log_odds)))


def _choose(Z: np.ndarray, y: np.ndarray, groups: np.ndarray, weight: np.ndarray,
            prior: np.ndarray, fixed: np.ndarray) -> tuple[float, float]:
    """The strengths with the lowest grouped cross-validated log-loss (the vocabulary is chosen
    once on all examples here; the outer evaluation re-chooses it inside each of its folds)."""
    best, best_loss = (ALPHA_GRID[0], BETA_GRID[0]), math.inf
    for alpha in ALPHA_GRID:
        for beta in BETA_GRID:
            loss = _log_loss(_out_of_fold(Z, y, groups, weight, prior, fixed, alpha, beta), y, weight)
            if loss < best_loss - 1e-9:
                best, best_loss = (alpha, beta), loss
    return best


def _calibration(log_odds: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
    """Temperature scaling: the one factor on the log-odds that makes out-of-fold predictions
    honest probabilities for senders the model has not seen (below 1: the fit is surer of
    itself than its record on new senders allows). The decision at even odds is unchanged."""
    result = minimize(lambda t: _log_loss(t[0] * log_odds, y, weight), np.array([1.0]), method="L-BFGS-B",
                      bounds=[(0.05, 5.0)], options={"gtol": TOLERANCE})
    return float(result.x[0])
