"""Inbox placement prediction and the pre-send check (`newsletter check`), as a library.

    from newsletter.placement import check_paths, CheckOptions
    for report in check_paths([Path("templates")], CheckOptions(offline=True)):
        print(report.input, report.placement.tab, report.placement.spam_risk)

Signals (`extract_signals`) -> transparent weighted model (`predict`, weights in
`checks/placement.toml`) -> `Placement` with every contribution as a `Reason`.
"""

from .auth import UNCHECKED, AuthRequest, AuthSignals, AuthStatus, authenticate
from .check import CheckOptions, CheckReport, check_input, check_paths
from .kind import infer_kind, placement_findings
from .knowledge import Knowledge, Weight, knowledge
from .model import Placement, Reason, SpamRisk, Tab, predict, score, tab_scores
from .report import format_report, summary
from .signals import Signals, extract_signals
from .spamassassin import SpamResult, SpamRule, parse_address, parse_response, request, score_message

__all__ = [
    "AuthRequest", "AuthSignals", "AuthStatus", "CheckOptions", "CheckReport", "Knowledge", "Placement",
    "Reason", "Signals", "SpamResult", "SpamRisk", "SpamRule", "Tab", "UNCHECKED", "Weight", "authenticate",
    "check_input", "check_paths", "extract_signals", "format_report", "infer_kind", "knowledge",
    "parse_address", "parse_response", "placement_findings", "predict", "request", "score", "score_message",
    "summary", "tab_scores",
]
