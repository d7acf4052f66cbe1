"""The recipient's display name from the columns newsletter.toml names (`[recipients] name`), in
a real bulk run: the To header of each written message, the list's findings, the config's errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from helpers import assert_one_line_error, parse_eml, run_cli

TEMPLATE = ('{% extends "base.html" %}{% block kind %}promotional{% endblock %}'
            "{% block subject %}{{ prenom }}, nos nouvelles{% endblock %}{% block preheader %}Nouvelles{% endblock %}"
            "{% block content %}<p>Bonjour {{ prenom }},</p>{% endblock %}")
CONFIG = ('sender_address = "bonjour@maison-lumiere.example"\n'
          'unsubscribe_url = "https://maison-lumiere.example/u?e={{ email | urlencode }}"\n')
SHOP = ('{"shop": {"name": "Maison Lumière", "url": "https://maison-lumiere.example", "address": "Lyon", '
        '"logo": "https://maison-lumiere.example/logo.png"}}')


def project(tmp_path: Path, recipients: str) -> Path:
    shutil.copy(ROOT / "templates/base.html", tmp_path / "base.html")
    (tmp_path / "lettre.html").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "data.json").write_text(SHOP, encoding="utf-8")
    (tmp_path / "newsletter.toml").write_text(CONFIG + recipients, encoding="utf-8")
    (tmp_path / "liste.csv").write_text("email,prenom,nom\nhelene@example.com,Hélène,Dupont\nzoe@example.com,Zoé,\n",
                                        encoding="utf-8")
    return tmp_path


def bulk(folder: Path):
    return run_cli("render", folder / "lettre.html", "--data", folder / "data.json", "--recipients",
                   folder / "liste.csv", "--out-dir", folder / "out", "--jobs", "1")


def test_the_to_header_is_made_of_the_columns_named(tmp_path):
    folder = project(tmp_path, '[recipients]\nname = ["prenom", "nom"]\n')
    done = bulk(folder)
    assert done.exit_code == 0, done.stderr
    assert "R010" not in done.stderr  # the columns are read: for the To header
    first, second = (parse_eml((folder / "out" / name).read_bytes()) for name in ("000001.eml", "000002.eml"))
    assert str(first["To"]) == "Hélène Dupont <helene@example.com>"
    assert str(second["To"]) == "Zoé <zoe@example.com>"  # an empty column is left out
    raw = (folder / "out" / "000001.eml").read_bytes()
    assert b"To: =?utf-8?" in raw and "Hélène".encode() not in raw.split(b"\r\n\r\n")[0]  # RFC 2047 in the header


def test_without_the_setting_the_columns_are_not_a_name(tmp_path):
    folder = project(tmp_path, "")
    done = bulk(folder)
    assert done.exit_code == 0, done.stderr
    assert "R010" in done.stderr and "'nom'" in done.stderr  # never used: not by the template, not by To
    assert str(parse_eml((folder / "out" / "000001.eml").read_bytes())["To"]) == "helene@example.com"


@pytest.mark.parametrize("table, fragment", [
    ("[recipients]\nname = 3\n", "'recipients.name' must be a list of column names"),
    ("[recipients]\nnames = [\"prenom\"]\n", "unknown key 'recipients.names'"),
    ("[recipients]\nname = [\"prenom\", \"\"]\n", "'recipients.name' must be a list of column names"),
])
def test_a_wrong_setting_is_one_line_naming_the_file(tmp_path, table, fragment):
    folder = project(tmp_path, table)
    assert_one_line_error(bulk(folder), "newsletter.toml", fragment)
