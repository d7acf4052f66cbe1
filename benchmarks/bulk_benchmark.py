"""Bulk rendering against the naive path and against bare Jinja, measured in one run.

    python benchmarks/bulk_benchmark.py [--recipients 20000] [--big 200000] [--naive 200]

On templates/promotional/newsletter.html with examples/boutique/sale.json:
- naive: Jinja render + premailer for each message (no MIME, no disk: the naive path's floor);
- limit: bare Jinja rendering of the template for each message, CSS inlining left out (as for a
  template inlined beforehand), no MIME, no disk;
- disk: creating files of the message's size (temporary file, then rename), nothing else;
- ours: `render_bulk` for N generated recipients, with --jobs 1 and --jobs 2, everything included
  (reading and checking recipients, MIME, sha256, manifest), writing no files (--dry-run), files
  on disk (the system temp folder) and files on tmpfs (/dev/shm);
- memory: peak RSS of `newsletter render --recipients` at N and at the big size, --jobs 1.
Prints each figure and the ratios the targets are about.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsletter.render import inline_css  # noqa: E402
from newsletter.render.bulk import BulkOptions, render_bulk  # noqa: E402
from newsletter.render.environment import render_template  # noqa: E402
from newsletter.render.pipeline import Campaign, CompiledTemplate, RenderOptions  # noqa: E402

TEMPLATE = ROOT / "templates/promotional/newsletter.html"
DATA = ROOT / "examples/boutique/sale.json"
PEOPLE = ROOT / "examples/boutique/recipients.csv"


def write_recipients(path: Path, count: int) -> None:
    people = list(csv.DictReader(PEOPLE.open(encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(people[0]))
        writer.writeheader()
        for i in range(count):
            person = dict(people[i % len(people)])
            person["email"] = f"client{i}@example.com"
            writer.writerow(person)


def rows(path: Path, limit: int) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [row for _, row in zip(range(limit), csv.DictReader(handle))]


def rate(count: int, seconds: float) -> float:
    return count / seconds


def naive(campaign: Campaign, data: dict, people: list[dict]) -> float:
    started = time.perf_counter()
    for person in people:
        context = campaign.personalise({**data, **person}).context
        inline_css(render_template(campaign.compiled.template, context))
    return rate(len(people), time.perf_counter() - started)


def bare_jinja(campaign: Campaign, data: dict, people: list[dict]) -> float:
    """Jinja rendering of the template for each recipient, CSS inlining left out: what rendering
    a template whose CSS was inlined beforehand costs, with no MIME and no disk."""
    contexts = [campaign.personalise({**data, **person}).context for person in people]
    started = time.perf_counter()
    for context in contexts:
        render_template(campaign.compiled.template, context)
    return rate(len(contexts), time.perf_counter() - started)


def file_floor(folder: Path, size: int, count: int = 2000) -> float:
    """Creating `count` files of `size` bytes the way the renderer does (temporary file, then
    rename) and nothing else: what this machine's disk allows."""
    target = folder / "floor"
    target.mkdir()
    payload = b"x" * size
    started = time.perf_counter()
    for i in range(count):
        temporary = target / f".{i:06d}.eml.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, payload)
        os.close(fd)
        os.replace(temporary, target / f"{i:06d}.eml")
    seconds = time.perf_counter() - started
    shutil.rmtree(target)
    return rate(count, seconds)


def ours(recipients: Path, data: dict, count: int, jobs: int, folder: Path | None) -> float:
    """`render_bulk` end to end; `folder` None: a dry run (everything but the files)."""
    out = folder / f"out-{jobs}" if folder else None
    summary = render_bulk(TEMPLATE, recipients, data, RenderOptions(), BulkOptions(out, jobs=jobs))
    assert summary.rendered == count and summary.compiled, summary
    if out:
        shutil.rmtree(out)
    return rate(count, summary.seconds)


