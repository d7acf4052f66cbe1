"""How fast `newsletter reports` parses DMARC aggregate reports, against parsedmarc on the same files
in the same run, and how much memory a 100 MB report takes.

    pip install -e '.[benchmark]'        # parsedmarc, for the comparison
    python benchmarks/reports_benchmark.py [--rounds 5] [--records 20000] [--big-mb 100]

1. The valid samples of ../shared/corpus/reports (parsedmarc's own), then a generated report of
   --records records: each parser reads every file from disk to typed records, in alternating
   rounds (ours, parsedmarc, ours, ...), each in a fresh process that first reads them all once
   (imports, caches); the best round of each is kept and the ratio printed.
   parsedmarc runs offline (no DNS, no downloads), as ours does.
2. A generated report of --big-mb MB is streamed into a fresh store by `import_reports`, in a
   child process, and its peak memory compared with the same on a report ten times smaller:
   flat memory means the two peaks are close.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsletter.reports import Found, parse_tls, read_aggregate  # noqa: E402
from newsletter.reports.mailboxes import find_reports  # noqa: E402

SHARED = Path(os.environ.get("NEWSLETTER_SHARED", ROOT.parent / "shared"))
SAMPLES = SHARED / "corpus" / "reports"
INVALID = {"invalid_xml.xml", "invalid_utf_8.xml"}  # parsedmarc repairs them; we refuse them


def ours(path: Path) -> int:
    """Records read from one file, whatever its container."""
    count = 0
    for item in find_reports([path]):
        if isinstance(item, Found):
            with item.open() as stream:
                if item.kind == "dmarc":
                    count += sum(1 for _ in read_aggregate(stream).records)
                else:
                    count += len(parse_tls(stream.read()).policies)
    return count


def theirs(path: Path) -> int:
    import parsedmarc

    parsed = parsedmarc.parse_report_file(str(path), offline=True, always_use_local_files=True)
    report = parsed["report"]
    return len(report.get("records", report.get("policies", [])))


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


_TIMED = """
import sys, time, warnings
sys.path.insert(0, {src!r})
warnings.simplefilter("ignore")
sys.argv = ["benchmark"]
from pathlib import Path
import reports_benchmark as bench
parse = bench.{parser}
files = [Path(p) for p in {files!r}]
for path in files:  # warm: every import, parsedmarc's IP database, the page cache
    parse(path)
wall, cpu = time.perf_counter(), time.process_time()
for path in files:
    parse(path)
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def timed(parser: str, files: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds for `parser` to read every file once, in a fresh process: each parser
    runs alone, without the other's objects in memory."""
    code = _TIMED.format(src=str(Path(__file__).parent), parser=parser, files=[str(f) for f in files])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, cpu = result.stdout.split()
    return float(wall), float(cpu)


def compare(label: str, files: list[Path], rounds: int, with_parsedmarc: bool) -> None:
    times: dict[str, list[tuple[float, float]]] = {"ours": [], "theirs": []}
    for _ in range(rounds):  # alternating: ours, parsedmarc, ours, ...
        times["ours"].append(timed("ours", files))
        if with_parsedmarc:
            times["theirs"].append(timed("theirs", files))
    mine = min(times["ours"])
    line = f"{label:<46} ours {mine[0] * 1000:8.1f} ms (CPU {mine[1] * 1000:7.1f})"
    if with_parsedmarc:
        other = min(times["theirs"])
        line += (f"   parsedmarc {other[0] * 1000:8.1f} ms (CPU {other[1] * 1000:7.1f})"
                 f"   x{other[0] / mine[0]:.1f} wall, x{other[1] / mine[1]:.1f} CPU")
    print(line, flush=True)


_CHILD = """
import re, sys, time
sys.path.insert(0, {src!r})
from pathlib import Path
from newsletter.reports import ReportStore, import_reports
start = time.perf_counter()
with ReportStore(Path({db!r})) as store:
    (outcome,) = list(import_reports([Path({path!r})], store))
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(outcome.rows, time.perf_counter() - start, peak)
"""


def stream_into_store(path: Path, folder: Path) -> tuple[int, float, int]:
    """Rows, seconds and peak resident memory (KiB, this process's own: VmHWM) of importing one
    report in a fresh process."""
    db = folder / f"{path.stem}.sqlite"
    result = subprocess.run([sys.executable, "-c", _CHILD.format(src=str(ROOT / "src"), db=str(db), path=str(path))],
                            capture_output=True, text=True, check=True)
    rows, seconds, peak = result.stdout.split()
    return int(rows), float(seconds), int(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--big-mb", type=float, default=100)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    try:
        import parsedmarc  # noqa: F401
        with_parsedmarc = True
    except ImportError:
        with_parsedmarc = False
        print("parsedmarc is not installed (pip install -e '.[benchmark]'): our figures only")
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; best of {args.rounds} alternating rounds\n")
    with tempfile.TemporaryDirectory(prefix="reports-benchmark-") as folder:
        work = Path(folder)
        if SAMPLES.is_dir():
            samples = sorted(p for pattern in ("aggregate/*", "extract_report/*", "smtp_tls/*")
                             for p in SAMPLES.glob(pattern) if p.is_file() and p.name not in INVALID)
            large = [p for p in samples if p.name.startswith("!large")]
            small = [p for p in samples if p not in large]
            compare(f"{len(small)} small samples (xml, gz, zip, eml, json)", small, args.rounds, with_parsedmarc)
            compare(f"the large sample ({large[0].stat().st_size / 1e6:.1f} MB, 2,286 records)", large, args.rounds,
                    with_parsedmarc)
        else:
            print(f"no shared samples at {SAMPLES}: generated reports only")
        generated = generate(work / "generated.xml", records=args.records)
        compare(f"generated: {args.records:,} records ({generated.stat().st_size / 1e6:.1f} MB)", [generated],
                args.rounds, with_parsedmarc)
        print()
        for megabytes in (args.big_mb / 10, args.big_mb):
            big = generate(work / f"big-{megabytes:g}.xml", megabytes=megabytes)
            rows, seconds, peak = stream_into_store(big, work)
            size = big.stat().st_size
            print(f"streamed into the store: {size / 1e6:6.1f} MB, {rows:,} records in {seconds:.1f} s "
                  f"({size / 1e6 / seconds:.1f} MB/s, {rows / seconds:,.0f} records/s), peak memory "
                  f"{peak / 1024:.0f} MiB", flush=True)
            big.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
