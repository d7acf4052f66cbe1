"""Recipient rows that are not what they seem: each bad row is reported and set aside, the others
are rendered, and rows read = rendered + rejected (issue 12, items 11 and 12)."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from conftest import ROOT
from helpers import run_cli

NEWSLETTER = ROOT / "templates/promotional/newsletter.html"
SALE = ROOT / "examples/boutique/sale.json"


def bulk(recipients: Path, out: Path, *extra: str):
    return run_cli("render", NEWSLETTER, "--data", SALE, "--recipients", recipients, "--out-dir", out,
                   "--jobs", "1", *extra)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def greetings(out: Path) -> dict[str, str]:
    """Each written message's recipient and the greeting line of its text part."""
    found = {}
    for record in read_jsonl(out / "manifest.jsonl"):
        message = email.message_from_bytes((out / record["file"]).read_bytes(), policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        found[record["email"]] = next(line for line in text.splitlines() if line.startswith("Bonjour"))
    return found


# --- JSON Lines (item 12) ----------------------------------------------------------------------

def test_hostile_json_lines_are_rejected_and_the_run_goes_on(tmp_path):
    recipients = tmp_path / "list.jsonl"
    rows = [
        '{"email": "a@example.com", "first_name": "Anne"}',
        '{"email": "b@example.com", "first_name": "Bruno", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"email": "c@example.com", "first_name": "Chloé"}',
        '{"email": "d@example.com", "first_name": "Denis", "n": 1' + "0" * 100_000 + "}",
        '{"email": "e@example.com", "first_name": "Emma"}',
        '{"email": "f@example.com", "first_name": "' + "F" * 2_000_000 + '"}',
        '{"email": "g@example.com", "first_name": "Gaël"}',
    ]
    recipients.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert run.exit_code == 1, run.stderr
    assert "7 rows read, 4 rendered, 3 rejected" in run.stderr
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["row"], r["line"]) for r in rejects] == [(2, 2), (4, 4), (6, 6)]
    column = rows[1].index("[") + 64  # the 65th level, counting the row's own object
    assert rejects[0]["reason"].startswith(f"JSON nested more than 64 levels deep at column {column};")
    column = rows[3].index("10000") + 1
    assert rejects[1]["reason"].startswith(f"a number of 100,001 characters (at most 100) at column {column};")
    assert rejects[2]["reason"] == "the line is longer than the limit of 1,048,576 characters"
    assert greetings(out) == {"a@example.com": "Bonjour Anne,", "c@example.com": "Bonjour Chloé,",
                              "e@example.com": "Bonjour Emma,", "g@example.com": "Bonjour Gaël,"}


def test_last_json_line_without_its_end_is_read(tmp_path):
    recipients = tmp_path / "list.jsonl"
    recipients.write_text('{"email": "a@example.com", "first_name": "Anne"}\n'
                          '{"email": "b@example.com", "first_name": "Bruno"}', encoding="utf-8")
    run = bulk(recipients, tmp_path / "out")
    assert run.exit_code == 0 and "2 rows read, 2 rendered, 0 rejected" in run.stderr
