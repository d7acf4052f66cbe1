"""The text report of `newsletter check`: a headline per input (tab, confidence, spam risk,
bulk-sender rules), the reasons, then the findings grouped by area with their fixes, in the
locale's words (`newsletter.i18n`; English by default)."""

from __future__ import annotations

from functools import cache
from itertools import groupby

from ..findings import Severity
from ..i18n import DEFAULT, Messages, messages, register_quoted_texts
from ..lint.docs import area_of, area_title
from .check import CheckReport
from .knowledge import knowledge
from .model import Reason


def format_report(report: CheckReport, *, reasons: int = 6, texts: Messages | None = None) -> str:
    t = texts or messages()
    kind = t.text(f"report.kind.{report.kind.value if report.kind else 'unknown'}")
    source = t.optional(f"report.source.{report.kind_source}", report.kind_source or "")
    lines = [t.text("report.heading_source", input=report.input, kind=kind, source=source) if source
             else t.text("report.heading", input=report.input, kind=kind)]
    placement = report.placement
    if placement is not None:
        lines.append("  " + t.text("report.headline", tab=_tab(placement, t),
                                   risk=t.text(f"report.risk.{placement.spam_risk.value}"),
                                   percent=t.percent(placement.spam_probability), bulk=_bulk(report, t)))
        tab_reasons = [r for r in placement.reasons if r.score != "spam"]
        lines += _reasons(t.text("report.why_tab"), tab_reasons[:reasons], t)
        lines += _reasons(t.text("report.spam_reasons"), list(placement.reasons_for("spam"))[:reasons], t)
    if report.spamassassin is not None:
        sa = report.spamassassin
        hits = ", ".join(f"{r.name} {r.score:+.1f}" for r in sa.rules if r.score)
        lines.append("  " + t.text("report.spamassassin", score=f"{sa.score:.1f}", threshold=f"{sa.threshold:.1f}")
                     + (t.text("report.spamassassin_spam") if sa.is_spam else "") + (f": {hits}" if hits else ""))
    ordered = sorted(report.findings, key=lambda f: (area_of(f.rule), -f.severity.rank, f.rule))
    fixed: set[str] = set()
    for _, group in groupby(ordered, key=lambda f: area_of(f.rule)):
        items = list(group)
        lines.append(f"  {area_title(items[0].rule, t)} ({len(items)})")
        for item in items:
            where = f"{item.location.line}: " if item.location and item.location.line else ""
            lines.append(f"    {where}{t.severity(item.severity)} {item.rule} {t.message(item.message)}")
            if item.fix and item.severity is not Severity.INFO and item.rule not in fixed:
                lines.append("      " + t.text("report.fix", fix=t.fix(item)))  # once per rule: the same fix repeated is noise
                fixed.add(item.rule)
    return "\n".join(lines) + "\n"


def _tab(placement, t: Messages) -> str:
    if placement.tab.value == "unknown":
        likelier = max(placement.probabilities, key=placement.probabilities.get)
        return t.text("report.unknown_tab", tab=t.text(f"report.tab.{likelier}"),
                      percent=t.percent(placement.probabilities[likelier]))
    return f"{t.text(f'report.tab.{placement.tab.value}')} ({t.percent(placement.confidence)})"


def _bulk(report: CheckReport, t: Messages) -> str:
    auth = report.auth
    if auth.source == "headers":
        return t.text("report.bulk.headers")
    if not auth.checked:
        return t.text("report.bulk.offline")
    overall = t.text(_VERDICTS[{None: "unknown", True: "pass", False: "fail"}[auth.bulk_sender_compliant]])
    each = ", ".join(f"{name} {t.text(_VERDICTS[verdict])}" for name, verdict in auth.bulk_verdicts)
    return f"{overall} ({each})" if each else overall


_VERDICTS = {"pass": "report.bulk.met", "fail": "report.bulk.not_met", "unknown": "report.bulk.unknown"}


def _reasons(title: str, reasons: list[Reason], t: Messages) -> list[str]:
    if not reasons:
        return []
    return [f"  {title}"] + [f"    {t.text(f'report.score.{r.score}'):<10} {t.signed(r.contribution)}  {reason_text(r, t)}"
                             for r in reasons]


def reason_text(reason: Reason, t: Messages) -> str:
    """A reason in the locale's words: its signal's text from the catalogue, then what was seen
    (quoted from the message, or a count) after the colon."""
    if t.locale == DEFAULT:
        return reason.text
    for key, english in _english_texts().get((reason.score, reason.signal), ()):
        if reason.text == english or reason.text.startswith(f"{english}: "):
            own = t.optional(key, english)
            detail = reason.text[len(english) + 2:]
            return t.text("formats.detail", text=own, detail=t.message(detail)) if detail else own
    return reason.text


def reason_words(english: str, t: Messages) -> str | None:
    """A reason's English text ("words typical of spam: « free »") in the locale's words, whatever
    its signal (a finding's message quotes reasons as text); None when it is no reason's."""
    for (score, signal), texts in _english_texts().items():
        for _key, text in texts:
            if english == text or english.startswith(f"{text}: "):
                return reason_text(Reason(signal, score, 0, 0, 0, english), t)
    return None


register_quoted_texts(reason_words)


@cache
def _english_texts() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """(score, signal) -> the catalogue keys and English texts a reason may start with."""
    known = knowledge()
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    tables = (("promotions", known.promotions.weights), ("updates", known.updates),
              ("spam_content", known.spam_content.weights), ("spam_prior", known.spam_prior))
    for table, weights in tables:
        for weight in weights:
            found.setdefault((weight.score, weight.signal), []).append((f"reasons.{table}.{weight.signal}", weight.text))
    for model, score in ((known.promotions, "promotions"), (known.spam_content, "spam")):
        for side, english in zip(("up", "down"), model.terms_text):
            found.setdefault((score, f"{model.name}_terms"), []).append((f"terms_text.{model.name}.{side}", english))
    return {key: tuple(values) for key, values in found.items()}


def summary(reports: list[CheckReport], texts: Messages | None = None) -> str:
    """One closing line: how many inputs per tab and how many with high spam risk."""
    t = texts or messages()
    counts: dict[str, int] = {}
    for report in reports:
        key = report.placement.tab.value if report.placement else "unpredicted"
        counts[key] = counts.get(key, 0) + 1
    high = sum(1 for r in reports if r.placement and r.placement.spam_risk.value == "high")
    parts = ", ".join(f"{n} {t.text('report.unpredicted') if k == 'unpredicted' else t.text(f'report.tab.{k}')}"
                      for k, n in sorted(counts.items()))
    return t.plural("report.summary", len(reports), parts=parts, high=high) + "\n"
