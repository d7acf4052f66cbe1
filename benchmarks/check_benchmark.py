"""`newsletter check --offline` of this tree against the same at the commit issue 18 was filed at.

    python benchmarks/check_benchmark.py [--rounds 5] [--base b54f6d4] [--out benchmarks/results/check.json] [CORPUS]

Each tree runs in its own process with its own `src` first on `sys.path` (the old one from a
`git worktree add --detach` under the system's temporary folder, made once and kept); each round,
it checks every file in-process (`check_paths(files, CheckOptions(offline=True))`, the templates
with their example data), so start-up is not measured; it is timed apart, as a fresh process
checking one message. Offline: without it check asks DNS for each sender, which measures the
network, not our work. The floor parses each file as check must and does nothing else: an `.eml`
with the `email` package (compat32, the faster) and its HTML part with lxml, an HTML file or
template with lxml. A rate is files per second of the worker's processor time: the machine is
shared, and wall time would count the other processes' turns (it is given beside, in a note).
Contenders alternate in rotating order (`rounds.py`); the lint caches a run fills are cleared
before each round (a cold run), after one warm-up run that loads the rule catalogue, phrase lists
and model, as a long CI run would have them. Target (issue 18): check at least twice as fast per
file as at the base commit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools"))

from rounds import Contender, Ratio, alternate, print_summary, results, save  # noqa: E402
from snapshot_findings import RENDERS  # noqa: E402  (the starter templates with their example data)

SHARED = Path(os.environ.get("NEWSLETTER_SHARED", ROOT.parent / "shared"))
BASE = "b54f6d4"  # main when issue 18 was filed
TARGET = 2.0
CORPUS_FOLDERS = ("gmail-labelled", "spamassassin", "transactional", "promotional", "skeletons", "eml")
SUFFIXES = (".eml", ".html", ".htm")
# --- in the worker process ------------------------------------------------------------------

def work(src: str, corpus: list[str], renders: list[list[str]]) -> None:
    """Serve rounds on stdin/stdout: each line in is a round, each line out its times."""
    sys.path.insert(0, src)
    from newsletter.lint import engine
    from newsletter.placement import CheckOptions, check_paths

    paths = [Path(p) for p in corpus]

    def run() -> int:
        if hasattr(engine, "clear_caches"):
            engine.clear_caches()
        count = sum(1 for _ in check_paths(paths, CheckOptions(offline=True)))
        for template, data in renders:
            count += sum(1 for _ in check_paths([Path(template)], CheckOptions(offline=True, data_file=Path(data))))
        return count

    checked = run()  # warm-up: the catalogue, phrase lists and model loaded once
    print(json.dumps({"checked": checked}), flush=True)
    for _ in sys.stdin:
        print(json.dumps(timed(run)), flush=True)


def timed(run) -> dict:
    """One round: the processor time this process spent (what the rates are made of: the
    machine is shared, and wall time counts the other processes' turns too) and the wall time."""
    wall, processor = time.perf_counter(), time.process_time()
    run()
    return {"cpu": time.process_time() - processor, "wall": time.perf_counter() - wall}


def floor(corpus: list[str], renders: list[list[str]]) -> None:
    """The floor's worker: each round parses every file as check must, and nothing else (lint's
    benchmark's floor: the same reading)."""
    from lint_benchmark import read_floor

    files = [Path(p) for p in corpus] + [Path(t) for t, _ in renders]

    def run() -> None:
        read_floor(files)

    run()
    print(json.dumps({"checked": len(files)}), flush=True)
    for _ in sys.stdin:
        print(json.dumps(timed(run)), flush=True)


def startup(src: str, message: str) -> None:
    """A fresh process's whole job for one message: import, load the knowledge, check."""
    sys.path.insert(0, src)
    from newsletter.placement import CheckOptions, check_paths

    for _ in check_paths([Path(message)], CheckOptions(offline=True)):
        pass


# --- in the benchmark's process -------------------------------------------------------------

class Worker:
    """One contender's process, started once; `measure` runs one round in it."""

    def __init__(self, mode: str, src: str | None, job: dict, files: int) -> None:
        command = [sys.executable, __file__, "--worker", mode] + ([src] if src else [])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        cwd=ROOT, env={**os.environ, "PYTHONPATH": ""})
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        ready = self._answer()
        if ready.get("checked") != files:
            raise SystemExit(f"{mode} {src or ''}: checked {ready.get('checked')} of {files} inputs")
        self.files = files
        self.wall: list[float] = []  # each round's wall time, beside the processor time measured

    def _answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"a worker ended early (exit {self.process.wait()})")
        return json.loads(line)

    def measure(self) -> float:
        self.process.stdin.write("round\n")
        self.process.stdin.flush()
        answer = self._answer()
        self.wall.append(answer["wall"])
        return self.files / answer["cpu"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def base_tree(commit: str) -> Path:
    """A checkout of `commit` beside the system's temporary files, made once and kept."""
    full = subprocess.run(["git", "rev-parse", commit], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"newsletter-{full[:12]}"
    if not (tree / "src" / "newsletter").is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), full], cwd=ROOT, check=True,
                       capture_output=True)
    return tree


