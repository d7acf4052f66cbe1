"""Mailbox parsing: a display name and an address checked by email-validator (syntax only, no DNS)."""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

from .headers import FIX, describe, first_unsafe


class AddressError(ValueError):
    """Not a usable mailbox; the message says why, `fix` (when set) how to correct it."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


def parse_address(value: str, display_name: str | None = None) -> Address:
    """`Name <local@domain>` or a bare address -> `Address`; raises `AddressError`."""
    for text, what in ((value, "the address"), (display_name or "", "the display name")):
        character = first_unsafe(text)
        if character is not None:
            raise AddressError(f"{describe(character)} in {what} {text!r}", fix=FIX)
    name, addr = parseaddr(value)
    if not addr or "@" not in addr:
        raise AddressError(f"not an email address: {value!r}")
    try:
        valid = validate_email(addr, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AddressError(f"not a valid email address: {value!r} ({exc})") from None
    return Address(
        display_name=(display_name if display_name is not None else name).strip(),
        username=valid.local_part,
        domain=valid.ascii_domain or valid.domain,
    )
