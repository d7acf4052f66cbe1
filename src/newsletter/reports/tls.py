"""SMTP TLS reports (RFC 8460 section 4): JSON bytes in, a typed `TlsReport` out.

How many TLS sessions to the domain's MX hosts succeeded and which failed, and why (an expired
certificate, no STARTTLS, an MTA-STS policy that cannot be fetched...). Any field of the wrong
type refuses the report, with the path of the field.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..errors import NewsletterError
from .model import TlsFailure, TlsPolicy, TlsReport

_FIX = "the report does not follow RFC 8460 section 4; it is not counted"


def parse_tls(data: bytes) -> TlsReport:
    """Raises `NewsletterError` (with the line of a JSON syntax error, or the field's path)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NewsletterError(f"invalid UTF-8 at byte {exc.start}", fix=_FIX) from None
    except json.JSONDecodeError as exc:
        raise NewsletterError(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno,
                              fix=_FIX) from None
    except RecursionError:
        raise NewsletterError("invalid JSON: nested too deeply", fix=_FIX) from None
    report = _object(document, "the report")
    dates = _object(report.get("date-range"), "date-range")
    begin = _timestamp(dates, "start-datetime")
    end = _timestamp(dates, "end-datetime")
    if end < begin:
        raise NewsletterError("date-range ends before it begins", fix=_FIX)
    policies = report.get("policies")
    if not isinstance(policies, list):
        raise NewsletterError("'policies' is missing or not a list", fix=_FIX)
    return TlsReport(
        organization_name=_string(report, "organization-name", "the report"),
        report_id=_string(report, "report-id", "the report", empty=False),
        begin=begin, end=end,
        contact_info=_string(report, "contact-info", "the report", required=False),
        policies=tuple(_policy(item, f"policies[{i}]") for i, item in enumerate(policies)),
    )


def _policy(value: Any, where: str) -> TlsPolicy:
    item = _object(value, where)
    policy = _object(item.get("policy"), f"{where}.policy")
    summary = _object(item.get("summary"), f"{where}.summary")
    details = item.get("failure-details", [])
    if not isinstance(details, list):
        raise NewsletterError(f"{where}.failure-details is not a list", fix=_FIX)
    return TlsPolicy(
        policy_type=_string(policy, "policy-type", f"{where}.policy", empty=False),
        policy_domain=_string(policy, "policy-domain", f"{where}.policy", empty=False).rstrip(".").lower(),
        successful=_count(summary, "total-successful-session-count", f"{where}.summary"),
        failed=_count(summary, "total-failure-session-count", f"{where}.summary"),
        policy_strings=_strings(policy, "policy-string", f"{where}.policy"),
        mx_hosts=_strings(policy, "mx-host", f"{where}.policy"),
        failures=tuple(_failure(d, f"{where}.failure-details[{i}]") for i, d in enumerate(details)),
    )


def _failure(value: Any, where: str) -> TlsFailure:
    item = _object(value, where)

    def text(name: str) -> str | None:
        return _string(item, name, where, required=False)

    return TlsFailure(
        result_type=_string(item, "result-type", where, empty=False),
        failed_session_count=_count(item, "failed-session-count", where),
        sending_mta_ip=text("sending-mta-ip"),
        receiving_mx_hostname=text("receiving-mx-hostname"),
        receiving_mx_helo=text("receiving-mx-helo"),
        receiving_ip=text("receiving-ip"),
        additional_information=text("additional-information"),
        failure_reason_code=text("failure-reason-code"),
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NewsletterError(f"{where} is missing or not a JSON object", fix=_FIX)
    return value


def _string(item: dict[str, Any], name: str, where: str, *, required: bool = True,
            empty: bool = True) -> Any:
    value = item.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise NewsletterError(f"{where}.{name} is missing or not a{' non-empty' if not empty else ''} "
                              "string", fix=_FIX)
    return value.strip()


def _strings(item: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    """A list of strings; RFC 8460's own example gives mx-host as one string."""
    value = item.get(name, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise NewsletterError(f"{where}.{name} is not a list of strings", fix=_FIX)
    return tuple(values)


def _count(item: dict[str, Any], name: str, where: str) -> int:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NewsletterError(f"{where}.{name} is missing or not a whole number of at least 0", fix=_FIX)
    return value


def _timestamp(item: dict[str, Any], name: str) -> int:
    text = _string(item, name, "date-range", empty=False)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise NewsletterError(f"date-range.{name} is {text!r}, not an RFC 3339 date-time", fix=_FIX) from None
    if moment.tzinfo is None:
        raise NewsletterError(f"date-range.{name} is {text!r}: it has no time zone", fix=_FIX)
    return int(moment.timestamp())
