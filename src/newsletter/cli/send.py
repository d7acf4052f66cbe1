"""`newsletter send`: a test send of one message, or a rendered campaign, through an SMTP relay."""

from __future__ import annotations

import sys
from dataclasses import asdict, replace
from pathlib import Path

import click

from ..config import find_config
from ..errors import display_path
from ..addresses import parse_address
from ..send import SendOptions, SendPlan, SendSummary, resolve_settings, send_campaign, send_message
from ..send.settings import TLS_MODES, SmtpSettings
from .app import echo_json, main, progress_printer

_SHOWN = 10  # messages not sent listed in the text report; --format json lists them all
_GMAIL = ("gmail.com", "googlemail.com")
_GMAIL_NOTE = ("note: Gmail shows the schema.org markup (actions, Promotions annotations) of a sender it has not "
               "registered only on mail from an address to itself (x@gmail.com to x@gmail.com: "
               "https://developers.google.com/gmail/markup/registering-with-google); to see it before "
               "registering, send through smtp.gmail.com:465 as that account, --to the same address")


@main.command()
@click.argument("target", type=click.Path(path_type=Path, exists=True))
@click.option("--to", metavar="ADDRESS", help="Test send: the address to send MESSAGE.eml to.")
@click.option("--smtp", "server", metavar="HOST[:PORT]",
              help="The relay or email service (default: [smtp] host in newsletter.toml).")
@click.option("--tls", type=click.Choice(TLS_MODES),
              help="starttls (default; port 587), implicit (default on port 465), or none (a relay on this machine).")
