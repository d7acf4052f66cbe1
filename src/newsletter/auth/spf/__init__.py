"""SPF (RFC 7208): record syntax, macros, `check_host()` and the record lint."""

from .check import (SpfEvaluation, SpfResult, check_host, check_sender, normalise_ip, spf_records,
                    valid_domain)
from .syntax import Mechanism, Modifier, SpfRecord, SpfSyntaxError, parse_record

__all__ = [
    "Mechanism", "Modifier", "SpfEvaluation", "SpfRecord", "SpfResult", "SpfSyntaxError",
    "check_host", "check_sender", "normalise_ip", "parse_record", "spf_records", "valid_domain",
]
