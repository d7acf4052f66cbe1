"""The labelled mail the placement model learns from, read by path from the shared corpus (never
copied into the project), measured by the project's own code exactly as `newsletter check
--offline` measures a message.

- `gmail-labelled/`: real newsletters with the tab Gmail chose (labels.json: `gmail_tab`).
- `spamassassin/`: the SpamAssassin public corpus sample, ham and spam (labels.json: `label`).
- `transactional/`, `promotional/`: public email templates, the folder is the label.
- `eml/` and this repository's starter templates (`templates/`, rendered with their sample data
  from `examples/`): modern legitimate mail, ham for the spam model only.

Every message of a legitimate sender (the Gmail newsletters, the templates, the starters, the
`eml/` messages) is ham for the spam model: the 2002 ham alone would teach it that wanted mail
talks about Linux, and that a shop's offer reads like spam. Gmail's own `spam_folder` verdicts
are kept apart, as an outside check of the spam model: on this political bulk mail they follow
the sender's reputation and the reader's engagement, not the content.

Each example's group is its sender's registrable domain (the From domain; for templates, the
vendor they come from), so cross-validation never has one sender on both sides.
"""

from __future__ import annotations

import json
import os
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

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSLETTER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
STARTERS = ROOT / "templates"
MODERN = ("templates", "starters", "eml")


@dataclass(frozen=True)
class Example:
    path: Path
    source: str  # gmail, spamassassin, templates, starters, eml
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


def examples(corpus: Path = CORPUS, starters: Path = STARTERS) -> list[Example]:
    """Every labelled example of the corpus and the starter templates, in a stable order."""
    found = []
    for entry in json.loads((corpus / "gmail-labelled" / "labels.json").read_text()):
        path = corpus / "gmail-labelled" / entry["file"]
        found.append(Example(path, "gmail", _sender_group(path), tab=entry["gmail_tab"], spam=False,
                             html=_has_html(path), gmail_spam=bool(entry["spam_folder"])))
    for entry in json.loads((corpus / "spamassassin" / "labels.json").read_text()):
        path = corpus / "spamassassin" / entry["file"]
        found.append(Example(path, "spamassassin", _sender_group(path), spam=entry["label"] == "spam",
                             html=_has_html(path)))
    for label, tab in (("promotional", "promotions"), ("transactional", "updates")):
        for path in sorted((corpus / label).glob("*.html")):
            found.append(Example(path, "templates", "template:" + path.name.split("__")[0], tab=tab, spam=False,
                                 html=True))
    for path in sorted((corpus / "eml").glob("*.eml")):
        found.append(Example(path, "eml", _sender_group(path), spam=False, html=_has_html(path)))
    for path in sorted(starters.glob("*/*.html")):  # base.html, the layout, is checked through them
        found.append(Example(path, "starters", "starter:newsletter", spam=False, html=True))
    return found


def measure(chosen: list[Example], workers: int = 1) -> list[Measured]:
    """The signals of each example, as `newsletter check --offline` sees them, in order; in
    `workers` processes, each a contiguous share of the examples."""
    if workers > 1 and len(chosen) > workers:
        size = -(-len(chosen) // workers)
        with ProcessPoolExecutor(workers) as pool:
            shares = pool.map(measure, [chosen[n:n + size] for n in range(0, len(chosen), size)])
            return [row for share in shares for row in share]
    known = knowledge()
    reports = check_paths([e.path for e in chosen], CheckOptions(offline=True))
    measured = []
    for example, report in zip(chosen, reports, strict=True):
        assert Path(report.input).resolve() == example.path.resolve(), (report.input, example.path)
        values = {**report.signals.values(), **report.spam_inputs} if report.signals else {}
        measured.append(Measured(
            example,
            {w.signal: min(float(values.get(w.signal, 0.0)), w.cap) for w in known.promotions.weights},
            {w.signal: min(float(values.get(w.signal, 0.0)), w.cap) for w in known.spam_content.weights},
            report.signals.terms if report.signals else frozenset()))
    return measured


def priors(model: str) -> dict[str, float]:
    """The signals of one fitted model (`promotions`, `spam_content`) and their priors, in the
    order of checks/placement.toml."""
    text = read_check("placement.toml")
    return {signal: float(entry["prior"]) for signal, entry in tomllib.loads(text)[model].items()}


def _read_headers(path: Path):
    with path.open("rb") as handle:
        return message_from_binary_file(handle, policy=compat32)


def _sender_group(path: Path) -> str:
    message = _read_headers(path)
    addresses = [a for _, a in getaddresses([str(message.get("From", ""))]) if "@" in a]
    return site_of(addresses[0].rsplit("@", 1)[1]) if addresses else f"unknown:{path.name}"


def _has_html(path: Path) -> bool:
    return any(part.get_content_type() == "text/html" for part in _read_headers(path).walk())
