"""Benchmark: how well the placement model predicts mail it was not fitted on.

    python training/evaluate.py [--spamd HOST:PORT | --start-spamd]

Nested cross-validation grouped by sender: in each of 5 outer folds the vocabulary and the
regularisation are chosen and the weights fitted on the other folds' senders only, then the
held-out senders' messages are predicted. Printed: Promotions-vs-not accuracy on Gmail's own
labels against always answering the majority, recall per tab, accuracy on the labelled
templates, spam ROC AUC overall and on HTML mail, calibration (predicted probability against
the observed rate, in bins), each with its spread over the folds; and SpamAssassin's own AUC
on the same messages when a spamd is given or can be started (local tests only, `-L`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Measured, examples, measure, priors  # noqa: E402
from learn import FOLDS, fit  # noqa: E402
from spamd import local_spamd, spamassassin_scores  # noqa: E402

from newsletter.placement import knowledge  # noqa: E402


def cross_validated(rows: Sequence[Measured], label: Callable[[Measured], bool],
                    model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold probabilities and evidence (see `Fitted.evidence`), and the fold of each row."""
    groups = np.array([r.example.group for r in rows])
    y = np.array([label(r) for r in rows])
    probability, evidence, fold_of = np.zeros(len(rows)), np.zeros(len(rows)), np.zeros(len(rows), dtype=int)
    for fold, (train, test) in enumerate(GroupKFold(n_splits=FOLDS).split(np.zeros(len(rows)), y, groups)):
        fitted = fit([getattr(rows[i], model) for i in train], [rows[i].terms for i in train], y[train],
                     groups[train], priors(model), weigh_senders=model != "spam_content",
                     evidence_only=model == "spam_content")
        for i in test:
            probability[i] = fitted.probability(getattr(rows[i], model), rows[i].terms)
            evidence[i] = fitted.evidence(getattr(rows[i], model), rows[i].terms)
            fold_of[i] = fold
    return probability, evidence, fold_of


def spread(values: list[float]) -> str:
    return f"{statistics.mean(values):.1%} (folds {min(values):.0%}–{max(values):.0%})"


def calibration(probability: np.ndarray, truth: np.ndarray, bins: int = 5) -> list[str]:
    lines = []
    edges = np.linspace(0, 1, bins + 1)
    for low, high in zip(edges, edges[1:]):
        inside = (probability >= low) & ((probability < high) if high < 1 else (probability <= high))
        if inside.any():
            lines.append(f"    {low:.1f}–{high:.1f}: {inside.sum():4d} messages, mean predicted "
                         f"{probability[inside].mean():.2f}, observed {truth[inside].mean():.2f}")
    return lines


def tab_report(rows: list[Measured], sure: float, min_evidence: float) -> list[str]:
    probability, evidence, fold_of = cross_validated(rows, lambda r: r.example.tab == "promotions", "promotions")
    truth = np.array([r.example.tab == "promotions" for r in rows])
    predicted = probability >= 0.5
    gmail = np.array([r.example.source == "gmail" for r in rows])
    lines = ["Promotions tab (nested CV grouped by sender; decision at 0.5)"]
    folds = sorted(set(fold_of))
    accuracy = [float((predicted == truth)[gmail & (fold_of == f)].mean()) for f in folds if (gmail & (fold_of == f)).any()]
    majority = max(truth[gmail].mean(), 1 - truth[gmail].mean())
    lines.append(f"  Gmail labels, {gmail.sum()} messages: accuracy {(predicted == truth)[gmail].mean():.1%}"
                 f" ({spread(accuracy)}); always the majority: {majority:.1%}")
    for tab in ("promotions", "updates", "primary"):
        chosen = gmail & np.array([r.example.tab == tab for r in rows])
        if chosen.any():
            right = predicted[chosen] == (tab == "promotions")
            lines.append(f"    recall {tab:<10} {right.mean():.1%} ({right.sum()}/{chosen.sum()})")
    not_promotions = gmail & ~truth
    lines.append(f"    recall not-promotions {(~predicted[not_promotions]).mean():.1%}")
    answered = gmail & ((probability >= sure) | (probability <= 1 - sure)) & (evidence >= min_evidence)
    lines.append(f"  named a tab (probability ≥ {sure} either way, evidence ≥ {min_evidence}) for {answered.sum()}/"
                 f"{gmail.sum()}, accuracy on those {(predicted == truth)[answered].mean():.1%}; the rest 'unknown'")
    templates = np.array([r.example.source == "templates" for r in rows])
    lines.append(f"  labelled templates, {templates.sum()} files: accuracy {(predicted == truth)[templates].mean():.1%}")
    lines.append("  calibration (Gmail and templates):")
    lines += calibration(probability, truth)
    return lines


def spam_report(rows: list[Measured], spamd: tuple[str, int] | None) -> list[str]:
    probability, _, fold_of = cross_validated(rows, lambda r: bool(r.example.spam), "spam_content")
    truth = np.array([bool(r.example.spam) for r in rows])
    html = np.array([r.example.html for r in rows])
    folds = sorted(set(fold_of))
    lines = ["Spam (nested CV grouped by sender; content only, no authentication, no SpamAssassin)"]
    per_fold = [roc_auc_score(truth[fold_of == f], probability[fold_of == f]) for f in folds]
    lines.append(f"  ROC AUC overall ({len(rows)} messages): {roc_auc_score(truth, probability):.3f}"
                 f" (folds {min(per_fold):.2f}–{max(per_fold):.2f})")
    lines.append(f"  ROC AUC on HTML mail ({html.sum()} messages, {truth[html].sum()} spam): "
                 f"{roc_auc_score(truth[html], probability[html]):.3f}")
    lines.append(f"  accuracy at 0.5: {((probability >= 0.5) == truth).mean():.1%}")
    lines.append("  calibration:")
    lines += calibration(probability, truth)
    if spamd is not None:
        scores = np.array(spamassassin_scores([r.example.path for r in rows], spamd))
        lines.append(f"  SpamAssassin (local rules, no network, no Bayes) on the same messages: ROC AUC "
                     f"{roc_auc_score(truth, scores):.3f} overall, {roc_auc_score(truth[html], scores[html]):.3f} on HTML")
        per_point = next(w for w in knowledge().spam_prior if w.signal == "spamassassin")
        clipped = np.clip(probability, 1e-9, 1 - 1e-9)
        joined = np.log(clipped / (1 - clipped)) + per_point.weight * np.minimum(np.maximum(scores, 0), per_point.cap)
        lines.append(f"  ours with --spamassassin (content + {per_point.weight} per SpamAssassin point): ROC AUC "
                     f"{roc_auc_score(truth, joined):.3f} overall, {roc_auc_score(truth[html], joined[html]):.3f} on HTML")
    else:
        lines.append("  SpamAssassin: not measured (no spamd; pass --spamd HOST:PORT or --start-spamd)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spamd", metavar="HOST:PORT", help="a running spamd to compare with")
    parser.add_argument("--start-spamd", action="store_true", help="start Debian's spamd -L on loopback for the run")
    options = parser.parse_args(argv)
    known = knowledge()
    rows = measure(examples(), workers=2)
    print("\n".join(tab_report([r for r in rows if r.example.tab is not None], known.sure, known.min_evidence)))
    spam_rows = [r for r in rows if r.example.spam is not None]
    if options.start_spamd:
        with local_spamd() as address:
            print("\n".join(spam_report(spam_rows, address)))
    else:
        from newsletter.placement import parse_address
        print("\n".join(spam_report(spam_rows, parse_address(options.spamd) if options.spamd else None)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
