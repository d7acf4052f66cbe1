"""What a recipient list brings to the template, said once per campaign (issue 12, item 13):
list columns the template never uses, values the shared data gives every recipient for want of
a column, and recipient values that are empty; in --dry-run as in a real run."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from conftest import ROOT
from helpers import run_cli

FROM = ("--from", "Boutique <shop@example.com>", "--unsubscribe-url", "https://shop.example/u?e={{ email | urlencode }}")


def campaign(tmp_path: Path, template: str, data: dict, recipients: str) -> tuple[Path, Path, Path]:
    folder = tmp_path / "promotional"
    folder.mkdir()
    (folder / "t.html").write_text("{% block subject %}Nouveautés{% endblock %}" + template
                                   + '<a href="{{ unsubscribe_url }}">Se désinscrire</a>', encoding="utf-8")
    (tmp_path / "d.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "list.csv").write_text(recipients, encoding="utf-8")
    return folder / "t.html", tmp_path / "d.json", tmp_path / "list.csv"


def lines_with(stderr: str, rule: str) -> list[str]:
    return [line for line in stderr.splitlines() if f" {rule} " in line]


@pytest.mark.parametrize("mode", ["out-dir", "dry-run"])
def test_a_shared_value_that_fills_a_recipient_variable_is_said_once(tmp_path, mode):
    # The reproduction: an `Email;Prénom` list, shared data with `prenom`: every
    # recipient was greeted « Hélène », silently.
    template, data, recipients = campaign(
        tmp_path, "<p>Bonjour {{ prenom }},</p><p>{{ offre }}</p>",
        {"email": "helene@example.com", "prenom": "Hélène", "offre": "-20 %", "produits": ["Bougie"]},
        "Email;Prénom\nanne@example.com;Anne\nbruno@example.com;Bruno\nchloe@example.com;Chloé\n")
    out = tmp_path / "out"
    where = ["--out-dir", out] if mode == "out-dir" else ["--dry-run"]
    run = run_cli("render", template, "--data", data, "--recipients", recipients, "--jobs", "1", *FROM, *where)
    assert run.exit_code == 0, run.stderr
    [shared] = lines_with(run.stderr, "R011")
    assert shared.startswith(f"{recipients}:1: warning R011 the same for every recipient, from the shared data")
    assert "'offre' = '-20 %', 'prenom' = 'Hélène' (the list's column 'Prénom' is not used)" in shared
    assert "produits" not in shared  # a list is the campaign's, not a recipient's
    [unused] = lines_with(run.stderr, "R010")
    assert unused.startswith(f"{recipients}:1: info R010 the template never uses the list's column 'Prénom'")
    if mode == "out-dir":  # said, not changed: the shop decides
        for path in sorted(out.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert "Bonjour Hélène," in message.get_body(("html",)).get_content()


def test_campaign_values_alone_are_information(tmp_path):
    template, data, recipients = campaign(
        tmp_path, "<p>Bonjour {{ prenom }},</p><p>{{ offre }}</p>", {"offre": "-20 %"},
        "email,prenom\nanne@example.com,Anne\n")
    run = run_cli("render", template, "--data", data, "--recipients", recipients, "--dry-run", *FROM)
    assert run.exit_code == 0, run.stderr
    [shared] = lines_with(run.stderr, "R011")
    assert " info R011 " in shared and "'offre' = '-20 %'" in shared
    assert lines_with(run.stderr, "R010") == [] and lines_with(run.stderr, "R012") == []


def test_a_to_header_name_from_the_shared_data_is_a_warning(tmp_path):
    template, data, recipients = campaign(
        tmp_path, "<p>Bonjour {{ first_name }},</p>", {"first_name": "Camille"},
        "email,prenom\nanne@example.com,Anne\n")
    run = run_cli("render", template, "--data", data, "--recipients", recipients, "--dry-run", *FROM)
    [shared] = lines_with(run.stderr, "R011")
    assert " warning R011 " in shared and "'first_name' = 'Camille'" in shared
    [unused] = lines_with(run.stderr, "R010")
    assert "'prenom'" in unused


@pytest.mark.parametrize("mode", ["out-dir", "dry-run"])
def test_an_empty_recipient_value_is_a_warning(tmp_path, mode):
    template, data, recipients = campaign(
        tmp_path, "<p>Bonjour {{ prenom }},</p>", {},
        "email,prenom\na@example.com,Anne\nb@example.com,\nc@example.com,Chloé\nd@example.com,  \n"
        "e@example.com,\nf@example.com,\n")
    where = ["--out-dir", tmp_path / "out"] if mode == "out-dir" else ["--dry-run"]
    run = run_cli("render", template, "--data", data, "--recipients", recipients, "--jobs", "1", *FROM, *where)
    assert run.exit_code == 0, run.stderr
    assert "6 rows read, 6 rendered, 0 rejected" in run.stderr
    [empty] = lines_with(run.stderr, "R012")
    assert empty.startswith(f"{recipients}:3: warning R012 'prenom' is empty for 4 recipients (lines 3, 5, 6, …)")
    assert "{% if prenom %}" in empty


def test_the_example_campaign_names_its_unused_columns_only(tmp_path):
    run = run_cli("render", ROOT / "templates/promotional/newsletter.html", "--data", ROOT / "examples/boutique/sale.json",
                  "--recipients", ROOT / "examples/boutique/recipients.csv", "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert lines_with(run.stderr, "R011") == [] and lines_with(run.stderr, "R012") == []
    [unused] = lines_with(run.stderr, "R010")
    assert unused.endswith("the template never uses the list's columns 'city', 'loyalty' (fix: If the column is "
                           "meant for a variable, name it as the template does; otherwise an unused column is harmless.)")


def test_a_template_included_by_name_at_run_time(tmp_path):
    # Which variables it reads cannot be known: no column report, every message rendered in full.
    template, data, recipients = campaign(
        tmp_path, "<p>Bonjour {{ prenom }},</p>{% include bloc %}", {},
        "email,prenom,bloc\na@example.com,Anne,b.html\n")
    (tmp_path / "promotional" / "b.html").write_text("<p>Bloc</p>", encoding="utf-8")
    run = run_cli("render", template, "--data", data, "--recipients", recipients, "--out-dir", tmp_path / "out", *FROM)
    assert run.exit_code == 0, run.stderr
    assert "rendered in full" in run.stderr and "1 rows read, 1 rendered" in run.stderr
    assert lines_with(run.stderr, "R010") == [] and lines_with(run.stderr, "R011") == []


def test_an_include_with_a_syntax_error_is_one_clear_error_naming_it(tmp_path):
    template, data, recipients = campaign(tmp_path, '<p>{{ prenom }}</p>{% include "bloc.html" %}', {},
                                          "email,prenom\na@example.com,Anne\n")
    (tmp_path / "promotional" / "bloc.html").write_text("<p>\n{% if %}</p>", encoding="utf-8")
    run = run_cli("render", template, "--data", data, "--recipients", recipients, "--dry-run", *FROM)
    assert run.exit_code == 2 and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert "bloc.html:2: template syntax error" in line
