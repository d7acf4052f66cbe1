"""The transparent model: signals times the weights of `checks/placement.toml`, summed into
three scores; every non-zero term is a `Reason`. A reader can redo the sums by hand.

Tab: Promotions when the promotions score reaches its threshold; otherwise Updates when the
updates score reaches its threshold, else Primary. Confidence is a logistic function of the
distance to the deciding threshold. Spam risk: low, medium or high by the spam score.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, Mapping

from .knowledge import Knowledge, knowledge
from .signals import Signals


class Tab(str, enum.Enum):
    PRIMARY = "primary"
    UPDATES = "updates"
    PROMOTIONS = "promotions"


class SpamRisk(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Reason:
    """One term of one score: `value` of `signal` times `weight` (within the cap) = `contribution`."""

    signal: str
    score: str  # promotions, updates, spam
    value: float
    weight: float
    contribution: float
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"signal": self.signal, "score": self.score, "value": _number(self.value),
                "weight": self.weight, "contribution": round(self.contribution, 2), "text": self.text}


@dataclass(frozen=True)
class Placement:
    tab: Tab
    confidence: float
    promotions_score: float
    updates_score: float
    spam_risk: SpamRisk
    spam_score: float
    reasons: tuple[Reason, ...]

    def reasons_for(self, score: str) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.score == score)

    def to_json(self) -> dict[str, Any]:
        return {
            "tab": self.tab.value,
            "confidence": self.confidence,
            "promotions_score": round(self.promotions_score, 2),
            "updates_score": round(self.updates_score, 2),
            "spam_risk": self.spam_risk.value,
            "spam_score": round(self.spam_score, 2),
            "reasons": [r.to_json() for r in self.reasons],
        }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def score(name: str, values: Mapping[str, float], details: Mapping[str, str] | None = None,
          known: Knowledge | None = None) -> tuple[float, tuple[Reason, ...]]:
    """One score: the sum of its weighted signals, and the non-zero terms as reasons."""
    known = known or knowledge()
    reasons = []
    for weight in known.weights_for(name):
        value = float(values.get(weight.signal, 0.0))
        contribution = weight.contribution(value)
        if contribution:
            detail = (details or {}).get(weight.signal, "")
            reasons.append(Reason(weight.signal, name, value, weight.weight, contribution,
                                  f"{weight.text}: {detail}" if detail else weight.text))
    reasons.sort(key=lambda r: -abs(r.contribution))
    return sum(r.contribution for r in reasons), tuple(reasons)


def tab_scores(signals: Signals, known: Knowledge | None = None) -> tuple[float, float, tuple[Reason, ...]]:
    """The promotions and updates scores of the content, with their reasons."""
    values = signals.values()
    details = {name: signals.detail(name) for name in values}
    promotions, promo_reasons = score("promotions", values, details, known)
    updates, update_reasons = score("updates", values, details, known)
    return promotions, updates, promo_reasons + update_reasons


def predict(signals: Signals, spam_values: Mapping[str, float], spam_details: Mapping[str, str] | None = None,
            known: Knowledge | None = None) -> Placement:
    """Tab and spam risk of a message from its content signals and its spam signals (auth,
    lint findings, SpamAssassin), each as `name -> value` named as in placement.toml."""
    known = known or knowledge()
    promotions, updates, tab_reasons = tab_scores(signals, known)
    spam, spam_reasons = score("spam", spam_values, spam_details, known)
    p_promotions = _logistic(promotions - known.promotions_threshold, known.confidence_scale)
    if p_promotions >= 0.5:
        tab, confidence = Tab.PROMOTIONS, p_promotions
        tab_reasons = tuple(r for r in tab_reasons if r.score == "promotions")
    else:
        p_updates = _logistic(updates - known.updates_threshold, known.confidence_scale)
        tab = Tab.UPDATES if p_updates >= 0.5 else Tab.PRIMARY
        confidence = (1 - p_promotions) * max(p_updates, 1 - p_updates)
    risk = SpamRisk.HIGH if spam >= known.spam_high else SpamRisk.MEDIUM if spam >= known.spam_medium else SpamRisk.LOW
    return Placement(tab, round(confidence, 2), promotions, updates, risk, spam, tab_reasons + spam_reasons)


def _logistic(distance: float, scale: float) -> float:
    return 1 / (1 + math.exp(-distance / scale))
