"""What the benchmarks share: contenders timed in alternating rounds of one run, the machine they
ran on, peak memory summed over a command's processes, and the JSON results that
`benchmarks/tables.py` turns into docs/benchmarks.md.

On a shared machine the speed drifts by a factor of two within a minute: a contender timed once,
before or after the others, meets other conditions than they do. Here every round runs every
contender once (the order rotating from round to round), and a ratio is taken within each round
before its median over the rounds is reported.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Contender:
    key: str
    label: str  # as the table shows it
    measure: Callable[[], float]  # one round: the rate (per second) it reached
    unit: str = "msg/s"
    processes: int = 1


@dataclass(frozen=True)
class Ratio:
    label: str
    numerator: "str | Ratio"  # a contender's key, or a ratio (a ratio of ratios: scaling against scaling)
    denominator: "str | tuple[str, ...] | Ratio"  # several keys: the fastest of them in each round
    target: float | None = None  # None: no target
    at_most: bool = False  # the target is a ceiling, not a floor


def alternate(contenders: Sequence[Contender], rounds: int, log=print) -> dict[str, list[float]]:
    """Each contender's rate in each round; round r starts at contender r (mod their number)."""
    rates: dict[str, list[float]] = {c.key: [] for c in contenders}
    for number in range(rounds):
        start = number % len(contenders)
        for contender in [*contenders[start:], *contenders[:start]]:
            rate = contender.measure()
            rates[contender.key].append(rate)
            log(f"  round {number + 1}/{rounds}  {contender.label:<64} {rate:>12,.1f} {contender.unit}")
    return rates


def ratio_rounds(rates: dict[str, list[float]], ratio: Ratio) -> list[float]:
    """The ratio in each round (against the fastest denominator of that round)."""
    return [top / bottom for top, bottom in zip(_term(rates, ratio.numerator), _term(rates, ratio.denominator))]


def _term(rates: dict[str, list[float]], term: "str | tuple[str, ...] | Ratio") -> list[float]:
    if isinstance(term, Ratio):
        return ratio_rounds(rates, term)
    names = (term,) if isinstance(term, str) else term
    return [max(round_rates) for round_rates in zip(*(rates[name] for name in names))]


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "processor": platform.machine(),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def results(name: str, contenders: Sequence[Contender], rates: dict[str, list[float]],
            ratios: Sequence[Ratio], started_load: list[float], **extra) -> dict:
    """The run as JSON-ready data: each contender's rounds and median, each ratio's, the targets."""
    shown_ratios = []
    for ratio in ratios:
        per_round = ratio_rounds(rates, ratio)
        median = statistics.median(per_round)
        met = None if ratio.target is None else median <= ratio.target if ratio.at_most else median >= ratio.target
        shown_ratios.append({
            "label": ratio.label, "rounds": [round(x, 3) for x in per_round], "median": round(median, 3),
            "target": ratio.target, "at_most": ratio.at_most, "met": met,
        })
    return {
        "benchmark": name,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": {**machine(), "load_before": started_load},
        "rounds": len(next(iter(rates.values()))),
        "contenders": [
            {"key": c.key, "label": c.label, "unit": c.unit, "processes": c.processes,
             "rounds": [round(x, 1) for x in rates[c.key]], "median": round(statistics.median(rates[c.key]), 1)}
            for c in contenders
        ],
        "ratios": shown_ratios,
        **extra,
    }


def save(data: dict, path: Path | None = None) -> Path:
    path = path or RESULTS / f"{data['benchmark']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def print_summary(data: dict) -> None:
    print(f"\n{data['benchmark']}: medians of {data['rounds']} alternating rounds "
          f"(load before {data['machine']['load_before']}, after {data['machine']['load']})")
    for c in data["contenders"]:
        print(f"  {c['label']:<64} {c['median']:>12,.1f} {c['unit']}")
    for r in data["ratios"]:
        sign = "<=" if r["at_most"] else ">="
        target = "" if r["target"] is None else f"   target {sign} {r['target']:g}: {'met' if r['met'] else 'NOT met'}"
        print(f"  {r['label']:<64} {r['median']:>12.2f}x{target}")


# --- memory ---------------------------------------------------------------------------------

def peak_memory(command: list[str], poll: float = 0.02, **popen) -> dict:
    """Run `command`; the peak resident memory of each of its processes (VmHWM, the kernel's
    own high-water mark, read until the process ends) summed, in MiB, and the highest sum of
    their proportional shares (Pss: a page shared after fork counted once), polled."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **popen)
    peaks: dict[int, int] = {}
    top_pss = 0
    while process.poll() is None:
        pids = [process.pid, *_children(process.pid)]
        pss = 0
        for pid in pids:
            status = _status_kib(pid, "VmHWM")
            if status:
                peaks[pid] = max(peaks.get(pid, 0), status)
            pss += _pss_kib(pid)
        top_pss = max(top_pss, pss)
        time.sleep(poll)
    _, stderr = process.communicate()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr.decode(errors='replace')[-2000:]}")
    return {"processes": len(peaks), "sum_of_peaks_mib": round(sum(peaks.values()) / 1024, 1),
            "peak_pss_mib": round(top_pss / 1024, 1)}


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