def inputs(corpus: Path) -> list[str]:
    return [str(p) for folder in CORPUS_FOLDERS for p in sorted((corpus / folder).rglob("*"))
            if p.is_file() and p.suffix.lower() in SUFFIXES]


def startup_seconds(src: Path, message: str, times: int) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--worker", "startup", str(src), message], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": ""}, stdout=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        mode, *rest = sys.argv[2:]
        if mode == "startup":
            startup(*rest)
            return 0
        job = json.loads(sys.stdin.readline())
        if mode == "floor":
            floor(job["corpus"], job["renders"])
        else:
            work(rest[0], job["corpus"], job["renders"])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(SHARED / "corpus"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--base", default=BASE, help=f"the commit to compare with (default {BASE})")
    parser.add_argument("--out", type=Path, help="the JSON results (default benchmarks/results/check.json)")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found at {corpus}: give its folder, or set NEWSLETTER_SHARED to the shared folder", file=sys.stderr)
        return 2
    load_before = [round(x, 2) for x in os.getloadavg()]
    base = base_tree(args.base)
    job = {"corpus": inputs(corpus), "renders": [[t, d] for t, d in RENDERS.items()]}
    files = len(job["corpus"]) + len(job["renders"])
    emls = sum(1 for p in job["corpus"] if p.endswith(".eml"))
    size = sum(Path(p).stat().st_size for p in job["corpus"])
    workers = {
        "floor": Worker("floor", None, job, files),
        "base": Worker("check", str(base / "src"), job, files),
        "check": Worker("check", str(ROOT / "src"), job, files),
    }
    contenders = [
        Contender("floor", "floor: email (compat32) + lxml, lxml for HTML", workers["floor"].measure, "files/s"),
        Contender("base", f"check --offline at {args.base} (when issue 18 was filed)", workers["base"].measure,
                  "files/s"),
        Contender("check", "check --offline, this tree", workers["check"].measure, "files/s"),
    ]
    try:
        rates = alternate(contenders, args.rounds)
    finally:
        for worker in workers.values():
            worker.close()
    message = job["corpus"][0]
    started = {key: startup_seconds(src, message, 3) for key, src in (("base", base / "src"), ("check", ROOT / "src"))}
    per_file = {key: 1000 / statistics.median(rates[key]) for key in rates}
    wall = {key: 1000 * statistics.median(workers[key].wall) / files for key in workers}
    data = results(
        "check", contenders, rates,
        [Ratio(f"check at {args.base} time / this tree's time (per file)", "check", "base", TARGET),
         Ratio("check time / floor time", "floor", "check")],
        load_before,
        title="Check (`newsletter check --offline`)",
        about=(f"The shared corpus: {len(job['corpus'])} files ({len(job['corpus']) - emls} HTML, {emls} `.eml`, "
               f"{size / 1024:,.0f} KB) and the {len(RENDERS)} starter templates rendered with the example data. "
               "Each tree checks them all in its own process, in-process (start-up not measured), offline (no "
               "DNS: the network is not our work). The floor parses each file as check must: the `email` package "
               "then lxml for a message's HTML part, lxml for HTML and templates. Rates are files per second of "
               "each worker's processor time (the machine is shared; the wall time is in the note)."),
        notes=[f"Per file (processor time): this tree {per_file['check']:.1f} ms, at {args.base} "
               f"{per_file['base']:.1f} ms, the floor {per_file['floor']:.2f} ms; wall time, median: this tree "
               f"{wall['check']:.1f} ms, at {args.base} {wall['base']:.1f} ms, the floor {wall['floor']:.2f} ms. "
               f"A fresh process checking one message (start-up: "
               f"imports, the knowledge loaded, one check), median of 3: this tree {started['check']:.2f} s, "
               f"at {args.base} {started['base']:.2f} s."],
    )
    print_summary(data)
    print(f"written {save(data, args.out)}")
    return 0 if data["ratios"][0]["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
