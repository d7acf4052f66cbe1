"""The pre-send check: one report per input joining lint, markup and authentication findings
with the placement prediction. The library behind `newsletter check`.

Each input is read once (`newsletter.document.load_input`: .eml, HTML as sent, template with
data), parsed once, and judged by the content model, then by lint (with the declared or else the
inferred kind, so kind-dependent rules apply), then by the spam model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..errors import NewsletterError
from ..findings import Finding, finding
from ..document import Document, Folders, LoadOptions, Origin, discover, layouts_of, load_input
from ..lint import FAMILIES, lint_input
from ..markup.extract import markup_of
from ..network import NetworkOptions, network_family
from ..kinds import Kind
from ..render import html_to_text
from .auth import UNCHECKED, AuthRequest, AuthSignals, authenticate, received_auth
from .kind import infer_kind, placement_findings
from .knowledge import knowledge
from .model import Placement, predict, tab_scores
from .signals import Signals, extract_signals
from .spamassassin import SpamResult, score_message

Authenticator = Callable[[AuthRequest], AuthSignals]
SpamScorer = Callable[[bytes], SpamResult]


@dataclass(frozen=True)
class CheckOptions:
    kind: Kind | None = None  # --kind: wins over the template's and the folder's
    data_file: Path | None = None
    sender: str | None = None  # --from: the From address (else the message's)
    ip: str | None = None  # --ip: the sending IP, for SPF
    zones: tuple[Path, ...] = ()
    nameserver: str | None = None
    offline: bool = False  # no DNS: authentication read from the message's own results, else unknown
    spamassassin: tuple[str, int] | None = None  # spamd HOST, PORT
    now: datetime | None = None  # --now: offer expiry is judged at this time
    network: NetworkOptions | None = None  # --network: fetch links, images and the unsubscribe URL


@dataclass(frozen=True)
class CheckReport:
    input: str
    kind: Kind | None  # declared, or else inferred from the content
    kind_source: str | None  # "declared", "inferred", None when nothing could be read
    placement: Placement | None
    signals: Signals | None
    auth: AuthSignals
    spamassassin: SpamResult | None
    findings: tuple[Finding, ...]
    spam_inputs: Mapping[str, float] = dataclasses.field(default_factory=dict)  # lint counts, auth, …

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "kind": self.kind.value if self.kind else None,
            "kind_source": self.kind_source,
            "placement": self.placement.to_json() if self.placement else None,
            "auth": self.auth.to_json(),
            "spamassassin": self.spamassassin.to_json() if self.spamassassin else None,
            "signals": self.signals.to_json() if self.signals else None,
            "findings": [f.to_json() for f in self.findings],
        }


def check_paths(paths: Iterable[Path], options: CheckOptions = CheckOptions(), *,
                authenticator: Authenticator = authenticate) -> Iterator[CheckReport]:
    """One report per file (folders searched recursively, as `newsletter lint` does), in order."""
    files = discover(list(paths))
    folders = Folders()  # each file read once, each folder's configuration and Jinja set up once
    layouts = layouts_of(files, folders)
    load = LoadOptions(kind=options.kind, data_file=options.data_file, now=options.now)
    cached = _cache(authenticator)
    spam: SpamScorer | None = None
    if options.spamassassin:
        host, port = options.spamassassin
        spam = lambda message: score_message(message, host, port)  # noqa: E731
    for path in files:
        item = load_input(path, load, layouts, folders)
        if item.template is not None and item.template.layout:
            continue  # a layout is checked through the templates that use it
        yield check_input(item, options, authenticator=cached, spam=spam)


def check_input(item: Document, options: CheckOptions = CheckOptions(), *, raw: bytes | None = None,
                authenticator: Authenticator = authenticate, spam: SpamScorer | None = None) -> CheckReport:
    """The report of one loaded input. `raw` is the message as received (default: an .eml
    document's own bytes), for DKIM and SpamAssassin; `spam` scores a message (SpamAssassin),
    None to skip it."""
    if raw is None and item.origin is Origin.EML:
        raw = item.raw
    where = item.at()
    if not item.html and not _has_text(item):
        return CheckReport(item.path, item.kind, "declared" if item.kind else None, None, None, UNCHECKED, None,
                           tuple(item.findings) + (finding("P008", "nothing to predict from: no HTML or text body", where),))
    signals = extract_signals(item, markup_of(item) if item.html else None, options.sender)
    tab = tab_scores(signals)  # before lint, which the inferred kind steers; predict reuses it
    kind = item.kind or infer_kind(tab[0])
    families = (*FAMILIES, network_family(options.network)) if options.network else FAMILIES
    lint = lint_input(dataclasses.replace(item, kind=kind), families=families).findings
    if options.offline:  # no DNS: what the message's own receiver recorded, if it was received
        auth = received_auth(item.message, signals.sender.rsplit("@", 1)[1].lower() if signals.sender else None)
    else:
        auth = authenticator(_auth_request(signals, options, raw, item.path))
    spam_result = spam(raw if raw is not None else _message_bytes(item, signals)) if spam else None
    values, details = _spam_signals(lint, auth, spam_result)
    placement = predict(signals, values, details, tab=tab)
    findings = [*lint, *auth.findings]
    if spam_result is not None and spam_result.is_spam:
        top = ", ".join(f"{r.name} ({r.score:+.1f})" for r in sorted(spam_result.rules, key=lambda r: -r.score)[:4])
        findings.append(finding("P005", f"SpamAssassin score {spam_result.score:.1f} ≥ {spam_result.threshold:.1f}: {top}", where))
    findings += placement_findings(item.kind, placement, signals, where)
    return CheckReport(item.path, kind, "declared" if item.kind else "inferred", placement, signals, auth,
                       spam_result, tuple(findings), values)


def _has_text(item: Document) -> bool:
    message = item.message
    return message is not None and message.get_body(preferencelist=("plain",)) is not None


def _spam_signals(lint: Iterable[Finding], auth: AuthSignals,
                  spam: SpamResult | None) -> tuple[dict[str, float], dict[str, str]]:
    """The spam model's inputs besides the content signals: counts of the lint rules named in
    placement.toml, authentication, the unsubscribe requirements, SpamAssassin's score."""
    values = auth.values()
    details: dict[str, str] = {}
    rules = [f.rule for f in lint]
    for weight in knowledge().spam_content.weights:
        if weight.rules:
            hits = [r for r in rules if r in weight.rules]
            values[weight.signal] = float(len(hits))
            details[weight.signal] = ", ".join(dict.fromkeys(hits))
    # C010 and H001 judge promotional mail only: both missing, or only the header.
    values["no_unsubscribe"] = float("C010" in rules and "H001" in rules)
    values["no_list_unsubscribe"] = float("H001" in rules and "C010" not in rules)
    if spam is not None:
        values["spamassassin"] = max(0.0, spam.score)
        details["spamassassin"] = f"{spam.score:.1f} (threshold {spam.threshold:.1f})"
    return values, details


def _auth_request(signals: Signals, options: CheckOptions, raw: bytes | None, path: str) -> AuthRequest:
    if not signals.sender or "@" not in signals.sender:
        raise NewsletterError("no sender address to authenticate", path=path,
                              fix="pass --from ADDRESS (and --ip for SPF), or --offline")
    return AuthRequest(domain=signals.sender.rsplit("@", 1)[1].lower(), ip=options.ip,
                       mail_from=options.sender, message=raw, zones=options.zones, nameserver=options.nameserver)


def _cache(authenticator: Authenticator) -> Authenticator:
    """Authenticate each sender once per run when no message signature is involved."""
    seen: dict[AuthRequest, AuthSignals] = {}

    def cached(request: AuthRequest) -> AuthSignals:
        if request.message is not None:
            return authenticator(request)
        if request not in seen:
            seen[request] = authenticator(request)
        return seen[request]

    return cached


def _message_bytes(item: Document, signals: Signals) -> bytes:
    """The message as it would be sent: the rendered one, or the HTML wrapped in a minimal
    MIME message (the headers a sending platform adds are added, so they are not judged)."""
    if item.raw is not None:
        return item.raw
    message = EmailMessage()
    message["From"] = signals.sender or "sender@example.com"
    message["To"] = "recipient@example.com"
    message["Subject"] = signals.subject or ""
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=(signals.sender or "@example.com").rsplit("@", 1)[1])
    message.set_content(html_to_text(item.html or ""))
    message.add_alternative(item.html or "", subtype="html")
    return message.as_bytes()
