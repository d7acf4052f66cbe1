"""Bulk rendering: one `.eml` per recipient, a manifest, a rejects file; resumable, parallel.

The parent process streams the recipients, checks each row (address, duplicate, missing
variables) and hands batches to worker processes, which fill the compiled campaign, write each
message atomically (temporary file, then rename) and return its manifest record. The parent
appends records in row order to the journal (`journal.py`): after a crash, `--resume` skips every
row it lists whose file is intact, so no recipient is missing and none is written twice. A write
that fails (a full disk), a worker killed (`workers.py`) or Ctrl-C stops the run there, with what
was done recorded.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from ..errors import NewsletterError
from ..files import write_atomic
from ..findings import Finding
from ..suppressions import read_suppressions, suppressions_path
from ..addresses import AddressError, duplicate_key
from .campaign import CompiledCampaign, NotCompilable, compile_campaign, template_variables
from .dkim import DkimSigner
from .encoded import quoted_printable
from .environment import jinja_errors, render_template
from ..headers import unsafe_recipient_value
from .inline import inline_css
from .journal import Journal, manifest_line, message_file
from .message import new_message_id
from .pipeline import Campaign, CompiledTemplate, RenderOptions, checked_subject, unsubscribe_link_findings, recipient_address
from .recipients import Row, count_rows, read_recipients
from .text import html_to_text
from .workers import WorkerStopped, in_workers
from .variables import EmptyValues, list_findings, unsubscribe_variables, variable_sources

_BATCH = 200
_COMPUTED = frozenset(("email", "unsubscribe_url"))  # values a row need not bring


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
    redone: int  # recorded by the earlier run, but the file was missing, short or changed: rendered again
    seconds: float
    first_rejects: tuple[dict[str, Any], ...]  # the first few, for the report
    compiled: bool  # False: every message was rendered in full
    why_not_compiled: str | None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def per_second(self) -> float:
        fresh = self.rendered - self.rendered_before
        return fresh / self.seconds if self.seconds else 0.0


class _Task(NamedTuple):  # a tuple: one is made and pickled a row, tuples are the cheapest
    row: int
    line: int
    data: dict[str, Any]
    full: bool  # render this one in full (it overrides campaign values)


def render_campaign(template: Path | str, recipients: Path | str, out_dir: Path | str | None,
                    data: Mapping[str, Any] | None = None, options: RenderOptions | None = None, *,
                    jobs: int = 1, resume: bool = False) -> BulkSummary:
    """One message a row of `recipients` (.csv or .jsonl) into `out_dir`, with the manifest and
    the rejects file, as `newsletter render --recipients` writes them (`out_dir` None: a dry run)."""
    return render_bulk(Path(template), Path(recipients), dict(data or {}), options or RenderOptions(),
                       BulkOptions(out_dir=Path(out_dir) if out_dir is not None else None, jobs=jobs, resume=resume))


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
    with jinja_errors(template):
        needed = template_variables(env, compiled_template.template)
    rows_in = read_recipients(recipients)
    first = next(rows_in, None)
    columns = list(first.data) if first is not None and first.data else []
    sources = variable_sources(needed, columns, campaign_data)

    compiled: CompiledCampaign | None = None
    why_not = None
    try:
        compiled = compile_campaign(campaign, campaign_data, set(sources.own))
    except NotCompilable as exc:
        why_not = str(exc)

    dkim = options.dkim.for_sender(campaign.sender.domain) if options.dkim else None
    worker = CampaignRenderer(campaign, compiled, campaign_data, options.out_dir, dkim)  # checks the shared headers
    journal = Journal.open(options.out_dir, options.resume)
    done_before = journal.rendered
    expected = count_rows(recipients) if options.progress else 0  # a second read, for the ETA only
    seen: set[str] = set()
    suppressed = read_suppressions(suppressions_path(compiled_template.config))
    rows = 0
    # The renderer's findings (CSS, unsubscribe link) are the template's: report each once.
    findings: dict[tuple[str, str], Finding] = {(f.rule, f.message): f for f in compiled.findings} if compiled else {}
    for f in list_findings(sources, columns, campaign_data, unsubscribe_variables(campaign) | set(campaign.name_columns),
                           recipients):
        findings[f.rule, f.message] = f
    empty = EmptyValues(sources.personal)

    required = frozenset(sources.required - _COMPUTED)

    def tasks() -> Iterator[_Task]:
        nonlocal rows
        for row in itertools.chain([first] if first else [], rows_in):
            rows += 1
            task_or_reason = _check(row, seen, suppressed, required, sources.shared)  # done rows too: duplicates
            if row.number in journal.done:
                continue
            if isinstance(task_or_reason, str):
                journal.reject(row, task_or_reason)
            else:
                empty.note(row.line, task_or_reason.data)
                yield task_or_reason

    # The campaign's objects, made once, live as long as the run: no collection need walk them
    # again, and forked workers do not copy them by touching their counts (CPython's advice).
    gc.freeze()
    runs = _run(worker, tasks(), options.jobs)
    complete = False
    try:
        try:
            for done in runs:
                journal.record(done.manifest, done.written)
                for record in done.refused:
                    journal.reject_record(record)
                for f in done.findings:
                    findings.setdefault((f.rule, f.message), f)
                if done.failure is not None:
                    raise done.failure
                if options.progress:
                    options.progress(journal.rendered + journal.rejected, expected)
            complete = True
        finally:
            runs.close()  # the workers stop before the folder is tidied
            gc.unfreeze()
            journal.close(complete)
    except OSError as exc:  # a full disk, a folder gone: the run stops, what is written is kept
        raise NewsletterError(f"cannot write: {exc.strerror or exc}", path=exc.filename or options.out_dir,
                              fix=f"make room (or repair the folder), then {_resume(journal)}") from None
    except WorkerStopped as exc:
        raise NewsletterError(str(exc), fix=_resume(journal)) from None
    except KeyboardInterrupt:
        raise NewsletterError("interrupted", fix=_resume(journal)) from None
    if options.progress:
        options.progress(rows, rows)
    for f in empty.findings(recipients):
        findings[f.rule, f.message] = f
    return BulkSummary(
        rows=rows,
        rendered=journal.rendered,
        rejected=journal.rejected,
        rendered_before=done_before,
        redone=journal.redone,
        seconds=time.perf_counter() - started,
        first_rejects=tuple(journal.first_rejects),
        compiled=compiled is not None,
        why_not_compiled=why_not,
        findings=tuple(findings.values()),
    )


def _resume(journal: Journal) -> str:
    if journal.out_dir is None:  # a dry run: nothing was kept
        return "run the same command again"
    return f"run the same command with --resume: {journal.rendered:,} messages are written and recorded"


def _check(row: Row, seen: set[str], suppressed: Mapping[str, str], required: frozenset[str],
           shared: frozenset[str]) -> _Task | str:
    """A row worth rendering (it brings every variable in `required`), or why not. The address
    itself is checked by the worker (email-validator is the costly part); duplicates need every
    row, so they are found here, and so are addresses in the suppressions file (`newsletter send`
    puts those that bounced there)."""
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
    if key in suppressed:
        return f"suppressed: {suppressed[key]}"
    if not row.data.keys() >= required:  # a subset test, without a set made a row
        return "missing variables the template needs: " + ", ".join(sorted(required - row.data.keys()))
    return _Task(row.number, row.line, row.data, full=not shared.isdisjoint(row.data.keys()))


class _Written(NamedTuple):
    manifest_line: str  # made by the worker: the parent, which also reads the list, only writes it
    findings: tuple[Finding, ...]


class _Refused(NamedTuple):
    record: dict[str, Any]  # row, line, email, reason


@dataclass(frozen=True)
class _Done:
    """A batch's outcome, one object for the parent to unpickle rather than one a row."""

    manifest: str  # the manifest lines of the messages written, in row order
    written: int
    refused: tuple[dict[str, Any], ...]
    findings: tuple[Finding, ...]
    failure: OSError | None  # the disk, not a row: the run stops after what was written


