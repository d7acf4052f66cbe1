"""The HTML report: one self-contained page (inline CSS and SVG charts drawn here, no script, no
font or library from the network — its Content-Security-Policy forbids them), so it can be
mailed, archived or opened offline. Every value from a report is escaped: reports come from
strangers."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from ..findings import Finding
from .advice import is_own, thresholds
from .report import DomainReport, Summary, TlsDomainReport
from .summary import Day, SourceTraffic, days_covered, period, plural

_PASS, _FAIL, _WARN, _INK, _MUTED, _GRID = "#2f855a", "#c53030", "#d69e2e", "#1a202c", "#718096", "#e2e8f0"

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a202c;margin:0;background:#f7fafc}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px}h3{font-size:16px;margin:20px 0 8px}
.muted{color:#718096}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}.panel{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 16px;margin:12px 0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #edf2f7;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.f{margin:6px 0}.sev{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;color:#fff;margin-right:6px}
.error{background:#c53030}.warning{background:#d69e2e}.info{background:#3182ce}.fix{color:#4a5568;font-size:13px;margin-left:12px}
svg text{font-family:system-ui,sans-serif}
"""


def html_report(summary: Summary, top: int = 20, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    sections = [_dmarc(r, top) for r in summary.dmarc] + [_tls(r) for r in summary.tls]
    body = "".join(sections) or "<p>No report in the store for this selection.</p>"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>DMARC and TLS reports</title><style>{_STYLE}</style></head><body><main>"
            f"<h1>DMARC and TLS reports</h1><p class=\"muted\">What the receivers say about the mail sent as "
            f"your domains, made by <code>newsletter reports</code> on {now:%Y-%m-%d %H:%M} UTC.</p>"
            f"{body}</main></body></html>\n")


def _dmarc(report: DomainReport, top: int) -> str:
    t = report.traffic
    p = t.policy
    policy = " ".join(f"{k}={v}" for k, v in (("p", p.p), ("sp", p.sp), ("pct", p.pct), ("t", p.testing))
                      if v is not None)
    cards = [("messages", f"{t.messages:,}"), ("DMARC pass", _rate(t.dmarc_pass, t.messages)),
             ("policy", policy), ("sources", f"{len(t.sources):,}"),
             ("reports", f"{t.reports:,} from {plural(len(t.reporters), 'receiver')}")]
    return (f"<section><h2>{escape(t.domain)} <span class=\"muted\">DMARC, {escape(period(t.begin, t.end))}, "
            f"{plural(days_covered(t), 'day')}</span></h2>"
            + "<div class=\"cards\">" + "".join(f"<div class=\"card\"><span class=\"muted\">{escape(k)}</span>"
                                                 f"<b>{escape(v)}</b></div>" for k, v in cards) + "</div>"
            + _findings(report.findings)
            + f"<div class=\"panel\"><h3>DMARC pass rate per day</h3>{_pass_rate_chart(t.days)}</div>"
            + f"<div class=\"panel\"><h3>Volume per source</h3>{_volume_chart(report, t.sources[:top])}</div>"
            + f"<div class=\"panel\"><h3>Sources</h3>{_sources_table(report, top)}</div></section>")


def _tls(report: TlsDomainReport) -> str:
    t = report.traffic
    total = t.successful + t.failed
    rows = "".join(f"<tr><td>{escape(kind)}</td><td class=\"n\">{count:,}</td></tr>" for kind, count in t.failures)
    return (f"<section><h2>{escape(t.domain)} <span class=\"muted\">SMTP TLS, {escape(period(t.begin, t.end))}</span></h2>"
            f"<div class=\"cards\"><div class=\"card\"><span class=\"muted\">sessions</span><b>{total:,}</b></div>"
            f"<div class=\"card\"><span class=\"muted\">failed</span><b>{_rate(t.failed, total)}</b></div>"
            f"<div class=\"card\"><span class=\"muted\">reports</span><b>{t.reports:,}</b></div></div>"
            + _findings(report.findings)
            + (f"<div class=\"panel\"><table><tr><th>failure</th><th class=\"n\">sessions</th></tr>{rows}</table></div>"
               if rows else "") + "</section>")


