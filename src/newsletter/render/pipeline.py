"""Rendering one message: template + data + settings -> HTML, plain text and the MIME message."""

from __future__ import annotations

import email
import email.policy
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import jinja2

from ..config import Config, find_config
from ..errors import NewsletterError, display_path
from ..findings import Finding, Location, finding
from ..addresses import AddressError, parse_address
from . import names
from .dkim import DkimSigner
from .environment import (
    jinja_errors,
    load_template,
    make_environment,
    render_block,
    render_template,
)
from ..headers import check_header_value
from .inline import inline_css
from ..kinds import Kind, resolve_kind
from .message import Envelope, MessageHead, build_message
from .text import html_to_text
from .urls import UrlPattern, compile_url_pattern

_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@dataclass(frozen=True)
class RenderOptions:
    """What the command line (or a caller) sets; each overrides the configuration."""

    kind: Kind | str | None = None
    sender: str | None = None
    to: str | None = None
    subject: str | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    date: datetime | None = None
    message_id: str | None = None
    # A List-Id (RFC 2919) for this message, of either kind. Without it, the configuration's
    # `list_id` goes on promotional mail only: an order confirmation belongs to no list.
    list_id: str | None = None
    # Sign the message with this DKIM key (d= the sender's domain unless the signer names one).
    dkim: DkimSigner | None = None


@dataclass(frozen=True)
class RenderedMessage:
    template: Path
    kind: Kind
    subject: str
    preheader: str
    html: str
    text: str
    raw: bytes
    findings: tuple[Finding, ...] = field(default=())

    def as_bytes(self) -> bytes:
        return self.raw

    @property
    def message(self) -> EmailMessage:
        """The message parsed back with the standard `email` package."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


@dataclass(frozen=True)
class CompiledTemplate:
    """A template loaded once, with its configuration: render it for one or many recipients."""

    path: Path
    template: jinja2.Template
    config: Config

    @classmethod
    def load(cls, path: Path, config: Config | None = None) -> "CompiledTemplate":
        path = Path(path)
        config = config or find_config(path)
        return cls(path, load_template(make_environment(path, config), path), config)

    @classmethod
    def from_source(cls, source: str, config: Config | None = None, *, folder: Path | None = None,
                    name: str = "<string>") -> "CompiledTemplate":
        """A template given as text (`config`: its settings, default none). Layouts it extends
        or includes are looked for in `folder` (default: the working folder) and the
        configuration's template folders."""
        path = (folder or Path.cwd()) / name
        env = make_environment(path, config or Config())
        with jinja_errors(path):
            return cls(path, env.from_string(source), config or Config())


@dataclass(frozen=True)
class Campaign:
    """What is the same for every recipient of a template: kind, sender, unsubscribe pattern."""

    compiled: CompiledTemplate
    kind: Kind
    sender: Address
    reply_to: Address | None
    options: RenderOptions
    unsubscribe: UrlPattern | None
    name_columns: tuple[str, ...] = ()  # [recipients] name: the columns of the To header's display name

    @classmethod
    def prepare(cls, compiled: CompiledTemplate, data: Mapping[str, Any], options: RenderOptions) -> "Campaign":
        config = compiled.config
        declared = render_block(compiled.template, "kind", data)
        reply_to = options.reply_to or config.reply_to
        pattern = options.unsubscribe_url or config.unsubscribe_url
        source = ("--unsubscribe-url" if options.unsubscribe_url
                  else f"unsubscribe_url in {display_path(config.path) if config.path else 'the configuration'}")
        unsubscribe = compile_url_pattern(pattern, source, compiled.path) if pattern else None
        return cls(
            compiled=compiled,
            kind=resolve_kind(options.kind, declared, compiled.path),
            sender=_sender(options.sender, config),
            reply_to=_address(reply_to, "reply-to") if reply_to else None,
            options=options,
            unsubscribe=unsubscribe,
            name_columns=names.name_columns(config.section("recipients"), config.path),
        )

    def personalise(self, data: Mapping[str, Any], recipient: Address | None = None,
                    shared: Mapping[str, Any] | None = None) -> "Personalised":
        """The recipient's address (unless the caller parsed it already), unsubscribe URL and
        template context: `data` over `shared` (a campaign's data, a recipient's row over it)."""
        recipient = recipient or recipient_address(self.options.to, data, self.name_columns)
        context = {**(shared or {}), **data, "email": recipient.addr_spec}  # what the unsubscribe URL sees
        unsubscribe_url = self.unsubscribe.url_for(context) if self.unsubscribe else None
        context.update(kind=self.kind.value, locale=context.get("locale", self.compiled.config.locale),
                       unsubscribe_url=unsubscribe_url)
        return Personalised(recipient, unsubscribe_url, context)

    def subject(self, context: Mapping[str, Any]) -> str:
        """`--subject`, else the template's subject block rendered for this recipient."""
        if self.options.subject is not None:
            return checked_subject(self.options.subject, None, source="--subject")
        return checked_subject(render_block(self.compiled.template, "subject", context) or "", self.compiled.path)

    def envelope(self, person: "Personalised", subject: str, *, date: datetime | None = None,
                 message_id: str | None = None) -> Envelope:
        """The headers' values; `date` and `message_id` (a campaign's) override the options'."""
        config = self.compiled.config
        return Envelope(
            sender=self.sender,
            recipient=person.recipient,
            subject=subject,
            kind=self.kind,
            reply_to=self.reply_to,
            unsubscribe_url=person.unsubscribe_url,
            unsubscribe_mailto=config.unsubscribe_mailto,
            list_id=self.list_id,
            date=date or self.options.date,
            message_id=message_id or self.options.message_id,
        )

    @property
    def list_id(self) -> str | None:
        return self.options.list_id or (self.compiled.config.list_id if self.kind is Kind.PROMOTIONAL else None)

    def head(self, date: datetime | None = None) -> MessageHead:
        """The header lines all the campaign's messages share, checked and encoded once."""
        return MessageHead.of(self.sender, self.kind, reply_to=self.reply_to, list_id=self.list_id,
                              unsubscribe_mailto=self.compiled.config.unsubscribe_mailto,
                              date=date or self.options.date)

    def own_text(self, context: Mapping[str, Any]) -> str | None:
        """The template's own `{% block text %}`, when it has a non-empty one."""
        text = render_block(self.compiled.template, "text", context)
        return text.strip() + "\n" if text and text.strip() else None


