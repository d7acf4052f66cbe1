"""The transparent model: two fitted logistic models (Promotions or not; spam or not, from the
content) and hand-set parts (Updates or Primary; authentication, compliance, SpamAssassin),
every term a `Reason`. A reader can redo the sums by hand: log-odds = intercept + Σ
contributions, probability = 1 / (1 + e^-log-odds).

Tab: Promotions or not by the fitted probability; a tab is named only when that probability is
at least `sure` one way or the other and the message's own signals weigh at least
`min_evidence`, else "unknown". Not Promotions: Updates or Primary by the updates score (hand-set). Spam risk: low, medium or high by the spam probability.
"""

from __future__ import annotations

import enum
import math
from collections import ChainMap
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from .knowledge import Knowledge, Model, Weight, knowledge
from .signals import Signals


class Tab(str, enum.Enum):
    PRIMARY = "primary"
    UPDATES = "updates"
    PROMOTIONS = "promotions"
    UNKNOWN = "unknown"  # the evidence is too thin or too mixed to name a tab


class SpamRisk(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Reason:
    """One term of one score: `weight` × `value` (limited to the signal's cap) = `contribution`."""

    signal: str
    score: str  # promotions, updates, spam
    value: float
    weight: float
    contribution: float
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"signal": self.signal, "score": self.score, "value": _number(self.value),
                "weight": round(self.weight, 3), "contribution": round(self.contribution, 2), "text": self.text}


@dataclass(frozen=True)
class Placement:
    tab: Tab
    confidence: float  # the probability of the tab named (of the likelier side when unknown)
    probabilities: Mapping[str, float]  # promotions, updates, primary: they sum to 1
    promotions_score: float  # log-odds of Promotions
    updates_score: float
    spam_risk: SpamRisk
    spam_probability: float
    spam_score: float  # log-odds of spam: the sum of `spam_parts`
    spam_parts: Mapping[str, float]  # content, authentication, compliance, spamassassin (log-odds)
    reasons: tuple[Reason, ...]
    intercepts: Mapping[str, float]  # promotions, spam: the log-odds before any signal

    def reasons_for(self, score: str) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.score == score)

    def to_json(self) -> dict[str, Any]:
        return {
            "tab": self.tab.value,
            "confidence": self.confidence,
            "probabilities": {k: round(v, 3) for k, v in self.probabilities.items()},
            "promotions_score": round(self.promotions_score, 2),
            "updates_score": round(self.updates_score, 2),
            "spam_risk": self.spam_risk.value,
            "spam_probability": round(self.spam_probability, 3),
            "spam_score": round(self.spam_score, 2),
            "spam_parts": {k: round(v, 2) for k, v in self.spam_parts.items()},
            "intercepts": dict(self.intercepts),
            "reasons": [r.to_json() for r in self.reasons],
        }


# A contribution smaller than this (log-odds) reads as 0 at the report's precision: it is neither
# a reason nor a part of the score, so the score is always the sum of the reasons shown.
SMALLEST = 0.005


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)


def _terms(weights: Iterable[Weight], values: Mapping[str, float],
           details: Mapping[str, str] | None) -> list[Reason]:
    reasons = []
    for weight in weights:
        value = float(values.get(weight.signal, 0.0))
        contribution = weight.contribution(value)
        if abs(contribution) >= SMALLEST:
            detail = (details or {}).get(weight.signal, "")
            reasons.append(Reason(weight.signal, weight.score, value, weight.weight, contribution,
                                  f"{weight.text}: {detail}" if detail else weight.text))
    return reasons


def _vocabulary(model: Model, score: str, terms: frozenset[str]) -> list[Reason]:
    """The learned terms present, as two reasons: those pushing up, those pulling down."""
    found = sorted(((t, model.terms[t]) for t in terms if t in model.terms), key=lambda tw: (-abs(tw[1]), tw[0]))
    reasons = []
    for side, text in zip((1, -1), model.terms_text):
        chosen = [(t, w) for t, w in found if w * side > 0]
        if chosen:
            shown = ", ".join(f"« {t} »" for t, _ in chosen[:6]) + (f" (+{len(chosen) - 6})" if len(chosen) > 6 else "")
            total = sum(w for _, w in chosen)
            reasons.append(Reason(f"{model.name}_terms", score, len(chosen), total / len(chosen), total, f"{text}: {shown}"))
    return reasons