class CampaignRenderer:
    """Renders tasks to files. Built in the parent; worker processes inherit it by fork."""

    def __init__(self, campaign: Campaign, compiled: CompiledCampaign | None,
                 campaign_data: Mapping[str, Any], out_dir: Path | None, dkim: DkimSigner | None) -> None:
        self.campaign = campaign
        self.compiled = compiled
        self.campaign_data = dict(campaign_data)
        self.folder = None if out_dir is None else os.path.join(out_dir, "")  # a message's path: this, its name
        self.dkim = dkim
        self.env = campaign.compiled.template.environment
        self.head = campaign.head(campaign.options.date or datetime.now())  # one Date for the campaign's messages
        self.subject = self._shared_subject()

    def _shared_subject(self) -> str | None:
        """The subject when every message has the same (`--subject`, or a subject block without a
        recipient value): checked once, so an empty one stops the run before any file is written."""
        if self.campaign.options.subject is not None:
            return self.campaign.subject({})
        subject = self.compiled.subject if self.compiled is not None else None
        if subject is not None and all(type(piece) is str for piece in subject):
            return checked_subject("".join(subject), self.campaign.compiled.path)  # type: ignore[arg-type]
        return None

    def __call__(self, batch: list[_Task]) -> _Done:
        lines: list[str] = []
        refused: list[dict[str, Any]] = []
        findings: dict[tuple[str, str], Finding] = {}
        failure = None
        for task in batch:
            try:
                result = self.one(task)
            except OSError as exc:  # the disk, not the row: the run stops after what is done
                failure = exc
                break
            if isinstance(result, _Refused):
                refused.append(result.record)
            else:
                lines.append(result.manifest_line)
                for f in result.findings:
                    findings.setdefault((f.rule, f.message), f)
        return _Done("".join(lines), len(lines), tuple(refused), tuple(findings.values()), failure)

    def one(self, task: _Task) -> _Written | _Refused:
        message_id = new_message_id(self.campaign.sender.domain)
        email = task.data["email"]
        try:
            recipient = recipient_address(None, task.data, self.campaign.name_columns)
            email = recipient.addr_spec
            raw, findings = self.message(task, recipient, message_id)
        except NewsletterError as exc:
            return _Refused({"row": task.row, "line": task.line, "email": email, "reason": exc.what})
        name = message_file(task.row)
        if self.folder is not None:
            write_atomic(self.folder + name, raw, durable=False, new=True)
        line = manifest_line(task.row, task.line, email, name, len(raw), message_id, hashlib.sha256(raw).hexdigest())
        return _Written(line, tuple(findings))

    def message(self, task: _Task, recipient: Address, message_id: str) -> tuple[bytes, list[Finding]]:
        campaign = self.campaign
        person = campaign.personalise(task.data, recipient, self.campaign_data)
        compiled = self.compiled
        values = None if compiled is None or task.full else self._values(compiled, person.context)
        findings: list[Finding] = []
        if compiled is None or values is None:
            html = inline_css(render_template(campaign.compiled.template, person.context)).html
            subject = campaign.subject(person.context)
            text = campaign.own_text(person.context) or html_to_text(html)
            findings = unsubscribe_link_findings(campaign.kind, person.unsubscribe_url, html, campaign.compiled.path)
            html_body, text_body = quoted_printable(html), quoted_printable(text)
        else:
            subject = self.subject or self._subject(compiled, values, person.context)
            html_parts = compiled.html_parts(values)
            html_body = compiled.html_encoded.encode(html_parts)
            text_body = self._text(compiled, values, html_parts, person.context)
        raw = self.head.assemble(recipient, subject, person.unsubscribe_url, message_id, html_body, text_body)
        if self.dkim is not None:
            raw = self.dkim.sign(raw)
        return raw, findings

    def _subject(self, compiled: CompiledCampaign, values: list[Any], context: Mapping[str, Any]) -> str:
        filled = compiled.fill_subject(values)
        return self.campaign.subject(context) if filled is None else checked_subject(filled, self.campaign.compiled.path)

    def _text(self, compiled: CompiledCampaign, values: list[Any], html_parts: list[str],
              context: Mapping[str, Any]) -> bytes:
        """The text part, encoded: the compiled one filled, else the template's own text block,
        else the filled HTML converted."""
        parts = None if compiled.text_encoded is None else compiled.text_parts(values)
        if parts is not None:
            return compiled.text_encoded.encode(parts)  # type: ignore[union-attr]
        own = self.campaign.own_text(context) if compiled.text is None else None
        return quoted_printable(own or html_to_text("".join(html_parts)))

    def _values(self, compiled: CompiledCampaign, context: Mapping[str, Any]) -> list[Any] | None:
        """The slot values, or None when one is empty: an empty element is written differently
        (the serializer lays it out on two lines), so that message is rendered in full."""
        try:
            values = compiled.values(self.env, context)
        except Exception as exc:  # jinja2.UndefinedError and lookups that fail like it
            raise NewsletterError(f"undefined variable: {exc}") from None
        return values if all(map(str, values)) else None


def _run(worker: CampaignRenderer, tasks: Iterable[_Task], jobs: int) -> Iterator[_Done]:
    batches = iter(lambda: list(itertools.islice(tasks, _BATCH)), [])
    if jobs <= 1:
        yield from map(worker, batches)
        return
    # Sent as plain tuples: pickled in a third of a named tuple's time, by the parent, which
    # also reads and checks every row.
    yield from in_workers(lambda batch: worker(list(map(_Task._make, batch))),
                          (list(map(tuple, batch)) for batch in batches), jobs)

