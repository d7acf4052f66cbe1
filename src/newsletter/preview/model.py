"""What the preview page shows, as typed values: one `Snapshot` per version of the inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..findings import Finding
from ..i18n import messages


@dataclass(frozen=True)
class InboxRow:
    """The Gmail inbox line: sender name, subject, preheader (Gmail's snippet)."""

    sender_name: str
    sender_address: str
    subject: str
    preheader: str


@dataclass(frozen=True)
class Deal:
    """The DiscountOffer badge of a Promotions card."""

    description: str | None
    code: str | None
    ends: str | None  # as shown: "31 Jan", « 31 janv. »
    expires: str | None = None  # the badge's words: "Expires 31 Jan", « expire le 31 janv. »


@dataclass(frozen=True)
class Product:
    """One image of the Promotions carousel (a PromotionCard)."""

    image: str | None
    headline: str | None
    price: str | None
    currency: str | None
    discount_value: str | None
    url: str | None
    price_shown: str | None = None  # in the mail's locale: "€24.00", « 24,00 € »


@dataclass(frozen=True)
class PromotionsCard:
    """What Gmail's Promotions tab builds from the annotations: logo, deal badge, carousel."""

    logo: str | None
    deal: Deal | None
    products: tuple[Product, ...] = ()


@dataclass(frozen=True)
class PlacementView:
    """The predicted tab, how sure, the spam risk and why (from `newsletter.placement`)."""

    tab: str
    confidence: float | None
    spam_risk: str
    reasons: tuple[str, ...] = ()  # in the words of the person previewing, as the words below
    tab_shown: str = ""
    spam_risk_shown: str = ""
    confidence_shown: str = ""


@dataclass(frozen=True)
class Snapshot:
    """One rendering of the inputs at `version`. `error` is set (one line) when the latest
    version could not be rendered; `html` and the rest are then from the last good version."""

    version: str
    template: str
    html_version: str = ""  # the version `html` was rendered from
    kind: str | None = None
    html: str = ""
    inbox: InboxRow | None = None
    promotions: PromotionsCard | None = None
    placement: PlacementView | None = None
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    watched: tuple[str, ...] = ()
    locale: str = "en"  # of the page's words: the person previewing's (the card follows the mail's)

    def to_json(self) -> dict[str, Any]:
        """The page's state (everything but the HTML, which has its own endpoint); `…shown`
        values are in the words of the person previewing, the others as in JSON reports."""
        t = messages(self.locale)
        return {
            "version": self.version,
            "template": self.template,
            "html_version": self.html_version,
            "kind": self.kind,
            "kind_shown": t.text(f"report.kind.{self.kind}") if self.kind else "",
            "inbox": _plain(self.inbox),
            "promotions": _plain(self.promotions),
            "placement": _plain(self.placement),
            "findings": [f.to_json() for f in self.findings],
            "findings_shown": [{"severity": t.severity(f.severity), "message": t.message(f.message), "fix": t.fix(f)}
                               for f in self.findings],
            "error": self.error,
            "watched": list(self.watched),
        }


def _plain(value: Any) -> Any:
    """A dataclass tree as JSON-ready dicts and lists."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
