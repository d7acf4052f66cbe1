"""The example shop's rua= mailbox: made by its script, byte for byte, and read by exactly the command
the README and docs/reports.md give."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
BOUTIQUE = ROOT / "examples" / "boutique"
COMMAND = ("reports", "examples/boutique/rua", "--zone", "examples/boutique/dns/maison-lumiere.example.zone",
           "--zone", "examples/boutique/dns/2.0.192.in-addr.arpa.zone")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_mailbox_is_what_its_script_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_reports", BOUTIQUE / "make_reports.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.write_maildir(tmp_path / "rua") == 64
    assert _files(tmp_path / "rua") == _files(BOUTIQUE / "rua")


def test_the_example_command(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    run = run_cli(*COMMAND, "--db", tmp_path / "x.sqlite")
    assert run.exit_code == 0, run.stderr
    assert run.stderr == (f"newsletter: 64 reports read (64 new, 0 already in the store), 0 inputs skipped -> "
                          f"{tmp_path / 'x.sqlite'}\n")
    lines = run.text.splitlines()
    assert lines[0] == ("maison-lumiere.example: DMARC, 63 reports from 3 receivers, 2026-11-02 to 2026-11-22 "
                        "(21 days, reports on 21 days)")
    assert "  policy   p=quarantine sp=quarantine pct=100" in lines
    assert "  messages 4,454, DMARC pass 94.6%" in lines
    rows = [line.split() for line in lines if line.startswith("        ")]
    sources = {row[6]: row for row in rows if len(row) > 6}
    assert sources["192.0.2.26"][:8] == ["2,700", "100%", "100%", "95.6%", "0", "yes", "192.0.2.26",
                                         "mx2.maison-lumiere.example"]
    assert sources["192.0.2.25"][:8] == ["1,487", "100%", "100%", "100%", "0", "yes", "192.0.2.25",
                                         "mx1.maison-lumiere.example"]
    assert sources["203.0.113.77"] == ["242", "0%", "0%", "0%", "242", "no", "203.0.113.77"]  # quarantined
    assert sources["198.51.100.20"] == ["25", "100%", "0%", "100%", "0", "no", "198.51.100.20", "(yours)"]
    assert ("  warning DR001 203.0.113.77 sent 242 messages as maison-lumiere.example: not in its SPF record "
            "(fail), no aligned DKIM signature") in lines
    assert "  info DR002 198.51.100.20 sent 25 messages: not in the SPF record, 100.0% DKIM-aligned" in lines
    assert ("  info DR004 ready for p=reject: 100.0% of 4,212 messages from your own sources passed DMARC in "
            "reports of 21 days; 242 messages came from other sources") in lines
    assert ("maison-lumiere.example: SMTP TLS, 1 report from 1 sender, 2026-11-22 to 2026-11-22") in lines
    assert ("  warning DR009 14 of 1,201 TLS sessions to maison-lumiere.example failed: certificate-expired (14); "
            "at mx2.maison-lumiere.example") in lines


def test_reading_the_example_again_adds_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    first = run_cli(*COMMAND, "--db", tmp_path / "x.sqlite")
    again = run_cli(*COMMAND, "--db", tmp_path / "x.sqlite")
    assert "64 reports read (0 new, 64 already in the store)" in again.stderr
    assert again.stdout == first.stdout