def _findings(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return ""
    items = "".join(f"<div class=\"f\"><span class=\"sev {f.severity.value}\">{f.severity.value} {escape(f.rule)}</span>"
                    f"{escape(f.message)}" + (f"<div class=\"fix\">fix: {escape(f.fix)}</div>" if f.fix else "")
                    + "</div>" for f in findings)
    return f"<div class=\"panel\"><h3>Findings</h3>{items}</div>"


def _pass_rate_chart(days: tuple[Day, ...]) -> str:
    """Columns of the pass rate per day, the advice's threshold as a dashed line."""
    width, height, left, bottom, top = 960, 220, 44, 28, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    step = plot_w / max(len(days), 1)
    target = thresholds().pass_rate
    parts = [f"<svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" "
             "aria-label=\"DMARC pass rate per day\">"]
    for share in (0, 0.5, 1):
        y = top + plot_h * (1 - share)
        parts.append(f"<line x1=\"{left}\" x2=\"{width - 10}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" stroke=\"{_GRID}\"/>"
                     f"<text x=\"{left - 6}\" y=\"{y + 4:.1f}\" font-size=\"11\" text-anchor=\"end\" "
                     f"fill=\"{_MUTED}\">{share:.0%}</text>")
    every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        rate = day.dmarc_pass / day.messages if day.messages else 0.0
        bar_h = max(plot_h * rate, 1)
        x = left + i * step + step * 0.15
        colour = _PASS if rate >= target else _WARN if rate >= 0.9 else _FAIL
        parts.append(f"<rect x=\"{x:.1f}\" y=\"{top + plot_h - bar_h:.1f}\" width=\"{step * 0.7:.1f}\" "
                     f"height=\"{bar_h:.1f}\" fill=\"{colour}\"><title>{day.day.isoformat()}: {rate:.1%} of "
                     f"{day.messages:,} messages</title></rect>")
        if i % every == 0 or i == len(days) - 1:
            parts.append(f"<text x=\"{x + step * 0.35:.1f}\" y=\"{height - 10}\" font-size=\"11\" "
                         f"text-anchor=\"middle\" fill=\"{_MUTED}\">{day.day:%m-%d}</text>")
    y = top + plot_h * (1 - target)
    parts.append(f"<line x1=\"{left}\" x2=\"{width - 10}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" stroke=\"{_INK}\" "
                 f"stroke-dasharray=\"5 4\"/><text x=\"{width - 12}\" y=\"{y - 4:.1f}\" font-size=\"11\" "
                 f"text-anchor=\"end\" fill=\"{_INK}\">{target:.0%}: ready for the next policy step</text></svg>")
    return "".join(parts)


def _volume_chart(report: DomainReport, sources: tuple[SourceTraffic, ...]) -> str:
    """A bar per source: messages that passed DMARC, then those that failed."""
    row_h, label_w, width = 24, 330, 960
    height = row_h * len(sources) + 8
    most = max((s.messages for s in sources), default=1) or 1
    bar_w = width - label_w - 80
    parts = [f"<svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"Volume per source\">"]
    for i, source in enumerate(sources):
        sender = report.senders[source.ip]
        y = 4 + i * row_h
        label = source.ip + (f" · {sender.provider}" if sender.provider else "") + (" (yours)" if is_own(source, sender) else "")
        passed = bar_w * source.dmarc_pass / most
        failed = bar_w * (source.messages - source.dmarc_pass) / most
        parts.append(f"<text x=\"{label_w - 8}\" y=\"{y + 16}\" font-size=\"12\" text-anchor=\"end\" fill=\"{_INK}\">"
                     f"{escape(label[:48])}</text>"
                     f"<rect x=\"{label_w}\" y=\"{y + 3}\" width=\"{passed:.1f}\" height=\"{row_h - 8}\" fill=\"{_PASS}\"/>"
                     f"<rect x=\"{label_w + passed:.1f}\" y=\"{y + 3}\" width=\"{failed:.1f}\" height=\"{row_h - 8}\" "
                     f"fill=\"{_FAIL}\"/><text x=\"{label_w + passed + failed + 6:.1f}\" y=\"{y + 16}\" font-size=\"12\" "
                     f"fill=\"{_MUTED}\">{source.messages:,}</text>")
    parts.append("</svg><p class=\"muted\"><span style=\"color:#2f855a\">■</span> passed DMARC "
                 "<span style=\"color:#c53030\">■</span> failed</p>")
    return "".join(parts)


def _sources_table(report: DomainReport, top: int) -> str:
    head = ("<tr><th class=\"n\">messages</th><th class=\"n\">DMARC pass</th><th class=\"n\">SPF aligned</th>"
            "<th class=\"n\">DKIM aligned</th><th class=\"n\">blocked</th><th>in SPF</th><th>IP</th>"
            "<th>reverse name</th><th>provider</th></tr>")
    rows = []
    for s in report.traffic.sources[:top]:
        sender = report.senders[s.ip]
        in_spf = {True: "yes", False: "no", None: "not checked"}[sender.in_spf]
        provider = (sender.provider or "") + (" (yours)" if is_own(s, sender) else "")
        rows.append(f"<tr><td class=\"n\">{s.messages:,}</td><td class=\"n\">{_rate(s.dmarc_pass, s.messages)}</td>"
                    f"<td class=\"n\">{_rate(s.spf_aligned, s.messages)}</td><td class=\"n\">"
                    f"{_rate(s.dkim_aligned, s.messages)}</td><td class=\"n\">{s.quarantined + s.rejected:,}</td>"
                    f"<td>{in_spf}</td><td>{escape(s.ip)}</td><td>{escape(sender.reverse_name or '')}</td>"
                    f"<td>{escape(provider)}</td></tr>")
    more = len(report.traffic.sources) - top
    tail = f"<p class=\"muted\">and {more:,} more sources (see --format json)</p>" if more > 0 else ""
    return f"<table>{head}{''.join(rows)}</table>{tail}"


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"
