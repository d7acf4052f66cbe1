"""The placement panel: the prediction of `newsletter.placement` for the previewed message."""

from __future__ import annotations

from ..placement import CheckReport
from .model import PlacementView


def placement_view(report: CheckReport) -> PlacementView | None:
    """The predicted tab, how sure, the spam risk and every reason; None with nothing to predict."""
    prediction = report.placement
    if prediction is None:
        return None
    return PlacementView(
        tab=prediction.tab.value,
        confidence=prediction.confidence,
        spam_risk=prediction.spam_risk.value,
        reasons=tuple(f"{r.score} {r.contribution:+.1f}  {r.text}" for r in prediction.reasons),
    )
