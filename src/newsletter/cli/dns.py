"""`newsletter dns`: the sender-authentication report for one or more domains."""

from __future__ import annotations

from pathlib import Path

import click

from ..auth import CHECKS, CheckOptions, DomainReport, validate_domain
from ..auth.bimi_evidence import MarkCertificate, fetch_evidence, read_mark_certificate
from ..auth.lookup import report_domains
from ..auth.spf import normalise_ip
from ..auth.text import format_report
from ..errors import NewsletterError
from ..findings import has_errors
from ..i18n import reader_messages
from ..reporters.model import InputFindings
from .app import FINDINGS_FORMAT_HELP, FINDINGS_FORMATS, LOCALE_OPTION, echo_findings, echo_json, main


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
@click.option("--format", "fmt", type=click.Choice(["text", "json", *FINDINGS_FORMATS]), default="text",
              show_default=True, help="Readable report, or JSON Lines (one object per domain). " + FINDINGS_FORMAT_HELP)
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
    reports = report_domains(names, options, zones=zones, nameservers=nameservers, timeout=timeout)
    for report in reports:
        certificate = _mark_certificate(report, bimi_evidence, network)
        if fmt == "json":
            echo_json(report.to_json() | ({"bimi_evidence": certificate.to_json()} if certificate else {}))
        elif fmt == "text":
            click.echo(format_report(report, texts, certificate))
    if fmt in FINDINGS_FORMATS:  # a domain is not a file: findings name the DNS record they concern
        echo_findings(fmt, [InputFindings(None, r.findings) for r in reports])
    if any(has_errors(r.findings) for r in reports):
        raise SystemExit(1)


def _mark_certificate(report: DomainReport, path: Path | None, network: bool) -> MarkCertificate | None:
    """The BIMI evidence: the file given, else (with --network) the record's a= URL fetched."""
    if path is not None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise NewsletterError(f"cannot read the BIMI evidence: {exc.strerror}", path=path,
                                  fix="give the mark certificate's PEM file") from None
        return read_mark_certificate(data, source=str(path))
    url = report.bimi.get("a") if network and report.bimi is not None else None
    return read_mark_certificate(fetch_evidence(url), source=url) if url else None
