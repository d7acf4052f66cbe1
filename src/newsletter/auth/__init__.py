"""Sender authentication: SPF, DKIM, DMARC, alignment, MX, BIMI, MTA-STS, TLS-RPT, PTR.

Everything takes a `Resolver` (network, zone file or in-memory) and never opens a socket itself.
Entry points: `check_domain` / `check_domains` for a whole report, `verify_dkim` for a message,
`check_sender` for SPF's check_host(), `bulk_sender_verdict` for Gmail's, Yahoo's and Microsoft's rules.
"""

from .alignment import Alignment, check_alignment, domains_align
from .bulk import BulkEvidence, ProviderVerdict, Requirement, bulk_sender_verdict
from .dkim import DkimKey, DkimSignatureResult, common_selectors, lookup_keys, parse_key, verify_dkim
from .dmarc import (DmarcDiscovery, DmarcRecord, discover_dmarc, organizational_domain,
                    parse_dmarc)
from .records import (MxHost, ReverseDns, TagRecord, check_bimi, check_mta_sts, check_mx,
                      check_reverse_dns, check_tls_rpt)
from .report import CHECKS, CheckOptions, DomainReport, check_domain, check_domains, \
    validate_domain
from .resolver import (Answer, LayeredResolver, MemoryResolver, Mx, NetworkResolver, QueryBudget,
                       Resolver, Status, Txt, ZoneResolver, parse_nameserver)
from .spf import SpfEvaluation, SpfRecord, SpfResult, SpfSyntaxError, check_host, check_sender, \
    parse_record
from .spf.lint import SpfLint, lint_spf

__all__ = [
    "Alignment", "Answer", "BulkEvidence", "CHECKS", "CheckOptions", "DkimKey",
    "DkimSignatureResult", "DmarcDiscovery", "DmarcRecord", "DomainReport", "LayeredResolver",
    "MemoryResolver", "Mx", "MxHost", "NetworkResolver", "ProviderVerdict", "QueryBudget",
    "Requirement", "Resolver", "ReverseDns",
    "SpfEvaluation", "SpfLint", "SpfRecord", "SpfResult", "SpfSyntaxError", "Status", "TagRecord",
    "Txt", "ZoneResolver", "bulk_sender_verdict", "check_alignment", "check_bimi", "check_domain",
    "check_domains", "check_host", "check_mta_sts", "check_mx", "check_reverse_dns",
    "check_sender", "check_tls_rpt", "common_selectors", "discover_dmarc", "domains_align",
    "lint_spf", "lookup_keys", "organizational_domain", "parse_dmarc", "parse_key",
    "parse_nameserver", "parse_record", "validate_domain", "verify_dkim",
]
