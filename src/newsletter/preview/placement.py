"""The placement panel's one source: the prediction of `newsletter.placement` (issue 7).

Until that package is merged the import fails and the page says "prediction unavailable".
This is the only place the preview touches placement: adapt `placement_for` to its API.
"""

from __future__ import annotations

from ..render import RenderedMessage
from .model import PlacementView

try:  # newsletter.placement is built in parallel (issue 7); the preview works without it
    from .. import placement as _placement
except ImportError:
    _placement = None


def placement_for(rendered: RenderedMessage) -> PlacementView | None:
    """The predicted tab, confidence, spam risk and reasons; None while no predictor exists."""
    predict = getattr(_placement, "predict", None)
    if predict is None:
        return None
    prediction = predict(rendered)
    return PlacementView(
        tab=str(getattr(prediction.tab, "value", prediction.tab)),
        confidence=prediction.confidence,
        spam_risk=str(getattr(prediction.spam_risk, "value", prediction.spam_risk)),
        reasons=tuple(str(r) for r in prediction.reasons),
    )
