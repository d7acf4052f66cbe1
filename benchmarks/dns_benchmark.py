"""`newsletter dns` against checkdmarc on the same domains and the same loopback DNS server.

    pip install -e '.[benchmark]'         # checkdmarc
    python benchmarks/dns_benchmark.py [--rounds 3] [--domains 200] [--sequential 40] [--delay 0.02]
                                       [--out benchmarks/results/dns.json]

Starts the test suite's loopback DNS server (tests/auth_dnsserver.py), in its own process so that
it does not compete for the interpreter lock with either tool, serving generated domains
(SPF with shared nested includes, MX, DMARC, some BIMI and TLS-RPT, DKIM keys), adding `--delay`
seconds to every answer. checkdmarc runs in a child process of its own, pointed at the server by a
dnspython `Do53Nameserver("127.0.0.1", port)` in its `nameservers` parameter.

Contenders, in alternating rounds (`rounds.py`), as domains checked per second:
- ours on the record families checkdmarc checks too, and ours probing DKIM selectors as well;
- checkdmarc's `check_domains` as it is, one domain after the other (on the first `--sequential`
  domains: it takes about 0.7 s a domain at 20 ms an answer);
- checkdmarc in 64 threads, one `check_domains([domain])` a domain: the same concurrency as ours,
  so that the comparison is of the tools, not of concurrency.

Both check SPF, DMARC, MX (+ host addresses), BIMI, MTA-STS (TXT only; no MTA-STS record is
published, so checkdmarc fetches no HTTPS policy), TLS-RPT. checkdmarc also asks SOA, NS and
DNSSEC records, which we do not; we also fetch DMARC report authorisations and (second contender)
probe DKIM selectors, which checkdmarc does not. The queries each sent are counted by the server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from auth_dnsserver import LoopbackDNSServer  # noqa: E402
from newsletter.auth import CheckOptions, NetworkResolver, QueryBudget, check_domains  # noqa: E402
from newsletter.auth.resolver import zone_from_records  # noqa: E402
from rounds import Contender, Ratio, alternate, print_summary, results, save  # noqa: E402

COMPARABLE = frozenset({"spf", "dmarc", "mx", "bimi", "mta-sts", "tls-rpt"})

CHECKDMARC_RUNNER = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
import dns.nameserver
import checkdmarc
port, threads, domains = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
server = dns.nameserver.Do53Nameserver("127.0.0.1", port)
def check(batch):
    return checkdmarc.check_domains(batch, nameservers=[server], timeout=5.0)
started = time.perf_counter()
if threads == 1:
    check(domains)
else:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda domain: check([domain]), domains))
print(json.dumps({"seconds": time.perf_counter() - started}))
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


def run_ours(server: ServerProcess, domains: list[str], only: frozenset[str], queries: list[float]) -> float:
    server.reset()
    resolver = NetworkResolver([("127.0.0.1", server.port)], timeout=5.0, workers=32,
                               budget=QueryBudget.for_domains(len(domains)))
    started = time.perf_counter()
    reports = check_domains(domains, resolver, CheckOptions(only=only), workers=64)
    elapsed = time.perf_counter() - started
    resolver.close()
    assert len(reports) == len(domains)
    queries.append(server.queries / len(domains))
    return len(domains) / elapsed


def run_checkdmarc(server: ServerProcess, domains: list[str], threads: int, queries: list[float]) -> float:
    server.reset()
    done = subprocess.run([sys.executable, "-c", CHECKDMARC_RUNNER, str(server.port), str(threads),
                           json.dumps(domains)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"checkdmarc failed:\n{done.stderr[-2000:]}")
    seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
    queries.append(server.queries / len(domains))
    return len(domains) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--sequential", type=int, default=40, help="domains for checkdmarc one at a time")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds added to each answer")
    parser.add_argument("--out", type=Path, help="the JSON results (default benchmarks/results/dns.json)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.delay)
    try:
        version = subprocess.run([sys.executable, "-c", "import checkdmarc; print(checkdmarc.__version__)"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    except subprocess.CalledProcessError:
        raise SystemExit("checkdmarc is not installed: pip install -e '.[benchmark]'") from None
    load_before = [round(x, 2) for x in os.getloadavg()]
    domains, _ = generate(args.domains)
    server = ServerProcess(args.domains, args.delay)
    queries: dict[str, list[float]] = {key: [] for key in ("ours", "ours_dkim", "sequential", "threaded")}
    every = frozenset(CheckOptions().only) - {"ptr"}
    contenders = [
        Contender("ours", "newsletter dns (the same record families)",
                  lambda: run_ours(server, domains, COMPARABLE, queries["ours"]), "domains/s"),
        Contender("ours_dkim", "newsletter dns, probing DKIM selectors too",
                  lambda: run_ours(server, domains, every, queries["ours_dkim"]), "domains/s"),
        Contender("sequential", f"checkdmarc {version}, one domain after the other",
                  lambda: run_checkdmarc(server, domains[: args.sequential], 1, queries["sequential"]), "domains/s"),
        Contender("threaded", f"checkdmarc {version}, 64 threads",
                  lambda: run_checkdmarc(server, domains, 64, queries["threaded"]), "domains/s"),
    ]
    try:
        rates = alternate(contenders, args.rounds)
    finally:
        server.close()
    per_domain = {key: statistics.median(values) for key, values in queries.items()}
    data = results(
        "dns", contenders, rates,
        [Ratio("ours / checkdmarc in 64 threads (like for like)", "ours", "threaded"),
         Ratio("ours / checkdmarc one domain after the other", "ours", "sequential")],
        load_before,
        title="Sender DNS (`newsletter dns`)",
        about=(f"{args.domains} generated domains ({args.sequential} for checkdmarc one at a time) on a "
               f"loopback DNS server that adds {args.delay * 1000:.0f} ms to every answer."),
        queries_per_domain={key: round(value, 1) for key, value in per_domain.items()},
        notes=[f"DNS queries per domain: ours {per_domain['ours']:.1f} "
               f"({per_domain['ours_dkim']:.1f} probing DKIM selectors), checkdmarc "
               f"{per_domain['threaded']:.1f} (it also asks SOA, NS and DNSSEC records)."],
    )
    print_summary(data)
    print(f"written {save(data, args.out)}")


if __name__ == "__main__":
    main()
