"""`newsletter init`: a project that renders, lints and checks as it is, from the repository's own
starter files, never replacing a file unless told, asking in a terminal."""

from __future__ import annotations

import os
import tomllib

import yaml

from conftest import ROOT
from helpers import assert_one_line_error, parse_eml, run_cli
from newsletter.config import load_config
from terminal import run_in_terminal

EXPECTED = [
    ".github/workflows/lint-templates.yml", ".gitignore", ".pre-commit-config.yaml", "newsletter.toml",
    "recipients.csv", "templates/base.html",
    "templates/promotional/flash-sale.html", "templates/promotional/flash-sale.json",
    "templates/promotional/newsletter.html", "templates/promotional/newsletter.json",
    "templates/transactional/order-confirmation.html", "templates/transactional/order-confirmation.json",
    "templates/transactional/password-reset.html", "templates/transactional/password-reset.json",
    "templates/transactional/shipping-notification.html", "templates/transactional/shipping-notification.json",
]


def files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_new_project_is_the_example_shop_and_renders_lints_and_checks(tmp_path):
    project = tmp_path / "shop"
    run = run_cli("init", project)
    assert run.exit_code == 0, run.stderr
    assert "16 files written" in run.text
    assert "\n  cd " in run.text  # another folder: the next steps start there
    assert files(project) == EXPECTED
    for name in EXPECTED:
        if name.startswith("templates/"):  # the repository's files, byte for byte (sample data through the links)
            assert (project / name).read_bytes() == (ROOT / name).read_bytes(), name
    assert (project / "recipients.csv").read_bytes() == (ROOT / "examples/boutique/recipients.csv").read_bytes()
    assert (project / ".github/workflows/lint-templates.yml").read_bytes() == \
        (ROOT / "examples/ci/lint-templates.yml").read_bytes()
    config = load_config(project / "newsletter.toml")
    assert (config.sender_name, config.sender_address, config.locale) == \
        ("Maison Lumière", "bonjour@maison-lumiere.example", "fr")

    sale = project / "templates/promotional/flash-sale"
    rendered = run_cli("render", f"{sale}.html", "--data", f"{sale}.json", "-o", project / "out/sale.eml")
    assert rendered.exit_code == 0, rendered.stderr
    assert run_cli("lint", project / "templates").exit_code == 0
    check = run_cli("check", project / "out/sale.eml", "--offline")
    assert check.exit_code == 0 and "tab: Promotions" in check.text


def test_the_shop_sender_and_language_given(tmp_path):
    project = tmp_path / "shop"
    run = run_cli("init", project, "--shop", 'L\'Atelier "Bleu"', "--sender", "news@atelier-bleu.example",
                  "--locale", "en")
    assert run.exit_code == 0, run.stderr
    assert "the starter templates' own text is the example shop's French" in run.stderr
    config = load_config(project / "newsletter.toml")
    assert config.sender_name == 'L\'Atelier "Bleu"' and config.locale == "en"
    assert config.unsubscribe_url == "https://atelier-bleu.example/unsubscribe?email={{ email | urlencode }}"
    assert config.list_id == 'L\'Atelier "Bleu" newsletter <newsletter.atelier-bleu.example>'
    assert config.section("smtp") == {}  # an example, commented out
    data = (project / "templates/promotional/newsletter.json").read_text(encoding="utf-8")
    assert '"name": "L\'Atelier \\"Bleu\\""' in data and '"url": "https://atelier-bleu.example"' in data
    template = project / "templates/promotional/newsletter"
    rendered = run_cli("render", f"{template}.html", "--data", f"{template}.json")
    assert rendered.exit_code == 0, rendered.stderr
    message = parse_eml(rendered.stdout)
    assert message["From"].addresses[0].addr_spec == "news@atelier-bleu.example"
    assert "Unsubscribe" in message.get_body(("html",)).get_content()  # the layout speaks the project's language


def test_nothing_is_replaced_unless_forced(tmp_path):
    project = tmp_path / "shop"
    assert run_cli("init", project).exit_code == 0
    (project / "templates/base.html").write_text("mine", encoding="utf-8")
    (project / "notes.txt").write_text("mine too", encoding="utf-8")
    refused = run_cli("init", project, "--shop", "Autre")
    assert_one_line_error(refused, "would replace templates/base.html and 15 more", "--force")
    assert (project / "templates/base.html").read_text() == "mine"
    assert "Maison Lumière" in (project / "newsletter.toml").read_text(encoding="utf-8")
    forced = run_cli("init", project, "--shop", "Autre", "--force")
    assert forced.exit_code == 0
    assert (project / "templates/base.html").read_bytes() == (ROOT / "templates/base.html").read_bytes()
    assert (project / "notes.txt").read_text() == "mine too"  # what init does not write is left alone


def test_bad_options_write_nothing(tmp_path):
    assert_one_line_error(run_cli("init", tmp_path / "a", "--sender", "pas une adresse"), "--sender")
    assert_one_line_error(run_cli("init", tmp_path / "b", "--shop", "Shop\nBcc: x@evil.example"), "--shop",
                          "line break")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_gitignore_keeps_output_and_personal_data_out(tmp_path):
    assert run_cli("init", tmp_path).exit_code == 0
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert "/out/" in ignored and "suppressions.jsonl" in ignored


def test_the_pre_commit_hook_is_the_repository_hook(tmp_path):
    assert run_cli("init", tmp_path).exit_code == 0
    [repo] = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"]
    [hook] = repo["hooks"]
    [published] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert repo["repo"] == "local"
    for key in ("id", "entry", "files", "types"):
        assert hook[key] == published[key], key


def test_the_ci_workflow_installs_the_published_name():
    workflow = yaml.safe_load((ROOT / "examples/ci/lint-templates.yml").read_text())
    steps = [step.get("run", "") for step in workflow["jobs"]["lint"]["steps"]]
    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    assert f"pip install {name}" in "\n".join(steps) and name == "newsletter-toolkit"


def test_init_asks_in_a_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    status, shown = run_in_terminal(
        ["init", "shop"], [("Shop name", "Ma Boutique"), ("Sender address", "news@ma-boutique.example"),
                           ("Language of the mail", "en")], cwd=tmp_path, env=env)
    assert status == 0, shown
    config = load_config(tmp_path / "shop/newsletter.toml")
    assert (config.sender_name, config.sender_address, config.locale) == \
        ("Ma Boutique", "news@ma-boutique.example", "en")


def test_a_project_started_here_needs_no_cd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_cli("init")
    assert run.exit_code == 0, run.stderr
    assert "next:\n  newsletter render" in run.text and " cd " not in run.text