@click.option("--cafile", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Trust the certificates in this file instead of the system's (a private CA).")
@click.option("--user", "username", metavar="NAME", help="Log in (AUTH) as NAME.")
@click.option("--password-env", metavar="VAR",
              help="The environment variable holding the password (default: NEWSLETTER_SMTP_PASSWORD; "
                   "asked for on a terminal when unset).")
@click.option("--mail-from", metavar="ADDRESS", help="Envelope sender, where bounces go (default: the From address).")
@click.option("--connections", type=click.IntRange(min=1), help="Connections at once (default: 3).")
@click.option("--per-connection", "messages_per_connection", type=click.IntRange(min=1),
              help="Messages per connection before a new one (default: 1000).")
@click.option("--rate", metavar="N[/s|/min|/h]", help="At most this many messages in all.")
@click.option("--domain-rate", metavar="N[/s|/min|/h]", help="At most this many messages to one recipient domain.")
@click.option("--resume", is_flag=True, help="Finish a campaign send that stopped: nothing sent is sent again.")
@click.option("--resend-uncertain", is_flag=True,
              help="With --resume: also send the messages a stop left uncertain (the server may have them).")
@click.option("--dry-run", is_flag=True, help="Connect, log in and say what would be sent; send nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def send(ctx: click.Context, target: Path, to: str | None, server: str | None, tls: str | None,
         cafile: Path | None, username: str | None, password_env: str | None, mail_from: str | None,
         connections: int | None, messages_per_connection: int | None, rate: str | None,
         domain_rate: str | None, resume: bool, resend_uncertain: bool, dry_run: bool, fmt: str) -> None:
    """Send TARGET through the shop's SMTP relay or email service.

    TARGET is one MESSAGE.eml with --to (a test send: the message as it is, to that address), or a
    campaign folder written by `newsletter render --recipients` (each message to its recipient).
    Exit status: 0 all sent, 1 a message bounced, was deferred or is uncertain, 2 unusable input
    or settings.
    """
    campaign = target.is_dir()
    if campaign == bool(to):
        raise click.UsageError("give MESSAGE.eml with --to ADDRESS (a test send), or a campaign folder without --to")
    if resend_uncertain and not resume:
        raise click.UsageError("--resend-uncertain goes with --resume")
    if not campaign and resume:
        raise click.UsageError("--resume is for a campaign folder")
    config = find_config(target)
    if config.path is None:
        config = find_config(Path.cwd())
    overrides = {"host": server, "tls": tls, "cafile": str(cafile) if cafile else None, "username": username,
                 "password_env": password_env, "mail_from": mail_from, "connections": connections,
                 "messages_per_connection": messages_per_connection, "rate": rate, "domain_rate": domain_rate}
    settings = _ask_password(resolve_settings(config, overrides))
    interactive = fmt == "text" and sys.stderr.isatty()
    options = SendOptions(resume=resume, resend_uncertain=resend_uncertain,
                          progress=progress_printer("messages") if interactive and campaign else None)
    if campaign:
        result = send_campaign(target, settings, config, options, dry_run=dry_run)
    else:
        result = send_message(target, to, settings, options, dry_run=dry_run)
    if isinstance(result, SendPlan):
        if fmt == "json":
            echo_json({"target": str(target), "dry_run": True, **asdict(result)})
        else:
            click.echo(_plan_text(target, result))
        return
    if fmt == "json":
        echo_json(_summary_json(target, result))
    else:
        click.echo(_summary_text(target, result, campaign))
        if not campaign and result.sent and parse_address(to).domain.lower() in _GMAIL:
            click.echo(_GMAIL_NOTE, err=True)
    if result.sent != result.messages:
        ctx.exit(1)


def _ask_password(settings: SmtpSettings) -> SmtpSettings:
    """The password from the environment, else typed at the terminal (never an option, never echoed)."""
    if settings.username and settings.password is None and sys.stdin.isatty():
        password = click.prompt(f"Password for {settings.username} at {settings.server}", hide_input=True,
                                err=True)
        return replace(settings, password=password)
    return settings


def _summary_text(target: Path, summary: SendSummary, campaign: bool) -> str:
    where = display_path(target)
    if not campaign:
        outcome = summary.not_sent[0] if summary.not_sent else None
        if outcome is None:
            return f"{where}: sent through {summary.server}"
        return f"{where}: {outcome.status.value} by {summary.server}: {outcome.reply}" + _explained(outcome)
    before = f" ({summary.sent_before:,} by an earlier run)" if summary.sent_before else ""
    # A rate only for what this run sent: a --resume with nothing left is not "0 messages/s".
    rate = (f"{summary.per_second:,.0f} messages/s" if summary.sent > summary.sent_before
            else "nothing left to send")
    lines = [f"{summary.messages:,} messages: {summary.sent:,} sent{before}, {summary.deferred:,} deferred, "
             f"{summary.bounced:,} bounced, {summary.uncertain:,} uncertain in {summary.seconds:.1f} s: "
             f"{rate} through {summary.server}"]
    for outcome in summary.not_sent[:_SHOWN]:
        lines.append(f"{where}/{outcome.file}: {outcome.status.value} {outcome.email}: {outcome.reply or ''}"
                     + _explained(outcome))
    if len(summary.not_sent) > _SHOWN:
        lines.append(f"... and {len(summary.not_sent) - _SHOWN:,} more (--format json lists them all)")
    if summary.suppressed:
        lines.append(f"{summary.suppressed:,} address{'es' if summary.suppressed > 1 else ''} added to "
                     f"{display_path(summary.suppressions)}: later renders skip {'them' if summary.suppressed > 1 else 'it'}")
    if summary.deferred or summary.uncertain:
        lines.append("deferred messages are sent by the same command with --resume; uncertain ones only with "
                     "--resume --resend-uncertain (the server may have them already)")
    return "\n".join(lines)


def _explained(outcome) -> str:
    return f"\n  {outcome.explanation}" if outcome.explanation else ""


def _summary_json(target: Path, summary: SendSummary) -> dict:
    return {
        "target": str(target), "server": summary.server, "messages": summary.messages, "sent": summary.sent,
        "deferred": summary.deferred, "bounced": summary.bounced, "uncertain": summary.uncertain,
        "sent_before": summary.sent_before, "seconds": round(summary.seconds, 3),
        "per_second": round(summary.per_second, 1), "suppressed": summary.suppressed,
        "suppressions": str(summary.suppressions) if summary.suppressions else None,
        "not_sent": [{"row": o.row, "email": o.email, "file": o.file, "status": o.status.value, "reply": o.reply,
                      "explanation": asdict(o.explanation) if o.explanation else None}
                     for o in summary.not_sent],
    }


def _plan_text(target: Path, plan: SendPlan) -> str:
    login = f", logged in as {plan.username}" if plan.username else ""
    tls = plan.tls_version or "no TLS"
    lines = [f"{plan.server}: {plan.greeting} ({tls}{login})",
             f"would send {plan.to_send:,} of {plan.messages:,} messages from {plan.sender} to "
             f"{plan.domains:,} domains over {plan.connections} connection{'s' if plan.connections > 1 else ''}"]
    pace = [f"at most {plan.rate:g}/s" if plan.rate else "", f"{plan.domain_rate:g}/s a domain" if plan.domain_rate else ""]
    if any(pace):
        lines[-1] += ", " + ", ".join(p for p in pace if p)
    if plan.done_before:
        lines.append(f"{plan.done_before:,} were sent or bounced by an earlier run: not sent again")
    if plan.uncertain_left:
        lines.append(f"{plan.uncertain_left:,} are uncertain (the server may have them): not sent "
                     "without --resend-uncertain")
    lines.append(f"dry run: nothing sent from {display_path(target)}")
    return "\n".join(lines)

