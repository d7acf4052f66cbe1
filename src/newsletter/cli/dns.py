"""`newsletter dns`: the sender-authentication report for one or more domains."""

from __future__ import annotations

from pathlib import Path

import click

from ..auth import (CHECKS, CheckOptions, DomainReport, LayeredResolver, NetworkResolver,
                    QueryBudget, ZoneResolver, check_domains, parse_nameserver, validate_domain)
from ..auth.bimi_evidence import MarkCertificate, fetch_evidence, read_mark_certificate
from ..auth.spf import normalise_ip
from ..errors import NewsletterError
from ..findings import Finding, has_errors
from ..i18n import Messages, messages, reader_messages
from .app import LOCALE_OPTION, echo_json, main


def _only(values: tuple[str, ...]) -> frozenset[str]:
    chosen = {v.strip().lower() for value in values for v in value.split(",") if v.strip()}
    unknown = chosen - set(CHECKS)
    if unknown:
        raise NewsletterError(f"unknown --only value {', '.join(sorted(unknown))}",
                              fix=f"choose among {','.join(CHECKS)}")
    return frozenset(chosen) if chosen else frozenset(CHECKS)


@main.command()
@click.argument("domains", nargs=-1, required=True, metavar="DOMAIN...")
@click.option("--selector", "selectors", multiple=True, metavar="S",
              help="DKIM selector to check (repeatable); default: probe common selectors.")
@click.option("--ip", metavar="IP", help="Sending IP: evaluate SPF for it and check its PTR.")
@click.option("--mail-from", metavar="ADDRESS",
              help="MAIL FROM (return-path) for SPF; '' for the null sender, which SPF checks "
                   "by its HELO name. Default: the --message's Return-Path, else "
                   "postmaster@DOMAIN.")
@click.option("--helo", default="", metavar="HOST",
              help="HELO/EHLO name for SPF (any text, e.g. an address literal [192.0.2.1]).")
@click.option("--message", "message_file", type=click.Path(path_type=Path, dir_okay=False),
              help="A .eml whose DKIM signatures, alignment and unsubscribe headers to check.")
@click.option("--only", "only", multiple=True, metavar="CHECKS",
              help=f"Comma-separated subset of {','.join(CHECKS)}.")
@click.option("--nameserver", "nameservers", multiple=True, metavar="HOST[:PORT]",
              help="Nameserver to ask (repeatable); default: the system's.")
@click.option("--zone", "zones", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Master zone file to check before publishing (repeatable); offline unless "
                   "--nameserver is also given, which then answers for names outside the zones.")
