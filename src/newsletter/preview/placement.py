"""The placement panel: the prediction of `newsletter.placement` for the previewed message, in
the words of the person previewing (as `newsletter check` writes them)."""

from __future__ import annotations

from ..i18n import Messages, messages
from ..placement import CheckReport
from ..placement.report import reason_text
from .model import PlacementView


def placement_view(report: CheckReport, texts: Messages | None = None) -> PlacementView | None:
    """The predicted tab, how sure, the spam risk and every reason; None with nothing to predict."""
    prediction = report.placement
    if prediction is None:
        return None
    t = texts or messages()
    return PlacementView(
        tab=prediction.tab.value,
        confidence=prediction.confidence,
        spam_risk=prediction.spam_risk.value,
        reasons=tuple(f"{t.text(f'report.score.{r.score}')} {t.signed(r.contribution)}  {reason_text(r, t)}"
                      for r in prediction.reasons),
        tab_shown=t.text(f"report.tab.{prediction.tab.value}"),
        spam_risk_shown=t.text(f"report.risk.{prediction.spam_risk.value}"),
        confidence_shown=t.percent(prediction.confidence) if prediction.confidence is not None else "",
    )
