"""A shop project made by `newsletter init`, a campaign rendered in it, and `newsletter send` run
against the loopback server (`smtp_server.py`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import ROOT
from helpers import Run, run_cli
from newsletter.init import InitOptions, init_project
from smtp_server import PASSWORD, USER, LoopbackSMTP

ENV = {"NEWSLETTER_SMTP_PASSWORD": PASSWORD}
TEMPLATE = "templates/promotional/newsletter"


def make_project(tmp_path: Path, server: LoopbackSMTP | None = None, **smtp: object) -> Path:
    """A project in tmp_path/shop, its [smtp] table pointing at `server` (fast retries for tests)."""
    project = tmp_path / "shop"
    init_project(project, InitOptions())
    table = {"retry_delays": [0.05, 0.1], "quota_pause": 0.3, "command_timeout": 10, "data_timeout": 10, **smtp}
    if server is not None:
        table = {"host": server.address, "tls": server.tls, "cafile": str(server.cafile), "username": USER, **table}
    with (project / "newsletter.toml").open("a", encoding="utf-8") as handle:
        for key, value in table.items():
            handle.write(f"{key} = {json.dumps(value)}\n")
    return project


def write_list(path: Path, rows: int, domains: tuple[str, ...] = ("example.com", "example.net", "example.org")) -> Path:
    """`rows` recipients from the example list's names, each with an address of its own."""
    people = list(csv.DictReader((ROOT / "examples/boutique/recipients.csv").open(encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(people[0]))
        writer.writeheader()
        for i in range(rows):
            writer.writerow({**people[i % len(people)], "email": f"client{i}@{domains[i % len(domains)]}"})
    return path


def render_campaign(project: Path, recipients: Path | None = None, name: str = "campaign") -> Path:
    out = project / "out" / name
    run = run_cli("render", project / f"{TEMPLATE}.html", "--data", project / f"{TEMPLATE}.json",
                  "--recipients", recipients or project / "recipients.csv", "--out-dir", out, "--jobs", "1")
    assert run.exit_code in (0, 1), run.stderr
    return out


def send(*args: object, env: dict[str, str] | None = None) -> Run:
    return run_cli("send", *args, env=ENV if env is None else env)


def manifest(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def journal(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "send.jsonl").read_text(encoding="utf-8").splitlines()]


def received_ids(server: LoopbackSMTP) -> list[str | None]:
    return [r.message_id for r in server.log.received]
