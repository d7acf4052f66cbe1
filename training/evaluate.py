"""Benchmark: how well the placement model predicts mail it was not fitted on.

    python training/evaluate.py [--spamd HOST:PORT | --start-spamd] [--write-docs]

Nested cross-validation grouped by sender: in each of 5 outer folds the vocabulary and the
regularisation are chosen and the weights fitted on the other folds' senders only, then the
held-out senders' messages are predicted. Printed, each with its spread over the folds:
Promotions-vs-not accuracy on Gmail's own labels against always answering the majority, recall
per tab, how often a tab is named rather than "unknown", accuracy on the labelled templates;
spam ROC AUC on the shared sample of the SpamAssassin corpus (the targets' set) and on the whole
corpus, overall and on HTML mail, against SpamAssassin's own on the sample
(when a spamd is given or can be started: local tests only, `-L`); the guard metric — the share
of modern legitimate mail (templates, starters, eml/) called spam; Gmail's own spam-folder
verdicts as an outside check; calibration. The figures are written to training/figures.json;
`--write-docs` also writes their tables into training/README.md, docs/check.md and README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import MODERN, ROOT, SPAMASSASSIN, Measured, examples, measure  # noqa: E402
from fit import MODELS, fit_model  # noqa: E402
from learn import FOLDS  # noqa: E402
from spamd import local_spamd, spamassassin_scores  # noqa: E402

from newsletter.placement import knowledge, parse_address  # noqa: E402

FIGURES = Path(__file__).resolve().parent / "figures.json"
DOCS = (ROOT / "training" / "README.md", ROOT / "docs" / "check.md", ROOT / "README.md")


@dataclass(frozen=True)
class Predictions:
    """Out-of-fold predictions of one model for its examples."""

    rows: list[Measured]
    probability: np.ndarray
    evidence: np.ndarray  # see Fitted.evidence
    fold: np.ndarray
    truth: np.ndarray

    def where(self, test) -> np.ndarray:
        return np.array([bool(test(r)) for r in self.rows])


def cross_validated(rows: Sequence[Measured], model: str) -> Predictions:
    """Each example predicted by a model fitted (vocabulary and strengths chosen too) without
    its sender's messages."""
    spec = MODELS[model]
    chosen = [r for r in rows if spec.chosen(r)]
    groups = np.array([r.example.group for r in chosen])
    truth = np.array([spec.label(r) for r in chosen])
    probability, evidence, fold_of = np.zeros(len(chosen)), np.zeros(len(chosen)), np.zeros(len(chosen), dtype=int)
    for fold, (train, test) in enumerate(GroupKFold(n_splits=FOLDS).split(np.zeros(len(chosen)), truth, groups)):
        fitted = fit_model(model, [chosen[i] for i in train])
        for i in test:
            probability[i] = fitted.probability(getattr(chosen[i], model), chosen[i].terms)
            evidence[i] = fitted.evidence(getattr(chosen[i], model), chosen[i].terms)
            fold_of[i] = fold
    return Predictions(chosen, probability, evidence, fold_of, truth)


def per_fold(p: Predictions, mask: np.ndarray, measure) -> dict[str, float]:
    """A measure on all the masked examples, and its lowest and highest value over the folds."""
    values = []
    for f in sorted(set(p.fold)):
        inside = mask & (p.fold == f)
        if not inside.any():
            continue
        try:
            values.append(float(measure(inside)))
        except ValueError:  # a fold with one class only: no AUC there
            continue
    return {"value": float(measure(mask)), "folds_low": min(values), "folds_high": max(values)}


def calibration(probability: np.ndarray, truth: np.ndarray, bins: int = 5) -> list[dict[str, float]]:
    table = []
    edges = np.linspace(0, 1, bins + 1)
    for low, high in zip(edges, edges[1:]):
        inside = (probability >= low) & ((probability < high) if high < 1 else (probability <= high))
        if inside.any():
            table.append({"low": round(float(low), 1), "high": round(float(high), 1), "messages": int(inside.sum()),
                          "predicted": round(float(probability[inside].mean()), 2),
                          "observed": round(float(truth[inside].mean()), 2)})
    return table


