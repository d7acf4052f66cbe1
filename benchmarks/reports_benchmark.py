"""How fast `newsletter reports` parses DMARC aggregate and SMTP TLS reports, against parsedmarc on
the same files in the same run, per kind of file; and how much memory a 100 MB report takes.

    pip install -e '.[benchmark]'        # parsedmarc, for the comparison
    python benchmarks/reports_benchmark.py [--rounds 5] [--records 20000] [--big-mb 100]

1. Parsing. The valid samples of ../shared/corpus/reports (parsedmarc's own test files) are copied
   into one folder per kind (xml, xml.gz, zip, eml, json, and the large xml), beside a generated
   report of --records records. Each parser reads every file of a kind from disk to typed records
   the way its command does: ours reads the folder (`find_reports`, what `newsletter reports
   FOLDER` does), parsedmarc calls `parse_report_file` on each file of it. Each parser runs in a
   fresh process that reads each kind once (imports, parsedmarc's IP database, the page cache;
   parsedmarc also keeps what it found for each IP, up to 10,000 of them, so the timed reads of
   a kind are ones it has seen: the comparison favours it, except on the generated report, whose
   20,000 IPs are more than it keeps), then reads it again and again for at least a quarter of a
   second. Rounds alternate (ours, parsedmarc, ours, ...), the best of each is kept, and the ratio
   is printed per kind, in wall and CPU time. parsedmarc is also timed on reports whose IPs it
   has not seen (its IP cache emptied before each read, as on a day's new reports from new
   senders): the two ratios bracket what a user sees. Both run offline (no DNS, no downloads).
2. Memory. A generated report of a tenth of --big-mb MB, then one of --big-mb MB, is streamed into
   a fresh store by `import_reports`, each in a fresh process (`python -c`, not a fork of this one) that
   reports its own peak resident memory (VmHWM of /proc/self/status, which starts afresh at exec)
   and its resident memory before reading (imports done). Flat memory: the two peaks are close.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsletter.reports import Found, parse_tls, read_aggregate  # noqa: E402
from newsletter.reports.mailboxes import find_reports  # noqa: E402

SHARED = Path(os.environ.get("NEWSLETTER_SHARED", ROOT.parent / "shared"))
SAMPLES = SHARED / "corpus" / "reports"
INVALID = {"invalid_xml.xml", "invalid_utf_8.xml"}  # parsedmarc repairs them; we refuse them
KINDS = (".xml.gz", ".xml.zip", ".eml", ".json", ".xml")  # the first that ends a name is its kind


def ours(folder: Path) -> int:
    """Records read from the files of a folder, whatever their containers."""
    count = 0
    for item in find_reports([folder]):
        if isinstance(item, Found):
            with item.open() as stream:
                if item.kind == "dmarc":
                    count += sum(1 for _ in read_aggregate(stream).records)
                else:
                    count += len(parse_tls(stream.read()).policies)
    return count


def theirs(folder: Path) -> int:
    """parsedmarc, which keeps what it found for each IP (reverse name, country, ...)."""
    import parsedmarc

    count = 0
    for path in sorted(folder.iterdir()):
        parsed = parsedmarc.parse_report_file(str(path), offline=True, always_use_local_files=True)
        report = parsed["report"]
        count += len(report.get("records", report.get("policies", [])))
    return count


def theirs_new_ips(folder: Path) -> int:
    """parsedmarc on reports whose IPs it has not seen yet: its IP cache emptied first."""
    import parsedmarc

    parsedmarc.IP_ADDRESS_CACHE.clear()
    return theirs(folder)


PARSERS = {"ours": "ours", "theirs": "parsedmarc, IPs seen", "theirs_new_ips": "parsedmarc, new IPs"}

RECORD = ("<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>"
          "<disposition>none</disposition><dkim>{dkim}</dkim><spf>pass</spf></policy_evaluated></row>"
          "<identifiers><envelope_from>example.com</envelope_from><header_from>example.com</header_from>"
          "</identifiers><auth_results><dkim><domain>example.com</domain><selector>s1</selector>"
          "<result>{dkim}</result></dkim><spf><domain>example.com</domain><scope>mfrom</scope>"
          "<result>pass</result></spf></auth_results></record>\n")


def generate(path: Path, records: int | None = None, megabytes: float | None = None) -> Path:
    """A valid RFC 7489 report of `records` records, or of about `megabytes` MB."""
    head = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback><version>1.0</version><report_metadata>"
            "<org_name>benchmark.example</org_name><email>noreply@benchmark.example</email>"
            f"<report_id>bench-{path.stem}</report_id><date_range><begin>1790000000</begin><end>1790086399</end>"
            "</date_range></report_metadata><policy_published><domain>example.com</domain><adkim>r</adkim>"
            "<aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>\n")
    limit = int(megabytes * 1_000_000) if megabytes else None
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        n = 0
        while (records is not None and n < records) or (limit is not None and written < limit):
            line = RECORD.format(ip=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", count=n % 50 + 1,
                                 dkim="pass" if n % 7 else "fail")
            out.write(line)
            written += len(line)
            n += 1
        out.write("</feedback>\n")
    return path


def kind_of(name: str) -> str:
    if name.startswith("!large"):
        return "large"
    return next((kind.lstrip(".") for kind in KINDS if name.endswith(kind)), "other")


def copy_by_kind(work: Path) -> dict[str, list[Path]]:
    """The valid samples, copied into one folder per kind under `work`."""
    folders: dict[str, list[Path]] = {}
    for pattern in ("aggregate/*", "extract_report/*", "smtp_tls/*"):
        for path in sorted(SAMPLES.glob(pattern)):
            if path.is_file() and path.name not in INVALID:
                folder = work / kind_of(path.name)
                folder.mkdir(exist_ok=True)
                folders.setdefault(folder.name, []).append(Path(shutil.copy(path, folder)))
    return folders


_TIMED = """
import json, os, sys, time, warnings
sys.path.insert(0, {here!r})
warnings.simplefilter("ignore")
sys.argv = ["benchmark"]
from pathlib import Path
import reports_benchmark as bench
os.chdir({work!r})  # folders named as a user names them
parse = bench.{parser}
times = {{}}
for kind in {kinds!r}:
    parse(Path(kind))  # warm: every import, parsedmarc's IP database and its cache of these IPs, the page cache
    passes, wall, cpu = 0, time.perf_counter(), time.process_time()
    while passes == 0 or time.perf_counter() - wall < 0.25:
        parse(Path(kind))
        passes += 1
    times[kind] = ((time.perf_counter() - wall) / passes, (time.process_time() - cpu) / passes)
