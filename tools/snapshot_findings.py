"""Snapshot what `lint`, `check` and `markup` say about every input, and the bytes `render` writes.

The safety net of a refactor: run it before, run it after, compare (`--compare OLD NEW`); every
difference must be a fix someone meant. Commands run in-process (click's runner) from the
repository root, time pinned, DNS off.

    python tools/snapshot_findings.py --out before.json [--shared /work/shared]
    python tools/snapshot_findings.py --compare before.json after.json
    python tools/snapshot_diff.py before.json after.json [KEY...]   # what changed, field by field
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-29T09:00:00+01:00"
SUFFIXES = {".html", ".htm", ".eml", ".jinja", ".j2"}
# The starter templates with the example data the README renders them with.
RENDERS = {
    "templates/transactional/order-confirmation.html": "examples/boutique/order.json",
    "templates/transactional/shipping-notification.html": "examples/boutique/shipping.json",
    "templates/transactional/password-reset.html": "examples/boutique/password-reset.json",
    "templates/promotional/flash-sale.html": "examples/boutique/sale.json",
    "templates/promotional/newsletter.html": "examples/boutique/sale.json",
}


def inputs(shared: Path | None) -> list[str]:
    roots = [ROOT / "templates", ROOT / "examples"]
    if shared is not None:
        roots.append(shared / "corpus")
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                found.append(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
    return found


def run(runner, main, args: list[str]) -> dict:
    result = runner.invoke(main, args, catch_exceptions=True)
    out = result.stdout
    records = []
    for line in out.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append(line)
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = f"{type(result.exception).__name__}: {result.exception}"
    return {"exit": result.exit_code, "out": records, "err": result.stderr.strip(), "crash": crash}


def renders() -> dict:
    from newsletter import RenderOptions, render
    shown = {}
    when = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    for template, data in RENDERS.items():
        message = render(ROOT / template, json.loads((ROOT / data).read_text(encoding="utf-8")),
                         RenderOptions(date=when, message_id="<snapshot@newsletter.invalid>"))
        shown[template] = {"raw": message.raw.decode("utf-8", "replace"), "text": message.text}
    return shown


def snapshot(shared: Path | None) -> dict:
    from click.testing import CliRunner
    from newsletter.cli import main
    os.chdir(ROOT)
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 keeps stderr apart by default
        runner = CliRunner()
    result: dict = {}
    for path in inputs(shared):
        result[f"lint {path}"] = run(runner, main, ["lint", "--format", "json", "--now", NOW, path])
        result[f"check {path}"] = run(runner, main, ["check", "--offline", "--format", "json", "--now", NOW, path])
        result[f"markup {path}"] = run(runner, main, ["markup", "--format", "json", "--now", NOW, path])
    result["render"] = renders()
    return result


def compare(old: dict, new: dict) -> int:
    """Print each key whose value changed; the exit status is the number of changes (capped)."""
    changed = 0
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changed += 1
            print(f"changed: {key}")
            if key == "render":
                for name in sorted(set(old[key]) | set(new[key])):
                    if old[key].get(name) != new[key].get(name):
                        print(f"  render differs: {name}")
    print(f"{changed} of {len(set(old) | set(new))} entries differ")
    return min(changed, 100)


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":  # ties in some reports are listed in set order
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--shared", type=Path, default=os.environ.get("NEWSLETTER_SHARED"))
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        old, new = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        return compare(old, new)
    if args.out is None:
        parser.error("--out or --compare")
    data = snapshot(args.shared)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    print(f"{len(data)} entries -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