def tab_figures(rows: list[Measured]) -> dict:
    known = knowledge()
    p = cross_validated(rows, "promotions")
    predicted = p.probability >= 0.5
    right = predicted == p.truth
    gmail = p.where(lambda r: r.example.source == "gmail")
    tabs = np.array([r.example.tab for r in p.rows])
    named = gmail & ((p.probability >= known.sure) | (p.probability <= 1 - known.sure)) & (p.evidence >= known.min_evidence)
    senders = {}
    for r, ok, tab in zip(p.rows, right, tabs):
        if r.example.source == "gmail":
            entry = senders.setdefault(r.example.group, {"messages": 0, "promotions": 0, "right": 0})
            entry["messages"] += 1
            entry["promotions"] += int(tab == "promotions")
            entry["right"] += int(ok)
    templates = p.where(lambda r: r.example.source == "templates")
    return {
        "gmail_messages": int(gmail.sum()),
        "gmail_accuracy": per_fold(p, gmail, lambda m: right[m].mean()),
        "gmail_majority": float(max(p.truth[gmail].mean(), 1 - p.truth[gmail].mean())),
        "recall": {tab: {"right": int((predicted[gmail & (tabs == tab)] == (tab == "promotions")).sum()),
                         "of": int((gmail & (tabs == tab)).sum())} for tab in ("promotions", "updates", "primary")},
        "recall_not_promotions": per_fold(p, gmail & ~p.truth, lambda m: (~predicted[m]).mean()),
        "named": {"messages": int(named.sum()), "accuracy": float(right[named].mean()) if named.any() else None,
                  "sure": known.sure, "min_evidence": known.min_evidence},
        "templates": per_fold(p, templates, lambda m: right[m].mean()),
        "templates_messages": int(templates.sum()),
        "templates_majority": float(max(p.truth[templates].mean(), 1 - p.truth[templates].mean())),
        "senders": senders,
        # Right if every message got its sender's most common tab: what a model that knew the
        # sender (its reputation, its readers' habits) could reach, and content alone cannot.
        "sender_majority": sum(max(e["promotions"], e["messages"] - e["promotions"]) for e in senders.values())
        / int(gmail.sum()),
        "calibration": calibration(p.probability, p.truth),
    }


def spam_figures(rows: list[Measured], spamd: tuple[str, int] | None) -> dict:
    known = knowledge()
    p = cross_validated(rows, "spam_content")
    corpus = p.where(lambda r: r.example.source == "spamassassin")  # the shared sample: the targets' set
    html = corpus & p.where(lambda r: r.example.html)
    whole = p.where(lambda r: r.example.source in SPAMASSASSIN)
    whole_html = whole & p.where(lambda r: r.example.html)
    modern = p.where(lambda r: r.example.modern_legitimate)
    gmail = p.where(lambda r: r.example.source == "gmail")
    called = p.probability >= known.spam_medium

    def guard(mask: np.ndarray) -> dict:
        return {"messages": int(mask.sum()), "called_spam": int(called[mask].sum()),
                "share": float(called[mask].mean()), "highest": round(float(p.probability[mask].max()), 3)}

    auc = lambda m: roc_auc_score(p.truth[m], p.probability[m])  # noqa: E731
    figures = {
        "threshold": known.spam_medium,
        "corpus_messages": int(corpus.sum()), "html_messages": int(html.sum()), "html_spam": int(p.truth[html].sum()),
        "auc": per_fold(p, corpus, auc),
        "auc_html": per_fold(p, html, auc),
        "whole_messages": int(whole.sum()), "whole_html_messages": int(whole_html.sum()),
        "whole_html_spam": int(p.truth[whole_html].sum()),
        "auc_whole": per_fold(p, whole, auc),
        "auc_whole_html": per_fold(p, whole_html, auc),
        "accuracy": float((called == p.truth)[corpus].mean()),
        "guard": {**guard(modern), "by_source": {source: guard(p.where(lambda r, s=source: r.example.source == s))
                                                 for source in MODERN}},
        "gmail_called_spam": float(called[gmail].mean()),
        "gmail_spam_folder": {"messages": int(gmail.sum()),
                              "in_spam": int(sum(r.example.gmail_spam for r in p.rows if r.example.source == "gmail")),
                              "auc": float(roc_auc_score([r.example.gmail_spam for r, g in zip(p.rows, gmail) if g],
                                                         p.probability[gmail]))},
        "calibration": calibration(p.probability[corpus], p.truth[corpus]),
    }
    if spamd is not None:
        chosen = np.flatnonzero(corpus | modern)
        sa = np.zeros(len(p.rows))
        sa[chosen] = spamassassin_scores([p.rows[i].example.path for i in chosen], spamd)
        per_point = next(w for w in known.spam_prior if w.signal == "spamassassin")
        clipped = np.clip(p.probability, 1e-9, 1 - 1e-9)
        joined = np.log(clipped / (1 - clipped)) + per_point.weight * np.minimum(np.maximum(sa, 0), per_point.cap)
        figures["spamassassin"] = {
            "auc": per_fold(p, corpus, lambda m: roc_auc_score(p.truth[m], sa[m])),
            "auc_html": per_fold(p, html, lambda m: roc_auc_score(p.truth[m], sa[m])),
            "guard": {"messages": int(modern.sum()), "called_spam": int((sa[modern] >= 5.0).sum()),
                      "share": float((sa[modern] >= 5.0).mean())},
            "joined_auc": float(roc_auc_score(p.truth[corpus], joined[corpus])),
            "joined_auc_html": float(roc_auc_score(p.truth[html], joined[html])),
            "joined_weight": per_point.weight,
        }
    return figures


