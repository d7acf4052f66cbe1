"""The text report: per domain, the policy and the pass rate, the pass rate per day, the sources
(most messages first), then the findings with their fixes."""

from __future__ import annotations

from .advice import is_own
from .report import DomainReport, Summary, TlsDomainReport
from .summary import days_covered, period, plural

_BARS = " ▁▂▃▄▅▆▇█"


def format_summary(summary: Summary, top: int = 20) -> str:
    blocks = [_dmarc(r, top) for r in summary.dmarc] + [_tls(r) for r in summary.tls]
    return "\n".join(blocks) if blocks else "no report in the store for this selection\n"


def _dmarc(report: DomainReport, top: int) -> str:
    t = report.traffic
    p = t.policy
    policy = " ".join(f"{name}={value}" for name, value in (("p", p.p), ("sp", p.sp), ("np", p.np), ("pct", p.pct),
                                                            ("t", p.testing)) if value is not None)
    lines = [f"{t.domain}: DMARC, {plural(t.reports, 'report')} from {plural(len(t.reporters), 'receiver')}, "
             f"{period(t.begin, t.end)} ({plural(days_covered(t), 'day')}, reports on {plural(len(t.days), 'day')})",
             f"  policy   {policy}",
             f"  messages {t.messages:,}, DMARC pass {_rate(t.dmarc_pass, t.messages)}"]
    if t.days:
        lines.append(f"  per day  {_sparkline([d.dmarc_pass / d.messages if d.messages else 0 for d in t.days])}  "
                     f"{t.days[0].day:%m-%d} {_rate(t.days[0].dmarc_pass, t.days[0].messages)} … "
                     f"{t.days[-1].day:%m-%d} {_rate(t.days[-1].dmarc_pass, t.days[-1].messages)}")
    lines.append(f"  sources  {len(t.sources)}" + (f", the {top} sending most:" if len(t.sources) > top else ":"))
    lines.append(f"    {'messages':>9} {'DMARC':>6} {'SPF al.':>7} {'DKIM al.':>8} {'blocked':>7}  "
                 f"{'in SPF':<6}  {'source':<39} provider")
    for s in t.sources[:top]:
        sender = report.senders[s.ip]
        in_spf = {True: "yes", False: "no", None: "?"}[sender.in_spf]
        name = s.ip + (f" {sender.reverse_name}" if sender.reverse_name else "")
        provider = (sender.provider or "") + (" (yours)" if is_own(s, sender) else "")
        lines.append(f"    {s.messages:>9,} {_rate(s.dmarc_pass, s.messages):>6} {_rate(s.spf_aligned, s.messages):>7} "
                     f"{_rate(s.dkim_aligned, s.messages):>8} {s.quarantined + s.rejected:>7,}  {in_spf:<6}  "
                     f"{name:<39} {provider}".rstrip())
    return "\n".join(lines + _findings(report.findings)) + "\n"


def _tls(report: TlsDomainReport) -> str:
    t = report.traffic
    total = t.successful + t.failed
    lines = [f"{t.domain}: SMTP TLS, {plural(t.reports, 'report')} from {plural(len(t.reporters), 'sender')}, "
             f"{period(t.begin, t.end)}",
             f"  sessions {total:,}, failed {t.failed:,} ({_rate(t.failed, total)})"]
    lines += [f"    {count:>9,}  {kind}" for kind, count in t.failures]
    return "\n".join(lines + _findings(report.findings)) + "\n"


def _findings(findings) -> list[str]:
    lines = []
    for item in findings:
        lines.append(f"  {item.severity.value} {item.rule} {item.message}")
        if item.fix:
            lines.append(f"    fix: {item.fix}")
    return lines


def _rate(part: int, whole: int) -> str:
    if not whole:
        return "-"
    return f"{part / whole:.0%}" if part in (0, whole) else f"{part / whole:.1%}"


def _sparkline(values: list[float]) -> str:
    """A pass rate a character a day: ▁ 0% … █ 100%."""
    return "".join(_BARS[min(8, max(1, round(v * 8)))] if v > 0 else _BARS[1] for v in values[-60:])