def peak_rss_mib(recipients: Path, folder: Path) -> float:
    out = folder / "out-rss"
    shutil.rmtree(out, ignore_errors=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "render", str(TEMPLATE), "--data", str(DATA),
         "--recipients", str(recipients), "--out-dir", str(out), "--jobs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    _, status, usage = os.wait4(process.pid, 0)
    assert status == 0, status
    shutil.rmtree(out)
    return usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=200_000, help="0 to skip the memory run")
    parser.add_argument("--naive", type=int, default=200, help="messages for the naive path")
    args = parser.parse_args()

    data = json.loads(DATA.read_text(encoding="utf-8"))
    campaign_data = {k: v for k, v in data.items() if k not in ("email", "first_name")}
    compiled = CompiledTemplate.load(TEMPLATE)
    campaign = Campaign.prepare(compiled, campaign_data, RenderOptions())
    with tempfile.TemporaryDirectory(prefix="newsletter-bench-") as tmp:
        folder = Path(tmp)
        small = folder / "recipients.csv"
        write_recipients(small, args.recipients)
        people = rows(small, args.recipients)

        naive_rate = naive(campaign, campaign_data, people[: args.naive])
        limit_rate = bare_jinja(campaign, campaign_data, people)
        figures = {
            ("memory", 1): ours(small, data, args.recipients, 1, None),
            ("memory", 2): ours(small, data, args.recipients, 2, None),
            ("disk", 1): ours(small, data, args.recipients, 1, folder),
            ("disk", 2): ours(small, data, args.recipients, 2, folder),
        }
        shm = Path("/dev/shm")
        if shm.is_dir() and os.access(shm, os.W_OK):
            with tempfile.TemporaryDirectory(dir=shm, prefix="newsletter-bench-") as memory_fs:
                figures["tmpfs", 1] = ours(small, data, args.recipients, 1, Path(memory_fs))
                figures["tmpfs", 2] = ours(small, data, args.recipients, 2, Path(memory_fs))
        render_bulk(TEMPLATE, small, data, RenderOptions(), BulkOptions(folder / "sample", jobs=1))  # one message, to size the files
        size = (folder / "sample" / "000001.eml").stat().st_size
        shutil.rmtree(folder / "sample")
        floor = file_floor(folder, size, args.recipients)

        print(f"template {TEMPLATE.relative_to(ROOT)}, data {DATA.relative_to(ROOT)}, "
              f"{args.recipients:,} recipients, {os.cpu_count()} CPUs, messages of {size:,} bytes")
        print(f"  naive: Jinja + premailer per message ({args.naive} messages) {naive_rate:10,.0f} msg/s")
        print(f"  limit: bare Jinja per message, no MIME, no disk          {limit_rate:10,.0f} msg/s")
        print(f"  disk:  create + rename {size:,}-byte files, nothing else    {floor:10,.0f} files/s"
              f" = {floor / naive_rate:.1f}x naive: the most any renderer writing files here can reach")
        print("  ours (reading, checking, filling, MIME, sha256, and the files: none / on disk / on tmpfs):")
        for (where, jobs), value in figures.items():
            print(f"    {where:6} --jobs {jobs}: {value:8,.0f} msg/s = {value / naive_rate:6.1f}x naive, "
                  f"{value / limit_rate:5.2f} of the limit")
        scaling = ", ".join(f"{where} {figures[where, 2] / figures[where, 1]:.2f}x"
                            for where in ("memory", "disk", "tmpfs") if (where, 2) in figures)
        print(f"  targets: >= 50x naive, >= 0.33 of the limit; --jobs 2 / --jobs 1: {scaling}")

        if args.big:
            big = folder / "big.csv"
            write_recipients(big, args.big)
            small_rss = peak_rss_mib(small, folder)
            big_rss = peak_rss_mib(big, folder)
            print(f"peak RSS: {small_rss:.1f} MiB at {args.recipients:,}, {big_rss:.1f} MiB at {args.big:,}: "
                  f"{big_rss / small_rss:.3f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