class Personalised(NamedTuple):  # a tuple: bulk makes one a recipient
    recipient: Address
    unsubscribe_url: str | None
    context: dict[str, Any]


def checked_subject(subject: str, path: Path | None, source: str = "the subject block") -> str:
    subject = subject.strip()
    if not subject:
        raise NewsletterError(
            "the message has no subject", path=path,
            fix="give --subject a text" if source == "--subject"
            else "add {% block subject %}...{% endblock %} to the template or pass --subject",
        )
    return check_header_value("Subject", subject, source=source, path=path)


def render(
    template: Path | str | CompiledTemplate,
    data: Mapping[str, Any] | None = None,
    options: RenderOptions | None = None,
    *,
    config: Config | None = None,
) -> RenderedMessage:
    """Render one complete message of `template` (a path, or `CompiledTemplate.from_source` for
    a template held as text) with `data`; `config` replaces the newsletter.toml found for it.

    The recipient is `options.to`, else the data's `email` (with the columns `[recipients] name`
    names, else `name`, or `first_name` and `last_name`, as display name). Raises
    `NewsletterError` for anything that cannot be sent.
    """
    compiled = template if isinstance(template, CompiledTemplate) else CompiledTemplate.load(Path(template), config)
    data = dict(data or {})
    campaign = Campaign.prepare(compiled, data, options or RenderOptions())
    person = campaign.personalise(data)
    subject = campaign.subject(person.context)
    path = compiled.path
    # runs of spaces and line breaks made one space; no-break spaces kept (« -30 % » does not wrap)
    preheader = _SPACES.sub(" ", render_block(compiled.template, "preheader", person.context) or "").strip(" ")

    inlined = inline_css(render_template(compiled.template, person.context), path=str(path))
    text = campaign.own_text(person.context) or html_to_text(inlined.html)

    findings = list(inlined.findings)
    findings += unsubscribe_link_findings(campaign.kind, person.unsubscribe_url, inlined.html, path)
    raw = build_message(campaign.envelope(person, subject), inlined.html, text)
    if campaign.options.dkim is not None:
        raw = campaign.options.dkim.for_sender(campaign.sender.domain).sign(raw)
    return RenderedMessage(path, campaign.kind, subject, preheader, inlined.html, text, raw, tuple(findings))


def render_source(source: str, data: Mapping[str, Any] | None = None, options: RenderOptions | None = None,
                  *, config: Config | None = None, folder: Path | None = None) -> RenderedMessage:
    """`render` for a template held as text; layouts it extends are found in `folder`."""
    return render(CompiledTemplate.from_source(source, config, folder=folder), data, options)


def unsubscribe_link_findings(kind: Kind, url: str | None, html: str, path: Path) -> list[Finding]:
    if kind is Kind.PROMOTIONAL and url and html_lib.escape(url) not in html:
        return [finding("R002", "no link to the unsubscribe URL in the body", Location(str(path)))]
    return []


def _address(value: str, what: str, display_name: str | None = None) -> Address:
    try:
        return parse_address(value, display_name)
    except AddressError as exc:
        raise NewsletterError(f"{what}: {exc}", fix=exc.fix or f"give the {what} as Name <user@example.com>") from None


def recipient_address(to: str | None, data: Mapping[str, Any], name_columns: tuple[str, ...] = ()) -> Address:
    """--to, else the data's `email` with its display name (`names.display_name`)."""
    if to:
        return _address(to, "recipient (--to)")
    email = data.get("email")
    if not email:
        raise NewsletterError(
            "no recipient", fix='pass --to ADDRESS or put an "email" in the data file'
        )
    return _address(str(email), "recipient (data 'email')", display_name=names.display_name(data, name_columns))


def _sender(sender: str | None, config: Config) -> Address:
    if sender:
        return _address(sender, "sender (--from)")
    if not config.sender_address:
        raise NewsletterError(
            "no sender", fix="pass --from 'Shop <news@shop.example>' or set sender_address in newsletter.toml"
        )
    return _address(config.sender_address, f"sender_address in {config.path}", display_name=config.sender_name)
