"""`newsletter render`: one message, or (with --recipients) a whole campaign."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from ..kinds import Kind
from ..render import RenderOptions, render as render_message
from ..render.dkim import DkimSigner
from ..render.environment import load_json
from .app import main, progress_printer, report_findings, write_output

_KINDS = click.Choice([k.value for k in Kind], case_sensitive=False)


@main.command()
@click.argument("template", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--data", "data_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Template variables, a JSON object.")
@click.option("--kind", type=_KINDS, help="transactional or promotional (default: the template's).")
@click.option("--from", "sender", metavar="ADDRESS", help="Sender, e.g. 'Shop <news@shop.example>'.")
@click.option("--to", metavar="ADDRESS", help="Recipient (default: the data's 'email').")
@click.option("--subject", help="Subject (default: the template's subject block).")
@click.option("--reply-to", metavar="ADDRESS", help="Reply-To address.")
@click.option("--unsubscribe-url", metavar="URL", help="https URL for one-click unsubscribe.")
@click.option("--list-id", metavar="ID", help="List-Id header, on either kind (default: the configuration's "
              "list_id, on promotional mail only).")
@click.option("--format", "fmt", type=click.Choice(["eml", "html", "text"]), default="eml",
              show_default=True, help="A complete message, or only its HTML or text part.")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
@click.option("--recipients", type=click.Path(path_type=Path, dir_okay=False),
              help="Bulk: a .csv (with an 'email' column) or .jsonl file, one recipient a row.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Bulk: where to write one .eml per recipient, manifest.jsonl and rejects.jsonl.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Bulk: worker processes (default: one a CPU this process may use).")
@click.option("--resume", is_flag=True, help="Bulk: finish a campaign that was interrupted.")
@click.option("--dry-run", is_flag=True,
              help="Bulk: render and check every recipient, write nothing (no --out-dir).")
@click.option("--dkim-key", type=click.Path(path_type=Path, dir_okay=False),
              help="Sign with this private key (PEM RSA or Ed25519, or a base64 Ed25519 seed).")
@click.option("--dkim-selector", metavar="S", help="DKIM selector (s=).")
@click.option("--dkim-domain", metavar="D", help="DKIM signing domain (d=; default: the sender's).")
def render(template: Path, data_file: Path | None, kind: str | None, sender: str | None,
           to: str | None, subject: str | None, reply_to: str | None,
           unsubscribe_url: str | None, list_id: str | None, fmt: str, output: str | None, recipients: Path | None,
           out_dir: Path | None, jobs: int | None, resume: bool, dry_run: bool, dkim_key: Path | None,
           dkim_selector: str | None, dkim_domain: str | None) -> None:
    """Render TEMPLATE into one message (a complete .eml by default), or with --recipients
    into one message per recipient."""
    data = load_json(data_file) if data_file else {}
    options = RenderOptions(kind=kind, sender=sender, to=to, subject=subject, reply_to=reply_to,
                            unsubscribe_url=unsubscribe_url, list_id=list_id)
    if bool(dkim_key) != bool(dkim_selector):
        raise click.UsageError("--dkim-key and --dkim-selector go together")
    if dkim_key and fmt != "eml":
        raise click.UsageError("--dkim-key signs a whole message: use --format eml")
    if recipients is not None:
        if (out_dir is None) != dry_run or to or output or (dry_run and resume):
            raise click.UsageError("--recipients needs --out-dir (or --dry-run, without --resume), "
                                   "and takes neither --to nor -o")
        render_campaign(template, recipients, data, options, out_dir, jobs, resume,
                        dkim_key, dkim_selector, dkim_domain)
        return
    if out_dir or jobs or resume or dry_run:
        raise click.UsageError("--out-dir, --jobs, --resume and --dry-run go with --recipients")
    if dkim_key:
        options = replace(options, dkim=DkimSigner.from_file(dkim_key, dkim_selector, dkim_domain))
    rendered = render_message(template, data, options)
    report_findings(rendered.findings)
    payload = {
        "eml": rendered.as_bytes,
        "html": lambda: rendered.html.encode("utf-8"),
        "text": lambda: rendered.text.encode("utf-8"),
    }[fmt]()
    write_output(payload, output)


def render_campaign(template: Path, recipients: Path, data: dict, options: RenderOptions,
                    out_dir: Path | None, jobs: int | None, resume: bool, dkim_key: Path | None,
                    dkim_selector: str | None, dkim_domain: str | None) -> None:
    from ..render.bulk import BulkOptions, render_bulk
    from ..render.workers import default_processes

    signer = DkimSigner.from_file(dkim_key, dkim_selector, dkim_domain) if dkim_key else None
    summary = render_bulk(
        template, recipients, data, options,
        BulkOptions(out_dir=out_dir, jobs=jobs or default_processes(), resume=resume, dkim=signer,
                    progress=progress_printer() if sys.stderr.isatty() else None),
    )
    report_findings(summary.findings)
    if not summary.compiled:
        click.echo(f"note: every message rendered in full: {summary.why_not_compiled}", err=True)
    resumed = f" ({summary.rendered_before:,} by the earlier run)" if summary.rendered_before else ""
    if summary.redone:
        click.echo(f"note: {summary.redone:,} files of the earlier run were missing, incomplete or changed: "
                   "rendered again", err=True)
    where = (f" -> {out_dir}/manifest.jsonl" + (f", {out_dir}/rejects.jsonl" if summary.rejected else "")
             if out_dir else " (dry run: nothing written)")
    if out_dir is None:
        for reject in summary.first_rejects:
            click.echo(f"{recipients}:{reject['line']}: rejected {reject['email'] or ''}: {reject['reason']}", err=True)
    click.echo(
        f"{summary.rows:,} rows read, {summary.rendered:,} rendered{resumed}, {summary.rejected:,} rejected"
        f" in {summary.seconds:.1f} s: {summary.per_second:,.0f} messages/s{where}",
        err=True,
    )
    if summary.rejected:
        raise SystemExit(1)