@click.option("--timeout", default=2.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds to wait for each DNS answer.")
@click.option("--bimi-evidence", "bimi_evidence", type=click.Path(path_type=Path, dir_okay=False),
              help="The BIMI mark certificate (PEM): say whether it is a VMC or a CMC.")
@click.option("--network", is_flag=True,
              help="Also fetch what the records point at over HTTPS (the BIMI a= certificate).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Readable report, or JSON Lines (one object per domain).")
@LOCALE_OPTION
def dns(domains: tuple[str, ...], selectors: tuple[str, ...], ip: str | None,
        mail_from: str | None, helo: str, message_file: Path | None, only: tuple[str, ...],
        nameservers: tuple[str, ...], zones: tuple[Path, ...], timeout: float, bimi_evidence: Path | None,
        network: bool, fmt: str, locale: str | None) -> None:
    """Check SPF, DKIM, DMARC, MX, BIMI, MTA-STS, TLS-RPT (and PTR with --ip) of DOMAIN..."""
    texts = reader_messages(locale)
    names = [validate_domain(d) for d in domains]
    if ip:
        try:
            ip = str(normalise_ip(ip))
        except ValueError:
            raise NewsletterError(f"invalid --ip {ip!r}: give an IPv4 or IPv6 address") from None
    message = None
    if message_file is not None:
        try:
            message = message_file.read_bytes()
        except OSError as exc:
            raise NewsletterError(f"cannot read message: {exc.strerror}", path=message_file) \
                from None
    options = CheckOptions(selectors=tuple(s.strip() for s in selectors if s.strip()), ip=ip,
                           mail_from=mail_from, helo=helo, message=message,
                           message_path=str(message_file) if message_file else None,
                           only=_only(only))
    zone = ZoneResolver.from_files(zones, origin=names[0] + ".") if zones else None
    if zone is not None and not nameservers:
        reports = check_domains(names, zone, options)
    else:
        network = NetworkResolver([parse_nameserver(n) for n in nameservers] or None,
                                  timeout=timeout, budget=QueryBudget.for_domains(len(names)))
        try:
            reports = check_domains(names, LayeredResolver(zone, network) if zone else network,
                                    options)
        finally:
            network.close()
        if network.queries and not network.responses:
            servers = ", ".join(f"{h}:{p}" for h, p in network.nameservers)
            raise NewsletterError(f"no answer from the nameserver(s) {servers} within "
                                  f"{timeout:g} s", fix="check --nameserver, or raise --timeout")
    for report in reports:
        certificate = _mark_certificate(report, bimi_evidence, network)
        if fmt == "json":
            echo_json(report.to_json() | ({"bimi_evidence": certificate.to_json()} if certificate else {}))
        else:
            click.echo(format_report(report, texts) + (_certificate_text(certificate, texts) if certificate else ""))
    if any(has_errors(r.findings) for r in reports):
        raise SystemExit(1)


def _mark_certificate(report: DomainReport, path: Path | None, network: bool) -> MarkCertificate | None:
    """The BIMI evidence: the file given, else (with --network) the record's a= URL fetched."""
    if path is not None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise NewsletterError(f"cannot read the BIMI evidence: {exc.strerror}", path=path) from None
        return read_mark_certificate(data, source=str(path))
    url = report.bimi.get("a") if network and report.bimi is not None else None
    return read_mark_certificate(fetch_evidence(url), source=url) if url else None


def _certificate_text(c: MarkCertificate, t: Messages) -> str:
    checks = ", ".join(t.text(f"dns.{'' if ok else 'no_'}{what}") for what, ok in
                       (("bimi_eku", c.bimi_eku), ("mark_policy", c.mark_policy), ("logotype", c.logotype)))
    what = f"{c.kind} ({c.mark_type})" if c.mark_type else t.text("dns.not_a_mark")
    shows = f"\n            {t.message(c.gmail_shows)}" if c.gmail_shows else ""
    return "  " + t.text("dns.certificate", what=what, until=c.not_after, checks=checks) + shows + "\n"


_AUTH_SECTIONS = {"AUTH001": "MX", "AUTH002": "MX", "AUTH003": "MX", "AUTH004": "BIMI",
                  "AUTH005": "BIMI", "AUTH006": "BIMI", "AUTH007": "MTA-STS", "AUTH008": "TLS-RPT",
                  "AUTH009": "TLS-RPT", "AUTH010": "PTR", "AUTH011": "PTR", "AUTH012": "Bulk"}
_RECORD_SECTIONS = (("_bimi.", "BIMI"), ("_mta-sts.", "MTA-STS"), ("_smtp._tls.", "TLS-RPT"),
                    (".arpa", "PTR"), (" MX", "MX"))


def _section(item: Finding) -> str:
    """Which block of the text report a finding belongs to."""
    for prefix in ("SPF", "DKIM", "DMARC"):
        if item.rule.startswith(prefix):
            return prefix
    path = item.location.path if item.location and item.location.path else ""
    return _AUTH_SECTIONS.get(item.rule) or next(
        (section for marker, section in _RECORD_SECTIONS if marker in path), "Bulk")


def format_report(report: DomainReport, texts: Messages | None = None) -> str:
    """The text report: one block per domain, grouped by record, each finding with its fix, in
    the reader's words (record names, tags and SPF results as the records write them)."""
    t = texts or messages()
    lines = [report.domain]
    by_section: dict[str, list[Finding]] = {}
    for item in report.findings:
        by_section.setdefault(_section(item), []).append(item)

    def row(label: str, text: str) -> None:
        lines.append(f"  {label:<9}{text}" if len(label) < 9 else f"  {label} {text}")

    def issues(section: str) -> None:
        for item in by_section.pop(section, ()):
            where = item.location.path if item.location and item.location.path else ""
            column = f":{item.location.column}" if item.location and item.location.column else ""
            lines.append(f"  {'':<9}" + t.text("dns.finding", severity=t.severity(item.severity), rule=item.rule,
                                                where=f"{where}{column}", message=t.message(item.message)))
            if item.fix:
                lines.append(f"  {'':<11}" + t.text("report.fix", fix=t.fix(item)))

    none = t.text("dns.none")
    if report.spf is not None:
        spf = report.spf
        text = spf.record or none
        if spf.record:
            text += "   " + t.text("dns.lookups", lookups=spf.lookups, voids=spf.void_lookups)
        row("SPF", text)
        if report.spf_result is not None:
            row("", t.text("dns.check_host", domain=report.spf_result.domain, result=report.spf_result.result.value,
                           reason=t.message(report.spf_result.reason)))
    issues("SPF")
    if report.dkim is not None:
        if not report.dkim:
            row("DKIM", t.text("dns.no_key"))
        for key in report.dkim:
            size = t.text("dns.revoked") if key.revoked else t.text("dns.key", type=key.key_type, bits=key.key_bits or "?")
            row("DKIM", f"{key.selector}: {size}")
    for sig in report.dkim_signatures or ():
        row("DKIM sig", t.text("dns.signature", domain=sig.domain, selector=sig.selector, algorithm=sig.algorithm,
                               result=sig.result) + ("" if sig.result == "pass" else f" ({t.message(sig.reason)})"))
    issues("DKIM")
    if report.dmarc is not None and "dmarc" in report.checked:
        d = report.dmarc
        if d.record:
            row("DMARC", f"{d.record.text}   " + t.text("dns.dmarc_policy", policy=d.applied_policy,
                                                          domain=d.policy_domain, org=d.org_domain))
        else:
            row("DMARC", none)
    if report.alignment is not None:
        a = report.alignment
        row(t.text("dns.aligned"), t.text("dns.alignment", dkim=a.dkim_domain or "-", spf=a.spf_domain or "-",
                                          dkim_aligned=t.text(f"dns.{'yes' if a.dkim_aligned else 'no'}"),
                                          spf_aligned=t.text(f"dns.{'yes' if a.spf_aligned else 'no'}")))
    issues("DMARC")
    if report.mx is not None:
        row("MX", ", ".join(f"{m.preference} {m.host or '.'}" for m in report.mx) or none)
    issues("MX")
    for label, record, check in (("BIMI", report.bimi, "bimi"), ("MTA-STS", report.mta_sts,
                                 "mta-sts"), ("TLS-RPT", report.tls_rpt, "tls-rpt")):
        if check in report.checked:
            row(label, record.record if record else none)
        issues(label)
    if report.reverse_dns is not None:
        r = report.reverse_dns
        row("PTR", f"{r.ip} -> " + (t.text("dns.not_checked", error=t.message(r.error)) if r.error else
                                     f"{', '.join(r.names) or none}" + (t.text("dns.confirmed") if r.ok else "")))
    issues("PTR")
    for verdict in report.bulk_sender:
        groups = [t.text("formats.detail", text=t.text(f"dns.requirement.{status}"),
                         detail=", ".join(q.id for q in verdict.requirements if q.status == status))
                  for status in ("fail", "unknown")
                  if any(q.status == status for q in verdict.requirements)]
        row(verdict.name, t.text(f"dns.status.{verdict.verdict}")
            + (f" ({t.text('formats.list_separator').join(groups)})" if groups else ""))
    for section in list(by_section):
        issues(section)
    return "\n".join(lines) + "\n"
