"""Every command that finds things (lint, check, markup, dns, reports) offers SARIF 2.1.0 (valid against the OASIS schema) and GitHub
annotations, from the same findings as its JSON."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from newsletter.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
ZONE = str(ROOT / "examples/boutique/dns/maison-lumiere.example.zone")
NOW = "2026-11-29T09:00:00+01:00"
ANNOTATION = re.compile(r"^::(error|warning|notice) (?:file=[^,:]+(?:,line=\d+(?:,col=\d+)?)?,)?title=[A-Z]+\d+ [a-z0-9-]+::.+$")

COMMANDS = {
    "check": ["check", "--offline", "--now", NOW, str(ROOT / "templates/promotional/flash-sale.html"),
              str(ROOT / "templates/transactional/order-confirmation.html")],
    "markup": ["markup", "--now", NOW, str(ROOT / "templates/promotional/flash-sale.html"),
               str(ROOT / "templates/transactional/order-confirmation.html")],
    "dns": ["dns", "--zone", ZONE, "maison-lumiere.example"],
    "lint": ["lint", "--now", NOW, str(ROOT / "templates")],
    # the example mailbox of DMARC and TLS reports, read into a store of this test run
    "reports": ["reports", str(ROOT / "examples/boutique/rua"), "--db", str(Path(tempfile.mkdtemp()) / "reports.sqlite")],
}


def _run(args: list[str]):
    return CliRunner().invoke(main, args)


def _json_findings(name: str) -> list[dict]:
    result = _run([*COMMANDS[name], "--format", "json"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return [f for record in records for f in record["findings"]]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_sarif_of_every_command_is_valid_and_holds_its_findings(name):
    result = _run([*COMMANDS[name], "--format", "sarif"])
    assert result.exit_code in (0, 1), result.stderr
    log = json.loads(result.stdout)
    jsonschema.validate(log, SCHEMA)
    expected = _json_findings(name)
    assert expected, "the example must have findings for the test to mean something"
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["level"].replace("note", "info")) for r in results] == \
        [(f["rule"], f["severity"]) for f in expected]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_github_annotations_of_every_command(name):
    result = _run([*COMMANDS[name], "--format", "github"])
    lines = result.stdout.splitlines()
    assert len(lines) == len(_json_findings(name)) and lines
    assert all(ANNOTATION.match(line) for line in lines), lines


def test_dns_text_report_sections_come_from_the_catalogue():
    """A rule's section is data (checks/rules/auth.toml), not a map in the CLI."""
    from newsletter.auth.text import section_of
    from newsletter.findings import Location, catalogue, finding
    assert catalogue()["AUTH006"].section == "BIMI"
    assert section_of(finding("AUTH006", "x")) == "BIMI"
    assert section_of(finding("SPF001", "x")) == "SPF"
    assert section_of(finding("AUTH013", "x", Location("_mta-sts.shop.example TXT"))) == "MTA-STS"
    text = _run(["dns", "--zone", ZONE, "maison-lumiere.example"]).stdout
    bimi = text.index("  BIMI ")
    assert bimi < text.index("AUTH006") < text.index("  MTA-STS")
