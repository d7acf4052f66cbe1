"""Sending a campaign against a naive loop, to the same loopback SMTP server, measured in one run.

    python benchmarks/send_benchmark.py [--messages 20000] [--naive 1000] [--connections 1 3 4]

The server is the send tests' (tests/smtp_server.py: aiosmtpd with STARTTLS, a certificate made
for the run, and AUTH), in a process of its own so that it does not share the client's
interpreter. The campaign is `promotional/newsletter.html` rendered for N generated recipients
(13 KB messages), on tmpfs when there is one.
- naive: for each message, one `smtplib` connection: connect, STARTTLS, AUTH, send, QUIT (the
  first --naive messages: at its rate, 20,000 would take minutes);
- ours: `send_campaign` for all N messages, with 1, 3 (the default) and 4 connections,
  everything included (the manifest, reading and checking each file's sha256, the journal's two
  lines a message).
Prints each rate and its ratio to the naive one (the target is 10x), and the CPU time a message
costs the client and the server: on a machine shared with other work the rates move with the
load, the CPU times much less.
"""

from __future__ import annotations

import argparse
import base64
import csv
import os
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsletter.config import Config  # noqa: E402
from newsletter.render.bulk import BulkOptions, render_bulk  # noqa: E402
from newsletter.render.journal import manifest_records  # noqa: E402
from newsletter.render.pipeline import RenderOptions  # noqa: E402
from newsletter.render.environment import load_json  # noqa: E402
from newsletter.send import SEND_JOURNAL, resolve_settings, send_campaign  # noqa: E402

TEMPLATE = ROOT / "templates/promotional/newsletter.html"
DATA = ROOT / "examples/boutique/sale.json"
PEOPLE = ROOT / "examples/boutique/recipients.csv"
SERVER = ROOT / "tests/smtp_server.py"
USER, PASSWORD = "boutique", "s3cret-Lumière"  # tests/smtp_server.py's


def write_recipients(path: Path, count: int) -> None:
    people = list(csv.DictReader(PEOPLE.open(encoding="utf-8")))
    domains = ("example.com", "example.net", "example.org")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(people[0]))
        writer.writeheader()
        for i in range(count):
            writer.writerow({**people[i % len(people)], "email": f"client{i}@{domains[i % 3]}"})


class Cpu:
    """CPU seconds used by this process and by the server's, between two readings."""

    def __init__(self, server_pid: int) -> None:
        self.stat = Path(f"/proc/{server_pid}/stat")
        self.start = self._read()

    def _read(self) -> tuple[float, float]:
        me = os.times()
        ticks = self.stat.read_text().rsplit(")", 1)[1].split()[11:13]  # utime, stime
        return me.user + me.system, sum(map(int, ticks)) / os.sysconf("SC_CLK_TCK")

    def per_message(self, count: int) -> str:
        (client, server), (client0, server0) = self._read(), self.start
        return (f"CPU a message: client {1000 * (client - client0) / count:.2f} ms, "
                f"server {1000 * (server - server0) / count:.2f} ms")


def naive(folder: Path, count: int, port: int, cafile: str) -> float:
    context = ssl.create_default_context(cafile=cafile)
    token = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    records = [record for _, record in manifest_records(folder / "manifest.jsonl")][:count]
    started = time.perf_counter()
    for record in records:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.starttls(context=context)
            smtp.ehlo()
            smtp.docmd("AUTH", f"PLAIN {token}")  # smtplib.login cannot send a non-ASCII password
            smtp.sendmail("bonjour@maison-lumiere.example", [record["email"]], (folder / record["file"]).read_bytes())
    return len(records) / (time.perf_counter() - started)


def ours(folder: Path, port: int, cafile: str, connections: int) -> tuple[float, int]:
    (folder / SEND_JOURNAL).unlink(missing_ok=True)
    settings = resolve_settings(Config(), {"host": f"127.0.0.1:{port}", "cafile": cafile, "username": USER},
                                environ={"NEWSLETTER_SMTP_PASSWORD": PASSWORD})
    settings = replace(settings, connections=connections)
    started = time.perf_counter()
    summary = send_campaign(folder, settings, Config(path=folder.parent / "newsletter.toml"))
    return summary.sent / (time.perf_counter() - started), summary.sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--naive", type=int, default=1000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 3, 4])
    args = parser.parse_args()
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        tmp_path = Path(tmp)
        recipients = tmp_path / "list.csv"
        write_recipients(recipients, args.messages)
        folder = tmp_path / "campaign"
        started = time.perf_counter()
        render_bulk(TEMPLATE, recipients, load_json(DATA), RenderOptions(), BulkOptions(out_dir=folder, jobs=2))
        size = sum(p.stat().st_size for p in folder.glob("*.eml")) / args.messages
        print(f"campaign: {args.messages:,} messages of {size / 1024:.1f} KB rendered in "
              f"{time.perf_counter() - started:.1f} s ({'tmpfs' if base else 'disk'})")
        server = subprocess.Popen([sys.executable, str(SERVER), str(tmp_path), "--tls", "starttls"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            port, cafile = server.stdout.readline().split()
            cpu = Cpu(server.pid)
            base_rate = naive(folder, args.naive, int(port), cafile)
            print(f"naive: one smtplib connection a message (STARTTLS, AUTH): {base_rate:,.0f} messages/s "
                  f"over {args.naive:,} messages; {cpu.per_message(args.naive)}")
            total = args.naive
            for connections in args.connections:
                cpu = Cpu(server.pid)
                per_second, sent = ours(folder, int(port), cafile, connections)
                total += sent
                print(f"ours: newsletter send, {connections} connection{'s' if connections > 1 else ''}: "
                      f"{per_second:,.0f} messages/s over {sent:,} messages: {per_second / base_rate:.1f}x naive; "
                      f"{cpu.per_message(sent)}")
        finally:
            server.stdin.close()
            received = int(server.stdout.readline() or 0)
            server.wait()
        print(f"the server took {received:,} messages (expected {total:,})")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
