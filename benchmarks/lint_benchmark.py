"""`newsletter lint` over the shared corpus against reading the same files and nothing else.

    python benchmarks/lint_benchmark.py [--rounds 5] [--out benchmarks/results/lint.json] [FOLDER]

The floor reads every file lint reads: an HTML file or template is parsed by lxml; an `.eml` is
parsed by the `email` package (compat32, the faster) and its HTML part, if any, by lxml. Both run
in this process in alternating rounds (`rounds.py`); lint's caches are cleared before each of its
rounds (a cold run), after one warm-up run that loads the rule catalogue and phrase lists, as a
long CI run would have them. Target (issue 6): lint costs at most 10 times the floor.
"""

from __future__ import annotations

import argparse
import email
import os
import sys
import time
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from newsletter.lint import LintSettings, discover, lint_paths  # noqa: E402
from newsletter.lint.engine import clear_caches  # noqa: E402
from rounds import Contender, Ratio, alternate, print_summary, results, save  # noqa: E402

SHARED = Path(os.environ.get("NEWSLETTER_SHARED", ROOT.parent / "shared"))
TARGET = 10.0


def read_floor(files: list[Path]) -> None:
    for path in files:
        raw = path.read_bytes()
        if path.suffix.lower() != ".eml":
            lxml_html.document_fromstring(raw)
            continue
        for part in email.message_from_bytes(raw).walk():
            if part.get_content_type() == "text/html":
                body = part.get_payload(decode=True)
                if body and body.strip():
                    lxml_html.document_fromstring(body)


def lint(files: list[Path]) -> None:
    clear_caches()  # cold: repeated style attributes are only shared within one run
    for _ in lint_paths(files, LintSettings()):
        pass


def rate(files: list[Path], work) -> float:
    started = time.perf_counter()
    work(files)
    return len(files) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(SHARED / "corpus"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, help="the JSON results (default benchmarks/results/lint.json)")
    args = parser.parse_args()
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"corpus not found at {folder}: give its folder, or set NEWSLETTER_SHARED to the shared folder", file=sys.stderr)
        return 2
    load_before = [round(x, 2) for x in os.getloadavg()]
    files = discover([folder])
    emls = sum(1 for p in files if p.suffix.lower() == ".eml")
    size = sum(p.stat().st_size for p in files)
    lint(files)  # warm the data caches once
    contenders = [
        Contender("floor", "floor: lxml (HTML), email + lxml (.eml)", lambda: rate(files, read_floor), "files/s"),
        Contender("lint", "newsletter lint", lambda: rate(files, lint), "files/s"),
    ]
    rates = alternate(contenders, args.rounds)
    data = results(
        "lint", contenders, rates,
        [Ratio("lint time / floor time", "floor", "lint", TARGET, at_most=True)], load_before,
        title="Lint (`newsletter lint`)",
        about=(f"The shared corpus: {len(files)} files ({len(files) - emls} HTML, {emls} `.eml`), "
               f"{size / 1024:,.0f} KB. The floor reads each file as lint must: lxml for HTML, the `email` "
               "package then lxml for the HTML part of a message."),
    )
    print_summary(data)
    print(f"written {save(data, args.out)}")
    return 0 if data["ratios"][0]["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
