"""`newsletter lint` and `newsletter rules` end to end: exit codes, formats, catalogue, docs, corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.findings import catalogue
from newsletter.lint import lint_paths
from newsletter.lint.docs import rules_markdown
from newsletter.limits import limits_markdown

from conftest import CORPUS, ROOT, corpus_files, requires_shared
from lint_helpers import page


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_exit_codes(tmp_path):
    clean = tmp_path / "clean.html"
    clean.write_text(page(), encoding="utf-8")
    assert run("lint", str(clean)).exit_code == 0
    bad = tmp_path / "bad.html"
    bad.write_text(page(body="<script>x()</script>"), encoding="utf-8")
    assert run("lint", str(bad)).exit_code == 1
    assert run("lint", str(bad), "--ignore", "G011").exit_code == 0
    missing = run("lint", str(tmp_path / "nope.html"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert run("lint", str(bad), "--select", "Q").exit_code == 2
    assert run("lint").exit_code == 2


def test_json_format_and_output_file(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(page(body="<script>x()</script>"), encoding="utf-8")
    result = run("lint", str(bad), str(tmp_path), "--format", "json")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["input"].endswith("bad.html") for r in records] == [True]  # the same file once
    assert records[0]["findings"][0]["rule"] == "G011"
    out = tmp_path / "report.sarif"
    assert run("lint", str(bad), "--format", "sarif", "-o", str(out)).exit_code == 1
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_project_config_lint_table(tmp_path):
    (tmp_path / "newsletter.toml").write_text('[lint]\nignore = ["G011"]\n', encoding="utf-8")
    bad = tmp_path / "bad.html"
    bad.write_text(page(body="<script>x()</script>"), encoding="utf-8")
    assert run("lint", str(bad)).exit_code == 0
    (tmp_path / "newsletter.toml").write_text('[lint]\nignor = ["G011"]\n', encoding="utf-8")
    result = run("lint", str(bad))
    assert result.exit_code == 2 and "unknown key 'ignor'" in result.output


def test_rules_lists_every_catalogued_rule_of_every_file():
    text = run("rules").output
    assert all(rule_id in text for rule_id in catalogue())
    assert run("lint", "--list-rules").output == text
    records = [json.loads(line) for line in run("rules", "--format", "json").output.splitlines()]
    assert {r["id"] for r in records} == set(catalogue())
    assert {r["id"] for r in map(json.loads, run("rules", "H", "--format", "json").output.splitlines())} == \
        {i for i in catalogue() if i.startswith("H")}


def test_every_rule_names_its_source():
    """A page, a dataset, a file of checks/, or "project:" with what makes it the tool's own rule."""
    for rule in catalogue().values():
        source = rule.source or ""
        assert re.match(r"(https?://|RFC |project: \S|checks/|caniemail|SpamAssassin|W3C|WCAG)", source), \
            f"{rule.id} names no source: {source!r}"


def test_docs_rules_md_is_generated_and_current():
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(), "docs/rules.md is stale: run python -m newsletter.lint.docs"
    assert all(f"### {rule_id}" in current for rule_id in catalogue())


def test_docs_limits_md_is_generated_and_current():
    current = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    assert current == limits_markdown(), "docs/limits.md is stale: run python -m newsletter.lint.docs"
    assert "| `max_cname_chain` | 11 |" in current  # a value, beside its reason


def test_pre_commit_hooks_file_runs_the_lint_command_on_template_files():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: newsletter-lint" in text and "entry: newsletter lint" in text
    pattern = re.search(r"^  files: (.+)$", text, re.MULTILINE).group(1)
    for name in ("a.html", "b.htm", "c.j2", "d.jinja", "e.eml"):
        assert re.search(pattern, name), name
    assert not re.search(pattern, "f.py")


def test_example_ci_workflow_uploads_sarif():
    workflow = (ROOT / "examples" / "ci" / "lint-templates.yml").read_text(encoding="utf-8")
    assert "newsletter lint" in workflow and "--format sarif" in workflow
    assert "github/codeql-action/upload-sarif" in workflow


@requires_shared
@pytest.mark.parametrize("path", corpus_files("**/*.html", "**/*.eml"), ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_lints_without_a_crash(path: Path):
    (result,) = lint_paths([path])
    assert all(f.rule in catalogue() for f in result.findings)


@requires_shared
def test_corpus_findings_are_plausible():
    """Known facts about the corpus: Postmark templates use Mustache syntax that is not Jinja,
    colorlib's MJML output has unsubscribe links, Postmark's basic layouts @import a web font."""
    found = {r.path.rsplit("/", 1)[-1]: r.findings for r in lint_paths([CORPUS])}
    results = {name: {f.rule for f in findings} for name, findings in found.items()}
    assert "T001" in results["postmark__basic__receipt.html"]  # {{#each}}
    assert any(f.rule == "E001" and f.message.startswith("CSS @import")  # of Nunito Sans
               for f in found["postmark__basic__welcome.html"])
    assert not any("C010" in rules for name, rules in results.items() if name.startswith("colorlib"))
    assert not any(rules & {"H003", "H004"} for name, rules in results.items() if name.endswith(".eml"))
