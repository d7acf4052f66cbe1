"""The text report: per domain, the policy and the pass rate, the pass rate per day, the sources
(most messages first), then the findings with their fixes, in the reader's words."""

from __future__ import annotations

from ..i18n import Messages, messages
from .advice import is_own
from .report import DomainReport, Summary, TlsDomainReport
from .model import utc
from .summary import days_covered

_BARS = " ▁▂▃▄▅▆▇█"


def format_summary(summary: Summary, top: int = 20, texts: Messages | None = None) -> str:
    t = texts or messages()
    blocks = [_dmarc(r, top, t) for r in summary.dmarc] + [_tls(r, t) for r in summary.tls]
    return "\n".join(blocks) if blocks else t.text("reports.empty") + "\n"


def counted(t: Messages, noun: str, number: int) -> str:
    """"1 report", "4,212 messages" (en); « 1 rapport », « 4 212 rapports » (fr)."""
    return t.plural(f"reports.count.{noun}", number, n=_number(number, t))


def _dmarc(report: DomainReport, top: int, t: Messages) -> str:
    traffic = report.traffic
    p = traffic.policy
    policy = " ".join(f"{name}={value}" for name, value in (("p", p.p), ("sp", p.sp), ("np", p.np), ("pct", p.pct),
                                                            ("t", p.testing)) if value is not None)
    label = max(8, *(len(t.text(f"reports.{key}")) for key in ("policy", "per_day", "sources")))
    lines = [t.text("reports.dmarc", domain=traffic.domain, reports=counted(t, "report", traffic.reports),
                    receivers=counted(t, "receiver", len(traffic.reporters)), period=_period(traffic, t),
                    days=counted(t, "day", days_covered(traffic)), report_days=counted(t, "day", len(traffic.days))),
             f"  {t.text('reports.policy'):<{label}} {policy}",
             "  " + t.text("reports.messages", messages=_number(traffic.messages, t),
                           rate=_rate(traffic.dmarc_pass, traffic.messages, t))]
    if traffic.days:
        first, last = traffic.days[0], traffic.days[-1]
        lines.append(f"  {t.text('reports.per_day'):<{label}} "
                     f"{_sparkline([d.dmarc_pass / d.messages if d.messages else 0 for d in traffic.days])}  "
                     f"{first.day:%m-%d} {_rate(first.dmarc_pass, first.messages, t)} … "
                     f"{last.day:%m-%d} {_rate(last.dmarc_pass, last.messages, t)}")
    shown = _number(len(traffic.sources), t)
    lines.append(f"  {t.text('reports.sources'):<{label}} " + (t.text("reports.sources_top", count=shown, top=top)
                                                         if len(traffic.sources) > top else
                                                         t.text("reports.sources_all", count=shown)))
    # column: (header, width, align); a header longer than its column widens it
    columns = [(t.text(f"reports.column.{key}"), width, align) for key, width, align in
               (("messages", 9, ">"), ("dmarc", 6, ">"), ("spf", 7, ">"), ("dkim", 8, ">"), ("blocked", 7, ">"),
                ("in_spf", 6, "<"), ("source", 39, "<"), ("provider", 0, "<"))]
    widths = [max(width, len(header)) for header, width, _ in columns]

    def row(cells: list[str]) -> str:
        shown = [f"{cell:{align}{width}}" for cell, width, (_, _, align) in zip(cells, widths, columns)]
        return ("    " + " ".join(shown[:5]) + "  " + "  ".join(shown[5:7]) + " " + shown[7]).rstrip()

    lines.append(row([header for header, _, _ in columns]))
    for s in traffic.sources[:top]:
        sender = report.senders[s.ip]
        in_spf = t.text(f"reports.in_spf.{ {True: 'yes', False: 'no', None: 'unknown'}[sender.in_spf] }")
        name = s.ip + (f" {sender.reverse_name}" if sender.reverse_name else "")
        provider = (sender.provider or "") + (t.text("reports.yours") if is_own(s, sender) else "")
        lines.append(row([_number(s.messages, t), _rate(s.dmarc_pass, s.messages, t), _rate(s.spf_aligned, s.messages, t),
                          _rate(s.dkim_aligned, s.messages, t), _number(s.quarantined + s.rejected, t), in_spf, name,
                          provider]))
    return "\n".join(lines + _findings(report.findings, t)) + "\n"


def _tls(report: TlsDomainReport, t: Messages) -> str:
    traffic = report.traffic
    total = traffic.successful + traffic.failed
    lines = [t.text("reports.tls", domain=traffic.domain, reports=counted(t, "report", traffic.reports),
                    senders=counted(t, "sender", len(traffic.reporters)), period=_period(traffic, t)),
             "  " + t.text("reports.sessions", total=_number(total, t), failed=_number(traffic.failed, t),
                           rate=_rate(traffic.failed, total, t))]
    lines += [f"    {_number(number, t):>9}  {kind}" for kind, number in traffic.failures]
    return "\n".join(lines + _findings(report.findings, t)) + "\n"


def _findings(findings, t: Messages) -> list[str]:
    lines = []
    for item in findings:
        lines.append(f"  {t.severity(item.severity)} {item.rule} {t.message(item.message)}")
        if item.fix:
            lines.append("    " + t.text("report.fix", fix=t.fix(item)))
    return lines


def _period(traffic, t: Messages) -> str:
    return t.text("reports.period", begin=f"{utc(traffic.begin):%Y-%m-%d}", end=f"{utc(traffic.end):%Y-%m-%d}")


def _number(number: int, t: Messages) -> str:
    return t.number(f"{number:,}")


def _rate(part: int, whole: int, t: Messages) -> str:
    if not whole:
        return "-"
    shown = f"{part / whole * 100:.0f}" if part in (0, whole) else f"{part / whole * 100:.1f}"
    return t.text("reports.percent", n=t.number(shown))


def _sparkline(values: list[float]) -> str:
    """A pass rate a character a day: ▁ 0% … █ 100%."""
    return "".join(_BARS[min(8, max(1, round(v * 8)))] if v > 0 else _BARS[1] for v in values[-60:])
