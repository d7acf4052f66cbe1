"""Bulk rendering against the naive path and against bare Jinja, measured in one run.

    python benchmarks/bulk_benchmark.py [--recipients 20000] [--big 200000] [--naive 200]

On templates/promotional/newsletter.html with examples/boutique/sale.json:
- naive: Jinja render + premailer for each message (no MIME, no disk: the naive path's floor);
- limit: bare Jinja rendering of the already inlined template (no MIME, no disk);
- ours: `render_bulk` for N generated recipients, with --jobs 1 and --jobs 2, everything included
  (reading and checking recipients, MIME, files, manifest);
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

import jinja2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsletter.render import inline_css  # noqa: E402
from newsletter.render.bulk import BulkOptions, render_bulk  # noqa: E402
from newsletter.render.campaign import AttributeSlot, JsonSlot, TextSlot, compile_campaign  # noqa: E402
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


def bare_jinja(campaign: Campaign, data: dict, people: list[dict], own: set[str]) -> float:
    """The compiled campaign's HTML as a Jinja template with `{{ vN }}` holes, rendered per
    recipient: what Jinja alone needs to personalise the inlined HTML."""
    compiled = compile_campaign(campaign, data, own)
    source = []
    for piece in compiled.html:
        if isinstance(piece, str):
            source.append(piece.replace("{", "{{ '{' }}"))
        elif isinstance(piece, (TextSlot, JsonSlot)):
            source.append(f"{{{{ v{piece.slot} }}}}")
        elif isinstance(piece, AttributeSlot):
            source.append(f'{piece.name}="{compiled.token.sub(lambda m: "{{ v" + m.group(2) + " }}", piece.value)}"')
    template = jinja2.Environment(autoescape=True).from_string("".join(source))
    env = campaign.compiled.template.environment
    contexts = []
    for person in people:
        values = compiled.values(env, campaign.personalise({**data, **person}).context)
        contexts.append({f"v{i}": v for i, v in enumerate(values)})
    started = time.perf_counter()
    for context in contexts:
        template.render(context)
    return rate(len(contexts), time.perf_counter() - started)


def ours(recipients: Path, data: dict, count: int, jobs: int, folder: Path) -> float:
    out = folder / f"out-{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    summary = render_bulk(TEMPLATE, recipients, data, RenderOptions(), BulkOptions(out, jobs=jobs))
    assert summary.rendered == count and summary.compiled, summary
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
        own = set(people[0])

        naive_rate = naive(campaign, campaign_data, people[: args.naive])
        limit_rate = bare_jinja(campaign, campaign_data, people, own)
        one_rate = ours(small, data, args.recipients, 1, folder)
        two_rate = ours(small, data, args.recipients, 2, folder)

        print(f"template: {TEMPLATE.relative_to(ROOT)}, data: {DATA.relative_to(ROOT)}, CPUs: {os.cpu_count()}")
        print(f"naive (Jinja + premailer per message, {args.naive} messages): {naive_rate:10,.0f} messages/s")
        print(f"limit (bare Jinja on the inlined template, no MIME, no disk): {limit_rate:10,.0f} messages/s")
        print(f"ours --jobs 1 ({args.recipients:,} recipients, files written):   {one_rate:10,.0f} messages/s")
        print(f"ours --jobs 2 ({args.recipients:,} recipients, files written):   {two_rate:10,.0f} messages/s")
        print(f"ours / naive: {one_rate / naive_rate:6.1f}x with --jobs 1, {two_rate / naive_rate:6.1f}x with --jobs 2 (target >= 50x)")
        print(f"ours / limit: {one_rate / limit_rate:6.2f} with --jobs 1, {two_rate / limit_rate:6.2f} with --jobs 2 (target >= 0.33)")
        print(f"--jobs 2 / --jobs 1: {two_rate / one_rate:.2f}x")

        if args.big:
            big = folder / "big.csv"
            write_recipients(big, args.big)
            small_rss = peak_rss_mib(small, folder)
            big_rss = peak_rss_mib(big, folder)
            print(f"peak RSS: {small_rss:.1f} MiB at {args.recipients:,}, {big_rss:.1f} MiB at {args.big:,}: "
                  f"{big_rss / small_rss:.3f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