print(json.dumps(times))
"""


def timed(parser: str, work: Path, kinds: list[str]) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds for `parser` to read each kind's folder once, in a fresh process: each
    parser runs alone, without the other's objects in memory."""
    code = _TIMED.format(here=str(Path(__file__).parent), work=str(work), parser=parser, kinds=kinds)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {kind: tuple(pair) for kind, pair in json.loads(result.stdout).items()}


def compare(work: Path, labels: dict[str, str], rounds: int, with_parsedmarc: bool) -> None:
    kinds = list(labels)
    parsers = list(PARSERS) if with_parsedmarc else ["ours"]
    best: dict[str, dict[str, tuple[float, float]]] = {parser: {} for parser in parsers}
    for _ in range(rounds):  # alternating: ours, parsedmarc, ours, ...
        for parser in parsers:
            for kind, (wall, cpu) in timed(parser, work, kinds).items():
                old = best[parser].get(kind)
                best[parser][kind] = (min(wall, old[0]), min(cpu, old[1])) if old else (wall, cpu)
    small = [kind for kind in kinds if kind not in ("large", "generated")]
    if small:
        labels = {**labels, "small": "all small samples"}
        for times in best.values():
            times["small"] = tuple(sum(times[k][i] for k in small) for i in (0, 1))
    print(f"{'ms, wall (CPU)':<44}{PARSERS['ours']:>34}" + "".join(f"{PARSERS[p]:>36}" for p in parsers[1:]))
    for kind in labels:
        mine = best["ours"][kind]
        line = f"{labels[kind]:<44} {mine[0] * 1000:>22.2f} ({mine[1] * 1000:9.2f})"
        for parser in parsers[1:]:
            other = best[parser][kind]
            line += (f" {other[0] * 1000:9.2f} ({other[1] * 1000:9.2f}) x{other[0] / mine[0]:<4.1f}"
                     f" (x{other[1] / mine[1]:<4.1f})")
        print(line, flush=True)


_CHILD = """
import re, sys, time
from pathlib import Path
def resident(field):
    return int(re.search(field + r":\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
sys.path.insert(0, {src!r})
from newsletter.reports import ReportStore, import_reports
before = resident("VmRSS")
start = time.perf_counter()
with ReportStore(Path({db!r})) as store:
    (outcome,) = list(import_reports([Path({path!r})], store))
print(outcome.rows, time.perf_counter() - start, before, resident("VmHWM"))
"""


def stream_into_store(path: Path, folder: Path) -> tuple[int, float, int, int]:
    """Rows, seconds, resident memory after the imports and peak resident memory (KiB) of
    importing one report in a fresh process."""
    db = folder / f"{path.stem}.sqlite"
    code = _CHILD.format(src=str(ROOT / "src"), db=str(db), path=str(path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows, seconds, before, peak = result.stdout.split()
    return int(rows), float(seconds), int(before), int(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--big-mb", type=float, default=100)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    try:
        import parsedmarc
        with_parsedmarc = True
        version = f"parsedmarc {parsedmarc.__version__}"
    except ImportError:
        with_parsedmarc = False
        version = "parsedmarc is not installed (pip install -e '.[benchmark]'): our figures only"
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; {version}; "
          f"best of {args.rounds} alternating rounds; per read of each folder\n")
    with tempfile.TemporaryDirectory(prefix="reports-benchmark-") as folder:
        work = Path(folder)
        labels: dict[str, str] = {}
        if SAMPLES.is_dir():
            for kind, files in copy_by_kind(work).items():
                size = sum(f.stat().st_size for f in files)
                labels[kind] = f"{kind}: {len(files)} file{'s' if len(files) > 1 else ''}, {size / 1000:,.0f} KB"
        else:
            print(f"no shared samples at {SAMPLES}: the generated report only")
        generated = generate(work / "generated" / "generated.xml", records=args.records)
        labels["generated"] = f"generated xml: {args.records:,} records, {generated.stat().st_size / 1e6:.1f} MB"
        compare(work, labels, args.rounds, with_parsedmarc)
        print()
        for megabytes in (args.big_mb / 10, args.big_mb):
            big = generate(work / f"big-{megabytes:g}.xml", megabytes=megabytes)
            rows, seconds, before, peak = stream_into_store(big, work)
            size = big.stat().st_size
            print(f"streamed into a fresh store: {size / 1e6:6.1f} MB, {rows:,} records in {seconds:.1f} s "
                  f"({size / 1e6 / seconds:.1f} MB/s); resident memory {before / 1024:.0f} MiB after the "
                  f"imports, peak {peak / 1024:.0f} MiB", flush=True)
            big.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
