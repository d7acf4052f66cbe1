"""`newsletter dns` against checkdmarc on the same domains and the same loopback DNS server.

    python benchmarks/dns_benchmark.py [--domains 200] [--delay 0.02] [--venv DIR]

Starts the test suite's loopback DNS server (tests/auth_dnsserver.py), in its own process so that
it does not compete for the interpreter lock with either tool, serving generated domains
(SPF with shared nested includes, MX, DMARC, some BIMI and TLS-RPT, DKIM keys), adding `--delay`
seconds to every answer. Installs checkdmarc in its own virtual environment (a temporary one
unless --venv names one to reuse) and points it at the server by passing a dnspython
`Do53Nameserver("127.0.0.1", port)` in its `nameservers` parameter (checkdmarc >= 5 accepts
Nameserver objects, so a non-53 port works without patching). Prints wall time and the queries
the server received for each tool, and the ratios.

Both run the same record families: SPF, DMARC, MX (+ host addresses), BIMI, MTA-STS (TXT only;
no MTA-STS record is published, so checkdmarc fetches no HTTPS policy), TLS-RPT. checkdmarc also
asks SOA, NS and DNSSEC records, which we do not; we also fetch DMARC report authorisations and
(in the second run) probe DKIM selectors, which checkdmarc does not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from auth_dnsserver import LoopbackDNSServer  # noqa: E402
from newsletter.auth import CheckOptions, NetworkResolver, QueryBudget, check_domains  # noqa: E402
from newsletter.auth.resolver import zone_from_records  # noqa: E402

COMPARABLE = frozenset({"spf", "dmarc", "mx", "bimi", "mta-sts", "tls-rpt"})

CHECKDMARC_RUNNER = """
import json, sys, time
import dns.nameserver
import checkdmarc
domains = json.loads(sys.argv[2])
server = dns.nameserver.Do53Nameserver("127.0.0.1", int(sys.argv[1]))
started = time.perf_counter()
results = checkdmarc.check_domains(domains, nameservers=[server], timeout=5.0)
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "domains": len(results)}))
"""


def generate(count: int) -> tuple[list[str], dict]:
    records: dict[str, dict[str, list[str]]] = {}
    for k in range(5):
        records[f"_spf.esp{k}.example"] = {"TXT": [f'"v=spf1 ip4:198.51.{k}.0/24 '
                                                   f'include:_spf2.esp{k}.example ~all"']}
        records[f"_spf2.esp{k}.example"] = {"TXT": [f'"v=spf1 ip6:2001:db8:{k}::/48 -all"']}
    domains = []
    for i in range(count):
        domain = f"boutique-{i:03d}.example"
        domains.append(domain)
        records[domain] = {"TXT": [f'"v=spf1 include:_spf.esp{i % 5}.example mx '
                                   f'ip4:192.0.2.{i % 250} -all"'],
                           "MX": [f"10 mx.{domain}."]}
        records[f"mx.{domain}"] = {"A": [f"192.0.2.{i % 250}"]}
        records[f"_dmarc.{domain}"] = {"TXT": [f'"v=DMARC1; p=quarantine; '
                                               f'rua=mailto:dmarc@{domain}"']}
        records[f"s1._domainkey.{domain}"] = {
            "TXT": ['"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="']}
        if i % 4 == 0:
            records[f"default._bimi.{domain}"] = {
                "TXT": [f'"v=BIMI1; l=https://{domain}/logo.svg"']}
        if i % 3 == 0:
            records[f"_smtp._tls.{domain}"] = {"TXT": [f'"v=TLSRPTv1; rua=mailto:tls@{domain}"']}
    return domains, records


class ServerProcess:
    """The loopback DNS server in a child process; counts queries on request."""

    def __init__(self, count: int, delay: float):
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(count),
                                         "--delay", str(delay)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.port = int(self._read())

    def _read(self) -> str:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit("the DNS server process stopped")
        return line.strip()

    def command(self, word: str) -> str:
        self.process.stdin.write(word + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        return self._read()

    def reset(self) -> None:
        self.command("reset")

    @property
    def queries(self) -> int:
        return int(self.command("count"))

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=10)


def serve(count: int, delay: float) -> None:
    _, records = generate(count)
    with LoopbackDNSServer(zone_from_records(records), delay=delay, workers=256) as server:
        print(server.port, flush=True)
        for line in sys.stdin:
            if line.strip() == "reset":
                server.reset_counts()
                print("ok", flush=True)
            elif line.strip() == "count":
                print(server.total_queries, flush=True)


def run_ours(server: ServerProcess, domains: list[str], only: frozenset[str]) -> dict:
    server.reset()
    resolver = NetworkResolver([("127.0.0.1", server.port)], timeout=5.0, workers=32,
                               budget=QueryBudget.for_domains(len(domains)))
    started = time.perf_counter()
    reports = check_domains(domains, resolver, CheckOptions(only=only), workers=64)
    elapsed = time.perf_counter() - started
    resolver.close()
    assert len(reports) == len(domains)
    return {"seconds": elapsed, "queries": server.queries}


def checkdmarc_python(venv_dir: Path | None) -> Path:
    target = venv_dir or Path(tempfile.mkdtemp(prefix="checkdmarc-venv-"))
    python = target / "bin" / "python"
    if not python.exists():
        print(f"installing checkdmarc in {target} ...", flush=True)
        venv.create(target, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "checkdmarc"], check=True)
    version = subprocess.run([str(python), "-c", "import importlib.metadata as m; "
                              "print(m.version('checkdmarc'))"], capture_output=True, text=True)
    print(f"checkdmarc {version.stdout.strip()} in {target}")
    return python


def run_checkdmarc(python: Path, server: ServerProcess, domains: list[str]) -> dict:
    server.reset()
    done = subprocess.run([str(python), "-c", CHECKDMARC_RUNNER, str(server.port),
                           json.dumps(domains)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"checkdmarc failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": result["seconds"], "queries": server.queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds added to each answer")
    parser.add_argument("--venv", type=Path, help="reuse (or create) checkdmarc's venv here")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.delay)
    domains, _ = generate(args.domains)
    python = checkdmarc_python(args.venv)
    server = ServerProcess(args.domains, args.delay)
    try:
        ours = run_ours(server, domains, COMPARABLE)
        ours_all = run_ours(server, domains, frozenset(CheckOptions().only) - {"ptr"})
        theirs = run_checkdmarc(python, server, domains)
    finally:
        server.close()
    n = len(domains)
    print(f"\n{n} domains, {args.delay * 1000:.0f} ms added to every DNS answer\n")
    print(f"{'run':<44}{'wall s':>9}{'queries':>9}{'per domain':>12}")
    for label, r in (("newsletter dns (same record families)", ours),
                     ("newsletter dns (+ DKIM selector probing)", ours_all),
                     ("checkdmarc.check_domains", theirs)):
        print(f"{label:<44}{r['seconds']:>9.2f}{r['queries']:>9}{r['queries'] / n:>12.1f}")
    print(f"\nspeed-up, same record families: {theirs['seconds'] / ours['seconds']:.1f}x faster; "
          f"queries: {ours['queries'] / theirs['queries']:.2f}x checkdmarc's")


if __name__ == "__main__":
    main()
