"""Write rua/: three weeks of the DMARC aggregate reports Maison Lumière's `rua=` mailbox would
receive from Google, Microsoft and Yahoo, and one SMTP TLS report, as a maildir.

    python examples/boutique/make_reports.py [FOLDER]      # default: examples/boutique/rua

Generated, not typed, and the same bytes on every run (fixed dates, MIME boundaries, gzip and zip
timestamps), so the example can be checked against this script. The mail it describes:

- mx1.maison-lumiere.example (192.0.2.25): the shop's transactional mail, every day, signed with
  the shop's DKIM key and inside its SPF record;
- mx2 (192.0.2.26): the newsletter, on Thursdays; one Thursday the DKIM signature broke for part of
  it (SPF still aligned, so DMARC still passed);
- 198.51.100.20, a forwarder (a customer's old address forwarding to Outlook): outside the SPF
  record, but the shop's DKIM signature survives the forwarding;
- 203.0.113.77, an unknown sender using the shop's name: no SPF, no DKIM, quarantined as the
  shop's policy (p=quarantine) asks.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from xml.etree import ElementTree as ET

DOMAIN = "maison-lumiere.example"
RUA = "dmarc@maison-lumiere.example"
START = datetime(2026, 11, 2, tzinfo=timezone.utc)  # a Monday
DAYS = 21
MX1, MX2, FORWARDER, STRANGER = "192.0.2.25", "192.0.2.26", "198.51.100.20", "203.0.113.77"

# Receivers: name in <org_name>, address the report comes from, how it attaches the report, and
# each receiver's share of the shop's customers.
RECEIVERS = (
    ("google.com", "noreply-dmarc-support@google.com", "zip", 0.55),
    ("Enterprise Outlook", "dmarcreport@microsoft.com", "gzip", 0.30),
    ("Yahoo", "dmarchelp@yahooinc.com", "gzip", 0.15),
)


def records(day: int, share: float, receiver: str) -> list[dict]:
    """The rows one receiver reports for one day."""
    rows = [_row(MX1, round((60 + day * 7 % 23) * share), "pass", "pass")]
    if day % 7 == 3:  # Thursday: the newsletter
        sent = round(900 * share)
        broken = round(120 * share) if day == 10 else 0
        rows.append(_row(MX2, sent - broken, "pass", "pass"))
        if broken:
            rows.append(_row(MX2, broken, "fail", "pass"))
    if receiver == "Enterprise Outlook" and day % 3 == 0:
        rows.append(_row(FORWARDER, 2 + day % 4, "pass", "fail", envelope="relais.example"))
    if receiver != "Enterprise Outlook" and day % 5 in (1, 2):
        rows.append(_row(STRANGER, round(40 * share) + day % 3, "fail", "fail", envelope="promo-lumiere.example",
                         disposition="quarantine"))
    return rows


def _row(ip: str, count: int, dkim: str, spf: str, envelope: str = DOMAIN, disposition: str = "none") -> dict:
    return {"ip": ip, "count": count, "dkim": dkim, "spf": spf, "envelope": envelope, "disposition": disposition}


def aggregate_xml(org: str, email: str, report_id: str, begin: int, rows: list[dict]) -> bytes:
    """An RFC 7489 aggregate report, elements in the order of appendix C."""
    feedback = ET.Element("feedback")
    _add(feedback, "version", "1.0")
    meta = _add(feedback, "report_metadata")
    _add(meta, "org_name", org)
    _add(meta, "email", email)
    _add(meta, "report_id", report_id)
    span = _add(meta, "date_range")
    _add(span, "begin", begin)
    _add(span, "end", begin + 86399)
    policy = _add(feedback, "policy_published")
    for name, value in (("domain", DOMAIN), ("adkim", "r"), ("aspf", "r"), ("p", "quarantine"),
                        ("sp", "quarantine"), ("pct", 100)):
        _add(policy, name, value)
    for row in rows:
        record = _add(feedback, "record")
        evaluated = _add(_add(record, "row", None, source_ip=row["ip"], count=row["count"]), "policy_evaluated")
        _add(evaluated, "disposition", row["disposition"])
        _add(evaluated, "dkim", row["dkim"])
        _add(evaluated, "spf", row["spf"])
        _add(record, "identifiers", None, envelope_from=row["envelope"], header_from=DOMAIN)
        auth = _add(record, "auth_results")
        if row["ip"] != STRANGER:  # the stranger signs nothing
            _add(auth, "dkim", None, domain=DOMAIN, selector="lumiere2026", result=row["dkim"])
        passed = row["spf"] == "pass" or row["ip"] == FORWARDER  # the forwarder's own domain: passed, not aligned
        _add(auth, "spf", None, domain=row["envelope"], scope="mfrom", result="pass" if passed else "fail")
    ET.indent(feedback)
    return ET.tostring(feedback, encoding="UTF-8", xml_declaration=True) + b"\n"


def _add(parent: ET.Element, name: str, text: object = None, **children: object) -> ET.Element:
    element = ET.SubElement(parent, name)
    if text is not None:
        element.text = str(text)
    for child, value in children.items():
        ET.SubElement(element, child).text = str(value)
    return element


def tls_json(begin: datetime) -> bytes:
    """An RFC 8460 report: the shop's MX hosts seen by Google's mail servers, mx2's certificate
    expired on the last day."""
    end = begin + timedelta(seconds=86399)
    return json.dumps({
        "organization-name": "Google Inc.", "contact-info": "smtp-tls-reporting@google.com",
        "report-id": f"{begin:%Y-%m-%d}T00:00:00Z_{DOMAIN}",
        "date-range": {"start-datetime": f"{begin:%Y-%m-%dT%H:%M:%SZ}", "end-datetime": f"{end:%Y-%m-%dT%H:%M:%SZ}"},
        "policies": [{
            "policy": {"policy-type": "sts", "policy-domain": DOMAIN,
                       "policy-string": ["version: STSv1", "mode: enforce", f"mx: mx1.{DOMAIN}", f"mx: mx2.{DOMAIN}",
                                         "max_age: 604800"],
                       "mx-host": [f"mx1.{DOMAIN}", f"mx2.{DOMAIN}"]},
            "summary": {"total-successful-session-count": 1187, "total-failure-session-count": 14},
            "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "209.85.220.41",
                                 "receiving-mx-hostname": f"mx2.{DOMAIN}", "receiving-ip": MX2,
                                 "failed-session-count": 14}],
        }],
    }, indent=2).encode("utf-8") + b"\n"


def message(sender: str, subject: str, sent: datetime, number: int, attachment: bytes, filename: str,
            content_type: str) -> bytes:
    """A report as it arrives at the rua= address: a line of text and the report attached."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = RUA
    mail["Subject"] = subject
    mail["Date"] = format_datetime(sent)
    mail["Message-ID"] = f"<{number}.{sent:%Y%m%d}@reports.example>"
    mail.set_content(f"This is a report for {DOMAIN}.\n")
    maintype, subtype = content_type.split("/")
    mail.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    mail.set_boundary(f"=_report_{number}")
    return mail.as_bytes()


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def mailbox_messages() -> list[tuple[str, bytes]]:
    """(file name, bytes) of every message, oldest first."""
    out = []
    number = 0
    for day in range(DAYS):
        begin = START + timedelta(days=day)
        stamp = int(begin.timestamp())
        for org, sender, packing, share in RECEIVERS:
            number += 1
            report_id = f"{org.split()[0].lower()}-{begin:%Y%m%d}-{number:03d}"
            xml = aggregate_xml(org, sender, report_id, stamp, records(day, share, org))
            name = f"{org.split()[0].lower()}!{DOMAIN}!{stamp}!{stamp + 86399}"
            if packing == "zip":
                attachment, filename, kind = zipped(f"{name}.xml", xml), f"{name}.zip", "application/zip"
            else:
                attachment, filename, kind = gzip.compress(xml, mtime=0), f"{name}.xml.gz", "application/gzip"
            sent = begin + timedelta(days=1, hours=2 + number % 5)
            subject = f"Report Domain: {DOMAIN} Submitter: {org} Report-ID: {report_id}"
            out.append((f"{int(sent.timestamp())}.{number:03d}.lumiere", message(
                sender, subject, sent, number, attachment, filename, kind)))
    last = START + timedelta(days=DAYS - 1)
    sent = last + timedelta(days=1, hours=4)
    number += 1
    out.append((f"{int(sent.timestamp())}.{number:03d}.lumiere", message(
        "noreply-smtp-tls-reporting@google.com", f"Report Domain: {DOMAIN} Submitter: google.com", sent, number,
        gzip.compress(tls_json(last), mtime=0), f"google.com!{DOMAIN}!{last:%Y%m%d}.json.gz",
        "application/tlsrpt+gzip")))
    return out


def write_maildir(folder: Path) -> int:
    """The messages as a maildir, all in new/ (not yet read by a mail client: no ":2,S" in the
    names, which some systems do not allow in file names)."""
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        for old in (folder / sub).iterdir():
            old.unlink()
        if sub != "new":
            (folder / sub / ".keep").write_bytes(b"")  # an empty folder would not survive git
    messages = mailbox_messages()
    for name, data in messages:
        (folder / "new" / name).write_bytes(data)
    return len(messages)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "rua"
    print(f"{write_maildir(folder)} messages -> {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