def score(model: Model, values: Mapping[str, float], terms: frozenset[str] = frozenset(),
          details: Mapping[str, str] | None = None) -> tuple[float, tuple[Reason, ...]]:
    """A fitted model's log-odds (intercept included) and its non-zero terms as reasons, largest first."""
    score_name = model.weights[0].score if model.weights else model.name
    reasons = _terms(model.weights, values, details) + _vocabulary(model, score_name, terms)
    reasons.sort(key=lambda r: -abs(r.contribution))
    return model.intercept + sum(r.contribution for r in reasons), tuple(reasons)


class _Details(Mapping[str, str]):
    """What each content signal saw (`Signals.detail`), made only for the reasons shown: most
    signals contribute nothing to a message's scores."""

    def __init__(self, signals: Signals, names: Iterable[str]) -> None:
        self._signals, self._names = signals, frozenset(names)

    def __getitem__(self, name: str) -> str:
        if name not in self._names:
            raise KeyError(name)
        return self._signals.detail(name)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def tab_scores(signals: Signals, known: Knowledge | None = None) -> tuple[float, float, tuple[Reason, ...]]:
    """The promotions log-odds and the updates score of the content, with their reasons."""
    values = signals.values()
    return _tab_scores(signals, values, _Details(signals, values), known or knowledge())


def _tab_scores(signals: Signals, values: Mapping[str, float], details: Mapping[str, str],
                known: Knowledge) -> tuple[float, float, tuple[Reason, ...]]:
    promotions, promo_reasons = score(known.promotions, values, signals.terms, details)
    update_reasons = sorted(_terms(known.updates, values, details), key=lambda r: -abs(r.contribution))
    return promotions, sum(r.contribution for r in update_reasons), promo_reasons + tuple(update_reasons)


def predict(signals: Signals, spam_values: Mapping[str, float], spam_details: Mapping[str, str] | None = None,
            known: Knowledge | None = None,
            tab: tuple[float, float, tuple[Reason, ...]] | None = None) -> Placement:
    """Tab and spam risk of a message from its content signals and its spam signals (lint
    findings, authentication, compliance, SpamAssassin), each as `name -> value` named as in
    placement.toml. `tab`: the signals' `tab_scores`, when the caller has them already."""
    known = known or knowledge()
    values = signals.values()
    details = _Details(signals, values)
    promotions, updates, tab_reasons = tab or _tab_scores(signals, values, details, known)
    p_promotions = sigmoid(promotions)
    p_updates = sigmoid((updates - known.updates_threshold) / known.updates_scale)
    probabilities = {"promotions": p_promotions, "updates": (1 - p_promotions) * p_updates,
                     "primary": (1 - p_promotions) * (1 - p_updates)}
    evidence = sum(abs(r.contribution) for r in tab_reasons if r.score == "promotions")
    if evidence < known.min_evidence:
        tab, confidence = Tab.UNKNOWN, max(p_promotions, 1 - p_promotions)
    elif p_promotions >= known.sure:
        tab, confidence = Tab.PROMOTIONS, p_promotions
        tab_reasons = tuple(r for r in tab_reasons if r.score == "promotions")
    elif 1 - p_promotions >= known.sure:
        tab = Tab.UPDATES if p_updates >= 0.5 else Tab.PRIMARY
        confidence = probabilities[tab.value]
    else:
        tab, confidence = Tab.UNKNOWN, max(p_promotions, 1 - p_promotions)
    content, content_reasons = score(known.spam_content, {**values, **spam_values}, signals.terms,
                                     ChainMap(dict(spam_details or {}), details))  # the spam details win
    prior_reasons = _terms(known.spam_prior, spam_values, spam_details)
    parts = {"content": content, "authentication": 0.0, "compliance": 0.0, "spamassassin": 0.0}
    parts_of = {w.signal: w.part for w in known.spam_prior}
    for reason in prior_reasons:
        parts[parts_of[reason.signal]] += reason.contribution
    spam = sum(parts.values())
    p_spam = sigmoid(spam)
    risk = SpamRisk.HIGH if p_spam >= known.spam_high else SpamRisk.MEDIUM if p_spam >= known.spam_medium else SpamRisk.LOW
    spam_reasons = tuple(sorted([*content_reasons, *prior_reasons], key=lambda r: -abs(r.contribution)))
    return Placement(tab, round(confidence, 2), probabilities, promotions, updates, risk, p_spam, spam, parts,
                     tab_reasons + spam_reasons,
                     {"promotions": known.promotions.intercept, "spam": known.spam_content.intercept})


def sigmoid(log_odds: float) -> float:
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, log_odds))))