def _range(f: dict, percent: bool = True) -> str:
    if percent:
        return f"**{f['value']:.1%}** (folds {f['folds_low']:.0%}–{f['folds_high']:.0%})"
    return f"**{f['value']:.3f}** (folds {f['folds_low']:.2f}–{f['folds_high']:.2f})"


def markdown(figures: dict) -> str:
    """The tables of training/README.md and docs/check.md."""
    tab, spam = figures["tab"], figures["spam"]
    sa = spam.get("spamassassin")
    recall = tab["recall"]
    guard = spam["guard"]
    lines = [
        "| target (held-out senders) | this model | majority baseline | SpamAssassin 4 (local rules, no Bayes) | target |",
        "|---|---|---|---|---|",
        f"| Promotions vs not, Gmail's own labels ({tab['gmail_messages']}) | {_range(tab['gmail_accuracy'])} "
        f"| {tab['gmail_majority']:.1%} (always Promotions) | — | ≥ 85 % |",
        f"| recall: not-Promotions | {_range(tab['recall_not_promotions'])} | 0 % | — | ≥ 70 % |",
        f"| labelled templates, each vendor held out ({tab['templates_messages']}) | {_range(tab['templates'])} "
        f"| {tab['templates_majority']:.1%} (the larger side) | — | ≥ 95 % |",
        f"| spam ROC AUC, content only: the shared sample ({spam['corpus_messages']}) | {_range(spam['auc'], False)} | 0.5 "
        f"| {_range(sa['auc'], False) if sa else 'not measured'} | ≥ 0.95 |",
        f"| spam ROC AUC on HTML mail ({spam['html_messages']}, {spam['html_spam']} spam) | {_range(spam['auc_html'], False)} "
        f"| 0.5 | {_range(sa['auc_html'], False) if sa else 'not measured'} | ≥ 0.90 |",
        f"| spam ROC AUC, the whole SpamAssassin corpus ({spam['whole_messages']}) | {_range(spam['auc_whole'], False)} "
        "| 0.5 | not measured | — |",
        f"| spam ROC AUC on its HTML mail ({spam['whole_html_messages']}, {spam['whole_html_spam']} spam) "
        f"| {_range(spam['auc_whole_html'], False)} | 0.5 | not measured | — |",
        f"| guard: modern legitimate mail called spam ({guard['messages']}: templates, starters, eml/) "
        f"| **{guard['share']:.1%}** ({guard['called_spam']}) | 0 % (always ham) "
        f"| {f'{sa_guard:.1%}' if (sa_guard := sa['guard']['share'] if sa else None) is not None else 'not measured'} "
        f"(score ≥ 5) | ≤ 5 % |",
        "",
        f"Besides: recall Promotions {recall['promotions']['right']}/{recall['promotions']['of']}, "
        f"Updates {recall['updates']['right']}/{recall['updates']['of']}, Primary {recall['primary']['right']}/{recall['primary']['of']}; "
        f"a tab is named (probability ≥ {tab['named']['sure']} either way and evidence ≥ {tab['named']['min_evidence']}) "
        f"for {tab['named']['messages']} of {tab['gmail_messages']} Gmail messages, "
        + (f"{tab['named']['accuracy']:.1%} of them right" if tab['named']['accuracy'] is not None else "none")
        + f", the rest \"unknown\". Spam accuracy at {spam['threshold']}: {spam['accuracy']:.1%}. "
        f"Gmail newsletters called spam (held out): {spam['gmail_called_spam']:.1%}; "
        f"against Gmail's own Spam folder ({spam['gmail_spam_folder']['in_spam']} of {spam['gmail_spam_folder']['messages']}, "
        f"an outside check, never a label): ROC AUC {spam['gmail_spam_folder']['auc']:.2f}."
        + (f" Ours with `--spamassassin` (content + {sa['joined_weight']} per SpamAssassin point): ROC AUC "
           f"{sa['joined_auc']:.3f}, on HTML {sa['joined_auc_html']:.3f}." if sa else ""),
        "",
        f"The tab by sender (Gmail's labels; {len(tab['senders'])} senders): giving every message its sender's most "
        f"common tab would be right for {tab['sender_majority']:.1%} of them, so the tab is mostly a property of the "
        "sender here; the largest senders, and how many of their messages this model got right on held-out folds:",
        "",
        "| sender | messages | in Promotions | right |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {e['messages']} | {e['promotions']} | {e['right']} |"
          for name, e in sorted(tab["senders"].items(), key=lambda kv: (-kv[1]["messages"], kv[0]))[:10]],
        "",
        "Calibration (predicted probability against the observed rate, held-out senders):",
        "",
        "| predicted | Promotions: messages | mean predicted | observed | spam: messages | mean predicted | observed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    by_bin = {}
    for side, table in (("tab", tab["calibration"]), ("spam", spam["calibration"])):
        for row in table:
            by_bin.setdefault((row["low"], row["high"]), {})[side] = row
    for (low, high), sides in sorted(by_bin.items()):
        cells = []
        for side in ("tab", "spam"):
            row = sides.get(side)
            cells += [str(row["messages"]), f"{row['predicted']:.2f}", f"{row['observed']:.2f}"] if row else ["0", "", ""]
        lines.append(f"| {low:.1f}–{high:.1f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_docs(table: str, docs: Sequence[Path] = DOCS) -> None:
    """Replace the generated block (between the figures markers) of each document."""
    pattern = re.compile(r"(<!-- figures: written by training/evaluate.py -->\n).*?(\n<!-- /figures -->)", re.S)
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        if not pattern.search(text):
            raise SystemExit(f"{doc}: no figures block to replace")
        doc.write_text(pattern.sub(lambda m: m.group(1) + table + m.group(2), text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spamd", metavar="HOST:PORT", help="a running spamd to compare with")
    parser.add_argument("--start-spamd", action="store_true", help="start Debian's spamd -L on loopback for the run")
    parser.add_argument("--write-docs", action="store_true", help="write the tables into training/README.md, docs/check.md and README.md")
    options = parser.parse_args(argv)
    rows = measure(examples(), workers=2)
    figures = {"tab": tab_figures(rows)}
    if options.start_spamd:
        with local_spamd() as address:
            figures["spam"] = spam_figures(rows, address)
    else:
        figures["spam"] = spam_figures(rows, parse_address(options.spamd) if options.spamd else None)
    FIGURES.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    table = markdown(figures)
    print(table)
    if options.write_docs:
        write_docs(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
