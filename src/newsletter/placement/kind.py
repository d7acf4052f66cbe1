"""The kind of mail a message is, inferred from its content, and what the product's policy says
when the declared kind and the predicted placement disagree.

Policy (docs/check.md): transactional mail belongs in Primary/Updates, so promotions are taken
out of it and Order markup added; promotional mail belongs in Promotions, so it is not dressed
as account mail: annotations, a clear unsubscribe and authentication make it work there.
"""

from __future__ import annotations

from ..findings import Finding, Location, finding
from ..kinds import Kind
from .knowledge import knowledge
from .model import Placement, Reason, Tab
from .signals import Signals


def infer_kind(promotions_score: float) -> Kind:
    """Promotional when the content reads as marketing (Promotions is the likelier side: its
    log-odds are not negative), transactional otherwise."""
    return Kind.PROMOTIONAL if promotions_score >= 0 else Kind.TRANSACTIONAL


def placement_findings(declared: Kind | None, placement: Placement, signals: Signals,
                       where: Location) -> list[Finding]:
    """P001/P002 (declared kind against prediction), P006/P007 (markup advice), P003/P004 (spam risk)."""
    known = knowledge()
    kind = declared or infer_kind(placement.promotions_score)
    found: list[Finding] = []
    sure = placement.confidence >= known.kind_min_confidence
    if declared is Kind.TRANSACTIONAL and placement.tab is Tab.PROMOTIONS and sure:
        found.append(finding("P001", f"declared transactional but predicted Promotions "
                             f"({placement.confidence:.0%}): {_top(placement.reasons_for('promotions'), positive=True)}", where))
    if declared is Kind.PROMOTIONAL and placement.tab in (Tab.UPDATES, Tab.PRIMARY) and sure:
        found.append(finding("P002", f"declared promotional but the content reads as transactional "
                             f"({placement.tab.value}, {placement.confidence:.0%}): "
                             f"{_top(placement.reasons_for('promotions'), positive=False)}", where))
    if kind is Kind.PROMOTIONAL and not signals.promotions_markup:
        found.append(finding("P006", "promotional message without DiscountOffer or PromotionCard annotations", where))
    if kind is Kind.TRANSACTIONAL and signals.reference_numbers and not signals.transactional_markup:
        found.append(finding("P007", f"mentions {', '.join(signals.reference_numbers[:2])} but has no Order, "
                             "ParcelDelivery or Invoice markup", where))
    spam = placement.reasons_for("spam")
    if placement.spam_risk.value in ("high", "medium"):
        found.append(finding("P003" if placement.spam_risk.value == "high" else "P004",
                             f"spam probability {placement.spam_probability:.0%}: {_top(spam, positive=True)}", where))
    return found


def _top(reasons: tuple[Reason, ...], *, positive: bool, count: int = 3) -> str:
    chosen = [r for r in reasons if (r.contribution > 0) == positive][:count]
    return "; ".join(f"{r.text} ({r.contribution:+.1f})" for r in chosen) or "no single strong signal"
