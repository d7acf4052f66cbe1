"""Bulk rendering: one `.eml` per recipient, a manifest, a rejects file; resumable, parallel.

The parent process streams the recipients, checks each row (address, duplicate, missing
variables) and hands batches to worker processes, which fill the compiled campaign, write each
message atomically (temporary file, then rename) and return its manifest record. The parent
appends records in row order. `manifest.jsonl` is the journal: after a crash, `--resume` skips
every row it lists whose file exists, so no recipient is missing and none is written twice.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field, replace
from email.headerregistry import Address
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..errors import NewsletterError
from ..findings import Finding
from .addresses import AddressError, duplicate_key
from .campaign import PER_CAMPAIGN, CompiledCampaign, NotCompilable, compile_campaign, template_variables
from .dkim import DkimSigner
from .environment import render_template
from .headers import unsafe_recipient_value
from .inline import inline_css
from .message import build_message
from .pipeline import Campaign, CompiledTemplate, RenderOptions, checked_subject, unsubscribe_link_findings, recipient_address
from .recipients import Row, count_rows, read_recipients
from .text import html_to_text

MANIFEST = "manifest.jsonl"
REJECTS = "rejects.jsonl"
_BATCH = 200


@dataclass(frozen=True)
class BulkOptions:
    out_dir: Path | None  # None: a dry run, every message rendered and none written
    jobs: int = 1
    resume: bool = False
    dkim: DkimSigner | None = None
    progress: Callable[[int, int], None] | None = None  # (rows done, rows expected)


@dataclass(frozen=True)
class BulkSummary:
    rows: int
    rendered: int
    rejected: int
    rendered_before: int  # rendered by an earlier run that --resume continued
    seconds: float
    first_rejects: tuple[dict[str, Any], ...]  # the first few, for the report
    compiled: bool  # False: every message was rendered in full
    why_not_compiled: str | None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def per_second(self) -> float:
        fresh = self.rendered - self.rendered_before
        return fresh / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Task:
    row: int
    line: int
    data: dict[str, Any]
    full: bool  # render this one in full (it overrides campaign values)


def render_bulk(
    template: Path,
    recipients: Path,
    campaign_data: Mapping[str, Any],
    render_options: RenderOptions,
    options: BulkOptions,
) -> BulkSummary:
    """Render `template` for every row of `recipients` into `options.out_dir`."""
    started = time.perf_counter()
    compiled_template = CompiledTemplate.load(template)
    campaign = Campaign.prepare(compiled_template, campaign_data, render_options)
    env = compiled_template.template.environment
    needed = template_variables(env, compiled_template.template)
    rows_in = read_recipients(recipients)
    first = next(rows_in, None)
    columns = set(first.data) if first is not None and first.data else set()
    # Recipient values: what the rows bring (as their first row shows) and what only they can.
    own = (needed & columns) | (needed - set(campaign_data) - set(PER_CAMPAIGN))
    shared = needed - own

    compiled: CompiledCampaign | None = None
    why_not = None
    try:
        compiled = compile_campaign(campaign, campaign_data, own)
    except NotCompilable as exc:
        why_not = str(exc)

    journal = _Journal.open(options.out_dir, options.resume)
    done_before = journal.rendered
    expected = count_rows(recipients) if options.progress else 0  # a second read, for the ETA only
    dkim = options.dkim.for_sender(campaign.sender.domain) if options.dkim else None
    worker = CampaignRenderer(campaign, compiled, campaign_data, options.out_dir, dkim)
    seen: set[str] = set()
    rows = 0
    # The renderer's findings (CSS, unsubscribe link) are the template's: report each once.
    findings: dict[tuple[str, str], Finding] = {(f.rule, f.message): f for f in compiled.findings} if compiled else {}

    def tasks() -> Iterator[_Task]:
        nonlocal rows
        for row in itertools.chain([first] if first else [], rows_in):
            rows += 1
            task_or_reason = _check(row, seen, own - set(campaign_data), shared)  # done rows too: duplicates
            if row.number in journal.done:
                continue
            if isinstance(task_or_reason, str):
                journal.reject(row, task_or_reason)
            else:
                yield task_or_reason

    try:
        for results in _run(worker, tasks(), options.jobs):
            for result in results:
                if "reason" in result:
                    journal.reject_record(result)
                else:
                    journal.record(result)
                for f in result.pop("findings", ()):
                    findings.setdefault((f.rule, f.message), f)
            if options.progress:
                options.progress(journal.rendered + journal.rejected, expected)
    finally:
        journal.close()
    if options.progress:
        options.progress(rows, rows)
    return BulkSummary(
        rows=rows,
        rendered=journal.rendered,
        rejected=journal.rejected,
        rendered_before=done_before,
        seconds=time.perf_counter() - started,
        first_rejects=tuple(journal.first_rejects),
        compiled=compiled is not None,
        why_not_compiled=why_not,
        findings=tuple(findings.values()),
    )


def _check(row: Row, seen: set[str], own: set[str], shared: set[str]) -> _Task | str:
    """A row worth rendering, or why not. The address itself is checked by the worker
    (email-validator is the costly part); duplicates need every row, so they are found here."""
    if row.data is None:
        return row.error or "unreadable row"
    email = str(row.data.get("email") or "").strip()
    if not email:
        return "no email address"
    unsafe = unsafe_recipient_value(row.data)
    if unsafe:
        return unsafe
    try:
        key = duplicate_key(email)
    except AddressError as exc:
        return f"recipient (data 'email'): {exc}"
    if key in seen:
        return f"duplicate of an earlier row with {email}"
    seen.add(key)
    missing = sorted(name for name in own if name not in row.data and name not in ("email", "unsubscribe_url"))
    if missing:
        return "missing variables the template needs: " + ", ".join(missing)
    return _Task(row.number, row.line, row.data, full=bool(shared & row.data.keys()))


class CampaignRenderer:
    """Renders tasks to files. Built in the parent; worker processes inherit it by fork."""

    def __init__(self, campaign: Campaign, compiled: CompiledCampaign | None,
                 campaign_data: Mapping[str, Any], out_dir: Path | None, dkim: DkimSigner | None) -> None:
        self.campaign = campaign
        self.compiled = compiled
        self.campaign_data = dict(campaign_data)
        self.out_dir = out_dir
        self.dkim = dkim
        self.env = campaign.compiled.template.environment

    def __call__(self, batch: list[_Task]) -> list[dict[str, Any]]:
        return [self.one(task) for task in batch]

    def one(self, task: _Task) -> dict[str, Any]:
        record: dict[str, Any] = {"row": task.row, "line": task.line, "email": task.data["email"]}
        message_id = make_msgid(domain=self.campaign.sender.domain)
        try:
            recipient = recipient_address(None, task.data)
            record["email"] = recipient.addr_spec
            raw, findings = self.message(task, recipient, message_id)
        except NewsletterError as exc:
            return {**record, "reason": exc.what}
        name = f"{task.row:06d}.eml"
        if self.out_dir is not None:
            _write_atomically(self.out_dir / name, raw)
        return {**record, "file": name, "message_id": message_id,
                "sha256": hashlib.sha256(raw).hexdigest(), "findings": findings}

    def message(self, task: _Task, recipient: Address, message_id: str) -> tuple[bytes, list[Finding]]:
        data = {**self.campaign_data, **task.data}
        campaign = self.campaign
        person = campaign.personalise(data, recipient)
        compiled = self.compiled
        values = None if compiled is None or task.full else self._values(compiled, person.context)
        if compiled is None or values is None:
            html = inline_css(render_template(campaign.compiled.template, person.context)).html
            subject = campaign.subject(person.context)
            text = campaign.own_text(person.context) or html_to_text(html)
            findings = unsubscribe_link_findings(campaign.kind, person.unsubscribe_url, html, campaign.compiled.path)
        else:
            html = compiled.fill_html(values)
            filled_subject = compiled.fill_subject(values)
            subject = (campaign.subject(person.context) if filled_subject is None
                       else checked_subject(filled_subject, campaign.compiled.path))
            if compiled.text is None:
                text = campaign.own_text(person.context) or html_to_text(html)
            else:
                text = compiled.fill_text(values) or html_to_text(html)
            findings = []
        raw = build_message(replace(campaign.envelope(person, subject), message_id=message_id), html, text)
        if self.dkim is not None:
            raw = self.dkim.sign(raw)
        return raw, findings


    def _values(self, compiled: CompiledCampaign, context: Mapping[str, Any]) -> list[Any] | None:
        """The slot values, or None when one is empty: an empty element is written differently
        (the serializer lays it out on two lines), so that message is rendered in full."""
        try:
            values = compiled.values(self.env, context)
        except Exception as exc:  # jinja2.UndefinedError and lookups that fail like it
            raise NewsletterError(f"undefined variable: {exc}") from None
        return None if any(str(value) == "" for value in values) else values


_WORKER: CampaignRenderer | None = None


def _work(batch: list[_Task]) -> list[dict[str, Any]]:
    assert _WORKER is not None
    return _WORKER(batch)


def _run(worker: CampaignRenderer, tasks: Iterable[_Task], jobs: int) -> Iterator[list[dict[str, Any]]]:
    batches = iter(lambda: list(itertools.islice(tasks, _BATCH)), [])
    if jobs <= 1:
        yield from map(worker, batches)
        return
    global _WORKER
    _WORKER = worker
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        yield from pool.imap(_work, batches, chunksize=1)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(temporary, path)


class _Journal:
    """manifest.jsonl (kept across runs) and rejects.jsonl (rewritten by each run); in a dry run,
    only the counts and the first rejects."""

    def __init__(self, out_dir: Path | None, done: set[int], rendered: int) -> None:
        self.done = done
        self.rendered = rendered
        self.rejected = 0
        self.first_rejects: list[dict[str, Any]] = []
        self.manifest = open(out_dir / MANIFEST, "a", encoding="utf-8") if out_dir else None
        self.rejects = open(out_dir / REJECTS, "w", encoding="utf-8") if out_dir else None

    @classmethod
    def open(cls, out_dir: Path | None, resume: bool) -> "_Journal":
        if out_dir is None:
            return cls(None, set(), 0)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            entries = [p.name for p in out_dir.iterdir()]
        except OSError as exc:
            raise NewsletterError(f"cannot use the output folder: {exc.strerror}", path=out_dir) from None
        if entries and not resume:
            raise NewsletterError(
                "the output folder is not empty", path=out_dir,
                fix="pass --resume to finish the campaign rendered there, or choose an empty folder",
            )
        for name in entries:
            if name.startswith(".") and name.endswith(".tmp"):
                (out_dir / name).unlink()
        done: set[int] = set()
        manifest = out_dir / MANIFEST
        if manifest.exists():
            kept: list[str] = []
            for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the last line of a run that was killed mid-write
                if line.endswith("\n") and (out_dir / record["file"]).exists() and record["row"] not in done:
                    done.add(record["row"])
                    kept.append(line)
            manifest.write_text("".join(kept), encoding="utf-8")
        return cls(out_dir, done, len(done))

    def record(self, result: dict[str, Any]) -> None:
        if self.manifest:
            fields = ("row", "line", "email", "file", "message_id", "sha256")
            self.manifest.write(json.dumps({k: result[k] for k in fields}, ensure_ascii=False) + "\n")
        self.rendered += 1

    def reject(self, row: Row, reason: str) -> None:
        email = row.data.get("email") if row.data else None
        self.reject_record({"row": row.number, "line": row.line, "email": email, "reason": reason})

    def reject_record(self, record: dict[str, Any]) -> None:
        record = {k: record.get(k) for k in ("row", "line", "email", "reason")}
        if self.rejects:
            self.rejects.write(json.dumps(record, ensure_ascii=False) + "\n")
        if len(self.first_rejects) < 10:
            self.first_rejects.append(record)
        self.rejected += 1

    def close(self) -> None:
        for handle in (self.manifest, self.rejects):
            if handle:
                handle.close()


def progress_printer(stream=sys.stderr) -> Callable[[int, int], None]:
    """A one-line progress bar with rate and ETA, for a terminal."""
    started = time.perf_counter()

    def show(done: int, expected: int) -> None:
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else 0.0
        total = max(expected, done)
        width = 30
        filled = int(width * done / total) if total else width
        eta = (total - done) / rate if rate else 0
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}  "
                     f"{rate:,.0f} rows/s  ETA {int(eta // 60)}:{int(eta % 60):02d} ")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
