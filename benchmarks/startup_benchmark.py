"""How long `newsletter --version` and `--help` take to start, against `python -c pass`.

Alternating rounds of fresh processes (the machine's load moves all contenders alike); with
`--before SRC`, the same commands run from another source tree (e.g. an older commit exported
with `git archive`) through PYTHONPATH.

    python benchmarks/startup_benchmark.py [--rounds 12] [--before /tmp/old/src]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--before", type=Path, help="another source tree to time the same way")
    args = parser.parse_args()
    trees = {"after": SOURCE, **({"before": args.before} if args.before else {})}
    runs = [(f"{name} {flag}", tree, ["-m", "newsletter", flag]) for flag in ("--version", "--help")
            for name, tree in trees.items()] + [("python -c pass", None, ["-c", "pass"])]
    times: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for label, tree, argv in runs:
            env = dict(os.environ, PYTHONPATH=str(tree or ""))
            started = time.perf_counter()
            subprocess.run([sys.executable, *argv], env=env, stdout=subprocess.DEVNULL, check=True)
            times.setdefault(label, []).append(time.perf_counter() - started)
    for label, values in times.items():
        print(f"{label:18} median {statistics.median(values) * 1000:5.0f} ms   min {min(values) * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
