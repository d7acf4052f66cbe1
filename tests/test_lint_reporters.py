"""Reporters: text, JSON Lines, SARIF 2.1.0 (validated against the OASIS schema), GitHub."""

from __future__ import annotations

import json
from pathlib import Path

import click
import jsonschema

from newsletter.findings import Location, catalogue, finding
from newsletter.lint import LintResult
from newsletter.reporters import format_github, format_json, format_sarif, format_text

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"

RESULTS = [
    LintResult("templates/promo, soldes.html", (
        finding("C010", "no unsubscribe link", Location("templates/promo, soldes.html")),
        finding("G008", "CSS property 'position': 100% broken\nreally", Location("templates/promo, soldes.html", 12, 3)),
        finding("C013", "spam-trigger phrase « 100 % gratuit »", Location("templates/promo, soldes.html", 14)),
    )),
    LintResult("clean.html", ()),
]


def test_text_groups_by_file_and_counts():
    text = click.unstyle(format_text(RESULTS))
    assert text.splitlines()[0] == "templates/promo, soldes.html"
    assert "12:3  warning  G008" in text
    assert text.rstrip().endswith("1 error, 1 warning, 1 info in 1 of 2 files.")
    assert "fix:" not in text and "fix:" in format_text(RESULTS, show_fixes=True)
    assert "No findings in 1 file." in click.unstyle(format_text([RESULTS[1]]))


def test_json_lines_one_object_per_input_in_order():
    lines = format_json(RESULTS).splitlines()
    assert [json.loads(line)["input"] for line in lines] == ["templates/promo, soldes.html", "clean.html"]
    first = json.loads(lines[0])["findings"][1]
    assert first == {"rule": "G008", "severity": "warning", "message": "CSS property 'position': 100% broken\nreally",
                     "location": {"path": "templates/promo, soldes.html", "line": 12, "column": 3},
                     "fix": catalogue()["G008"].fix}


def test_sarif_is_valid_against_the_official_schema():
    log = json.loads(format_sarif(RESULTS))
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(catalogue())
    levels = [r["level"] for r in run["results"]]
    assert levels == ["error", "warning", "note"]
    located = run["results"][1]["locations"][0]["physicalLocation"]
    assert located["region"] == {"startLine": 12, "startColumn": 3}
    assert located["artifactLocation"]["uri"] == "templates/promo%2C%20soldes.html"
    rule = run["tool"]["driver"]["rules"][run["results"][1]["ruleIndex"]]
    assert rule["id"] == "G008" and rule["helpUri"].startswith("https://developers.google.com/")


def test_sarif_schema_rejects_a_broken_log():
    """The validation above can fail: the schema does reject what it should."""
    log = json.loads(format_sarif(RESULTS))
    log["runs"][0]["results"][0]["level"] = "fatal"
    try:
        jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    except jsonschema.ValidationError:
        return
    raise AssertionError("an invalid level was accepted")


def test_github_annotations_escape_properties_and_data():
    lines = format_github(RESULTS).splitlines()
    assert lines[0] == "::error file=templates/promo%2C soldes.html,title=C010 unsubscribe-link-missing::no unsubscribe link"
    assert lines[1] == ("::warning file=templates/promo%2C soldes.html,line=12,col=3,title=G008 "
                        "gmail-unsupported-css-property::CSS property 'position': 100%25 broken%0Areally")
    assert lines[2].startswith("::notice ")
