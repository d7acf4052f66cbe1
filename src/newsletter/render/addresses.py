"""Mailbox parsing: a display name and an address checked by email-validator (syntax only, no DNS)."""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """Not a usable mailbox; the message says why."""


def parse_address(value: str, display_name: str | None = None) -> Address:
    """`Name <local@domain>` or a bare address -> `Address`; raises `AddressError`."""
    if any(c in value for c in "\r\n") or (display_name and any(c in display_name for c in "\r\n")):
        raise AddressError(f"line break in address {value!r} (header injection is refused)")
    name, addr = parseaddr(value)
    if not addr or "@" not in addr:
        raise AddressError(f"not an email address: {value!r}")
    try:
        valid = validate_email(addr, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise AddressError(f"not a valid email address: {value!r} ({exc})") from None
    return Address(
        display_name=(display_name if display_name is not None else name).strip(),
        username=valid.local_part,
        domain=valid.ascii_domain or valid.domain,
    )
