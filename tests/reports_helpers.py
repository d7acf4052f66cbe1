"""Reports the tests make themselves (XML from typed values, TLS JSON, messages, mailboxes), so the
tests that must always run need nothing from ../shared."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from email.message import EmailMessage
from pathlib import Path

from lxml import etree

from newsletter.reports import (AggregateHeader, AggregateReport, DkimAuth, DmarcRecord, PolicyPublished,
                                ReportMetadata, SpfAuth)

NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0"


def report(report_id: str = "r-1", *, domain: str = "maison-lumiere.example", org: str = "google.com",
           begin: int = 1_790_000_000, days: int = 1, p: str = "none",
           records: tuple[DmarcRecord, ...] | None = None) -> AggregateReport:
    records = records if records is not None else (record(),)
    header = AggregateHeader("rfc7489", ReportMetadata(org, f"noreply@{org}", report_id, begin,
                                                       begin + days * 86400 - 1),
                             PolicyPublished(domain, p, sp=p, pct=100, adkim="r", aspf="r"), "1.0")
    return AggregateReport(header, records)


def record(ip: str = "192.0.2.25", count: int = 10, *, dkim: str = "pass", spf: str = "pass",
           disposition: str = "none", header_from: str = "maison-lumiere.example",
           dkim_domain: str | None = "maison-lumiere.example", spf_domain: str = "maison-lumiere.example",
           spf_result: str | None = None) -> DmarcRecord:
    return DmarcRecord(
        source_ip=ip, count=count, disposition=disposition, dkim=dkim, spf=spf, header_from=header_from,
        envelope_from=spf_domain,
        dkim_results=(DkimAuth(dkim_domain, dkim, "lumiere2026"),) if dkim_domain else (),
        spf_results=(SpfAuth(spf_domain, spf_result or spf, "mfrom"),))


def aggregate_xml(value: AggregateReport, *, namespace: str | None = None) -> bytes:
    """The report as a receiver writes it (RFC 7489 appendix C element order)."""
    def el(parent, name, text=None):
        child = etree.SubElement(parent, f"{{{namespace}}}{name}" if namespace else name)
        if text is not None:
            child.text = str(text)
        return child

    root = etree.Element(f"{{{namespace}}}feedback" if namespace else "feedback",
                         nsmap={None: namespace} if namespace else None)
    header = value.header
    if header.version is not None:
        el(root, "version", header.version)
    meta = el(root, "report_metadata")
    m = header.metadata
    el(meta, "org_name", m.org_name)
    el(meta, "email", m.email)
    if m.extra_contact_info:
        el(meta, "extra_contact_info", m.extra_contact_info)
    el(meta, "report_id", m.report_id)
    dates = el(meta, "date_range")
    el(dates, "begin", m.begin)
    el(dates, "end", m.end)
    if m.generator:
        el(meta, "generator", m.generator)
    for error in m.errors:
        el(meta, "error", error)
    policy = el(root, "policy_published")
    for name in ("domain", "discovery_method", "adkim", "aspf", "p", "sp", "np", "pct", "fo", "testing", "psd"):
        if getattr(header.policy, name) is not None:
            el(policy, name, getattr(header.policy, name))
    for r in value.records:
        rec = el(root, "record")
        row = el(rec, "row")
        el(row, "source_ip", r.source_ip)
        el(row, "count", r.count)
        evaluated = el(row, "policy_evaluated")
        el(evaluated, "disposition", r.disposition)
        el(evaluated, "dkim", r.dkim)
        el(evaluated, "spf", r.spf)
        for reason in r.reasons:
            why = el(evaluated, "reason")
            el(why, "type", reason.type)
            if reason.comment is not None:
                el(why, "comment", reason.comment)
        ids = el(rec, "identifiers")
        for name in ("envelope_to", "envelope_from", "header_from"):
            if getattr(r, name) is not None:
                el(ids, name, getattr(r, name))
        auth = el(rec, "auth_results")
        for d in r.dkim_results:
            dkim = el(auth, "dkim")
            el(dkim, "domain", d.domain)
            if d.selector is not None:
                el(dkim, "selector", d.selector)
            el(dkim, "result", d.result)
            if d.human_result is not None:
                el(dkim, "human_result", d.human_result)
        for s in r.spf_results:
            spf = el(auth, "spf")
            el(spf, "domain", s.domain)
            if s.scope is not None:
                el(spf, "scope", s.scope)
            el(spf, "result", s.result)
            if s.human_result is not None:
                el(spf, "human_result", s.human_result)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def tls_json(report_id: str = "tls-1", *, domain: str = "maison-lumiere.example", failed: int = 3) -> bytes:
    return json.dumps({
        "organization-name": "Google Inc.", "report-id": report_id, "contact-info": "smtp-tls-reporting@google.com",
        "date-range": {"start-datetime": "2026-11-01T00:00:00Z", "end-datetime": "2026-11-01T23:59:59Z"},
        "policies": [{"policy": {"policy-type": "sts", "policy-domain": domain,
                                 "policy-string": ["version: STSv1", "mode: enforce"], "mx-host": ["mx1." + domain]},
                      "summary": {"total-successful-session-count": 997, "total-failure-session-count": failed},
                      "failure-details": [{"result-type": "certificate-expired", "failed-session-count": failed,
                                           "receiving-mx-hostname": "mx1." + domain}] if failed else []}],
    }).encode()


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def report_message(attachment: bytes, filename: str, *, subject: str = "Report domain: maison-lumiere.example",
                   maintype: str = "application", subtype: str = "gzip") -> bytes:
    """An email as a receiver sends it to the rua= address: a short text and the report attached."""
    message = EmailMessage()
    message["From"] = "noreply-dmarc-support@google.com"
    message["To"] = "dmarc@maison-lumiere.example"
    message["Subject"] = subject
    message.set_content("This is an aggregate report from google.com.")
    message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
