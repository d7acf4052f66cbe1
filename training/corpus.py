"""The labelled mail the placement model learns from, read by path from the shared corpus (never
copied into the project), measured by the project's own code exactly as `newsletter check
--offline` measures a message.

- `gmail-labelled/`: real newsletters with the tab Gmail chose (labels.json: `gmail_tab`).
- `spamassassin/`: the SpamAssassin public corpus sample, ham and spam (labels.json: `label`).
- `spamassassin-npm`: the whole SpamAssassin public corpus from npm (training/fetch_data.py), its
  folder the label, less the messages the shared sample holds (same MD5 or same Message-ID).
- `transactional/`, `promotional/`: public email templates, the folder is the label.
- `eml/` and this repository's starter templates (`templates/`, rendered with their sample data
  from `examples/`): modern legitimate mail, ham for the spam model only.

Every message of a legitimate sender (the Gmail newsletters, the templates, the starters, the
`eml/` messages) is ham for the spam model: the 2002 ham alone would teach it that wanted mail
talks about Linux, and that a shop's offer reads like spam. Gmail's own `spam_folder` verdicts
are kept apart, as an outside check of the spam model: on this political bulk mail they follow
the sender's reputation and the reader's engagement, not the content.

Each example's group is its sender's registrable domain (the From domain; for templates, the
vendor they come from), so cross-validation never has one sender on both sides. The
SpamAssassin corpus's ham is mostly mailing lists (fork, ILUG, exmh, spamassassin-talk…), whose
From is each member's own address: there the list (List-Id) is the sender, so a list's messages
never straddle folds.

Measuring a message costs ~25 ms, and nested cross-validation over ~6,600 messages measures the
same ones again and again: a received message's measurements are cached by the SHA-256 of its
bytes under a version of the code and knowledge that measure it (training cache, see
fetch_data.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import ProcessPoolExecutor
import tomllib
from dataclasses import dataclass
from email import message_from_binary_file
from email.policy import compat32
from email.utils import getaddresses
from pathlib import Path
from typing import Mapping

from newsletter.checkfiles import read_check
from newsletter.lint.content import site_of
from newsletter.placement import CheckOptions, check_paths, knowledge

from fetch_data import CACHE, fetched
from fetch_data import CORPUS as WHOLE

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSLETTER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
STARTERS = ROOT / "templates"
MODERN = ("templates", "starters", "eml")
SPAMASSASSIN = ("spamassassin", "spamassassin-npm")  # the shared sample (the targets' set), the rest of the corpus


@dataclass(frozen=True)
class Example:
    path: Path
    source: str  # gmail, spamassassin, spamassassin-npm, templates, starters, eml
    group: str  # the sender's registrable domain (templates: their vendor)
    tab: str | None = None  # promotions, updates, primary (Gmail's); templates: promotions / updates
    spam: bool | None = None
    html: bool = False  # the message has an HTML part (or is HTML)
    gmail_spam: bool | None = None  # Gmail put it in Spam (an outside check, never a training label)

    @property
    def modern_legitimate(self) -> bool:
        """Today's legitimate mail written by a sending platform or a shop: what the spam
        model must not call spam (the guard metric)."""
        return self.source in MODERN


@dataclass(frozen=True)
class Measured:
    example: Example
    promotions: Mapping[str, float]  # the promotions model's signals, capped
    spam_content: Mapping[str, float]  # the spam content model's signals, capped
    terms: frozenset[str]


def examples(corpus: Path = CORPUS, starters: Path = STARTERS, whole: Path | None = None) -> list[Example]:
    """Every labelled example of the corpus, of the whole SpamAssassin corpus (`whole`, default
    the training cache's; stops with what to run when it was not fetched) and the starter
    templates, in a stable order."""
    found = []
    for entry in json.loads((corpus / "gmail-labelled" / "labels.json").read_text()):
        path = corpus / "gmail-labelled" / entry["file"]
        found.append(Example(path, "gmail", _sender_group(path), tab=entry["gmail_tab"], spam=False,
                             html=_has_html(path), gmail_spam=bool(entry["spam_folder"])))
    labels = json.loads((corpus / "spamassassin" / "labels.json").read_text())
    sample = []
    for entry in labels:
        path = corpus / "spamassassin" / entry["file"]
        sample.append(Example(path, "spamassassin", _sender_group(path, lists=True), spam=entry["label"] == "spam",
                              html=_has_html(path)))
    whole = whole or fetched()
    if whole is None:
        raise SystemExit(f"the whole SpamAssassin corpus is not in {WHOLE}: run python training/fetch_data.py")
    found += sample + _whole_spamassassin(whole, sample, {_md5_of(e["source"]) for e in labels})
    for label, tab in (("promotional", "promotions"), ("transactional", "updates")):
        for path in sorted((corpus / label).glob("*.html")):
            found.append(Example(path, "templates", "template:" + path.name.split("__")[0], tab=tab, spam=False,
                                 html=True))
    for path in sorted((corpus / "eml").glob("*.eml")):
        found.append(Example(path, "eml", _sender_group(path), spam=False, html=_has_html(path)))
    for path in sorted(starters.glob("*/*.html")):  # base.html, the layout, is checked through them
        found.append(Example(path, "starters", "starter:newsletter", spam=False, html=True))
    return found


def _whole_spamassassin(folder: Path, sample: list[Example], sample_md5: set[str]) -> list[Example]:
    """The fetched corpus's messages (folder: spam-1, easy-ham-2…), less those of the shared
    sample and repeats within (same MD5 of the text, or same Message-ID)."""
    seen_ids = {_message_id(e.path) for e in sample} - {None}
    seen_md5 = sample_md5 | {hashlib.md5(e.path.read_bytes()).hexdigest() for e in sample}
    found = []
    for path in sorted(folder.glob("*/*.eml")):
        md5, message_id = path.name.split(".")[1], _message_id(path)
        if md5 in seen_md5 or message_id in seen_ids:
            continue
        seen_md5.add(md5)
        seen_ids.add(message_id)
        found.append(Example(path, "spamassassin-npm", _sender_group(path, lists=True),
                             spam=path.parent.name.startswith("spam"), html=_has_html(path)))
    return found


def _md5_of(source: str) -> str:
    """The MD5 in a SpamAssassin corpus file name (`…/easy_ham/00325.4c10ab2d…`)."""
    return source.rsplit("/", 1)[-1].split(".")[-1]


def measure(chosen: list[Example], workers: int = 1) -> list[Measured]:
    """The signals of each example, as `newsletter check --offline` sees them, in order;
    received messages read from the cache when measured before by the same code."""
    cache = CACHE / "signals" / f"{_code_version()}.json"
    stored = json.loads(cache.read_text()) if cache.is_file() else {}
    keys = [_content_key(e) for e in chosen]
    raw = [stored.get(k) if k else None for k in keys]
    todo = [i for i, row in enumerate(raw) if row is None]
    for i, row in zip(todo, _measure_raw([chosen[i] for i in todo], workers) if todo else []):
        raw[i] = row
        if keys[i]:
            stored[keys[i]] = row
    if any(keys[i] for i in todo):
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(json.dumps(stored))
        partial.replace(cache)
    known = knowledge()
    measured = []
    for example, (values, terms) in zip(chosen, raw):
        measured.append(Measured(
            example,
            {w.signal: min(float(values.get(w.signal, 0.0)), w.cap) for w in known.promotions.weights},
            {w.signal: min(float(values.get(w.signal, 0.0)), w.cap) for w in known.spam_content.weights},
            frozenset(terms)))
    return measured


def _measure_raw(chosen: list[Example], workers: int = 1) -> list[tuple[dict[str, float], list[str]]]:
    """Each example's uncapped signal values and terms, in `workers` processes, each a
    contiguous share of the examples."""
    if workers > 1 and len(chosen) > workers:
        size = -(-len(chosen) // workers)
        with ProcessPoolExecutor(workers) as pool:
            shares = pool.map(_measure_raw, [chosen[n:n + size] for n in range(0, len(chosen), size)])
            return [row for share in shares for row in share]
    reports = check_paths([e.path for e in chosen], CheckOptions(offline=True))
    rows = []
    for example, report in zip(chosen, reports, strict=True):
        assert Path(report.input).resolve() == example.path.resolve(), (report.input, example.path)
        values = {**report.signals.values(), **report.spam_inputs} if report.signals else {}
        rows.append(({s: float(v) for s, v in values.items()}, sorted(report.signals.terms) if report.signals else []))
    return rows


def _content_key(example: Example) -> str:
    """A received message is all of itself (a template is not: its layout and data are elsewhere)."""
    return hashlib.sha256(example.path.read_bytes()).hexdigest() if example.path.suffix == ".eml" else ""


def _code_version() -> str:
    """The package's code and knowledge that measure a message (not the fitted weights)."""
    digest = hashlib.sha256()
    for base, pattern in ((Path(__import__("newsletter").__file__).parent, "*.py"), (ROOT / "checks", "*")):
        for path in sorted(base.rglob(pattern)):
            if path.is_file() and path.name != "placement-model.toml":
                digest.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def priors(model: str) -> dict[str, float]:
    """The signals of one fitted model (`promotions`, `spam_content`) and their priors, in the
    order of checks/placement.toml."""
    text = read_check("placement.toml")
    return {signal: float(entry["prior"]) for signal, entry in tomllib.loads(text)[model].items()}


def _read_headers(path: Path):
    with path.open("rb") as handle:
        return message_from_binary_file(handle, policy=compat32)


def _sender_group(path: Path, lists: bool = False) -> str:
    """The From's registrable domain; with `lists`, a mailing list's own id first (its From is
    each member's address, the list is what sent it)."""
    message = _read_headers(path)
    if lists and (list_id := re.search(r"<([^<>]+)>\s*$", " ".join(str(message.get("List-Id", "")).split()))):
        return "list:" + list_id.group(1).lower()
    addresses = [a for _, a in getaddresses([str(message.get("From", ""))]) if "@" in a]
    return site_of(addresses[0].rsplit("@", 1)[1]) if addresses else f"unknown:{path.name}"


def _message_id(path: Path) -> str | None:
    found = str(_read_headers(path).get("Message-ID", "")).strip()
    return found or None


def _has_html(path: Path) -> bool:
    return any(part.get_content_type() == "text/html" for part in _read_headers(path).walk())
