"""E rules: features the targeted mail clients lack, from the stored caniemail dataset; the
dataset's refresh (tools/refresh_caniemail.py) on a tarball shaped like the npm package."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.errors import NewsletterError
from newsletter.lint import lint_html
from newsletter.lint.clients import client_data, default_clients, resolve_clients

from conftest import ROOT
from lint_helpers import page

DEFAULTS = ("gmail.desktop-webmail", "gmail.ios", "gmail.android", "apple-mail.macos", "apple-mail.ios",
            "outlook.windows", "outlook.outlook-com", "yahoo.desktop-webmail", "orange.desktop-webmail",
            "sfr.desktop-webmail")


def e_findings(html: str):
    return [f for f in lint_html(html, path="message.html").findings if f.rule.startswith("E")]


def test_stored_copy_parses_names_its_source_and_covers_the_default_clients():
    stored = json.loads((ROOT / "checks/caniemail.json").read_text(encoding="utf-8"))
    assert stored["version"] == "2.0.2" and stored["licence"] == "MIT"
    assert "Permission is hereby granted" in stored["licence_notice"]
    assert stored["source"].startswith("npm package caniemail 2.0.2") and stored["data_updated"]
    data = client_data()
    assert default_clients() == DEFAULTS
    for client in DEFAULTS:  # every default client has results for nearly every feature
        tested = [f for f in data.features.values() if client in f.support]
        assert len(tested) > 250, client
    detected = [f for f in data.features.values() if f.detect]
    assert len(detected) >= len(data.features) - 2  # all but AMP and BIMI, which are not HTML


def test_grid_position_and_video_name_the_clients_and_the_note():
    findings = e_findings(page(css=".g { display: grid; }",
                               body='<div style="position:absolute">x</div><video src="https://v.example/a.mp4"></video>'))
    by_title = {f.message.split(":")[0]: f for f in findings}
    grid = by_title["CSS display"]  # 'CSS display:grid: ...'
    assert grid.rule == "E001" and "Outlook (Windows" in grid.message and "Orange (Desktop Webmail" in grid.message
    assert "note 1: Not supported with non Google accounts" in grid.message
    assert ".;" not in position_message(findings)  # the notes' own full stops do not run into the separator
    position = by_title["CSS position"]
    assert position.rule == "E001" and "Gmail (Desktop Webmail, iOS, Android)" in position.message
    video = by_title["HTML <video> element"]
    assert video.rule == "E001" and "Gmail (" in video.message and video.severity.value == "warning"
    assert video.location.line is not None
    assert len([f for f in findings if f.message.startswith("CSS position")]) == 1  # one finding per feature


def test_one_finding_per_feature_however_often_it_is_used():
    html = page(body="".join(f'<p style="position:relative">{i}</p>' for i in range(5)),
                css=".a { position: absolute } .b { position: fixed }")
    assert len([f for f in e_findings(html) if f.message.startswith("CSS position")]) == 1


def test_well_supported_features_give_no_finding():
    assert e_findings(page()) == []
    assert e_findings(page(css="td { color: #333333; font-family: Arial, sans-serif; }",
                           body='<table role="presentation"><tr><td style="color:#222222">Bonjour</td></tr></table>')) == []


def test_configured_clients_replace_the_default(tmp_path):
    (tmp_path / "newsletter.toml").write_text('[lint]\nclients = ["apple-mail"]\n', encoding="utf-8")
    (tmp_path / "m.html").write_text(page(body='<div style="position:absolute">x</div>'), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--select", "E", "--format", "json", str(tmp_path / "m.html")])
    findings = json.loads(result.output)["findings"]
    position = [f for f in findings if f["message"].startswith("CSS position")]
    # Apple Mail supports relative and absolute but not sticky or fixed: partial, an info.
    assert [f["rule"] for f in position] == ["E002"] and "Gmail" not in position[0]["message"]


def test_unknown_client_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "newsletter.toml").write_text('[lint]\nclients = ["lotus-notes"]\n', encoding="utf-8")
    (tmp_path / "m.html").write_text(page(), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "m.html")])
    assert result.exit_code == 2
    assert "unknown mail client 'lotus-notes'" in result.output and "Traceback" not in result.output
    with pytest.raises(NewsletterError):
        resolve_clients(["gmail.fax"], where="test")
    assert resolve_clients(["Gmail"], where="test") == ("gmail.android", "gmail.desktop-webmail", "gmail.ios",
                                                         "gmail.mobile-webmail")


# --- the refresh script ---------------------------------------------------------------------------

def _refresh_module():
    spec = importlib.util.spec_from_file_location("refresh_caniemail", ROOT / "tools/refresh_caniemail.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tarball(path, data: dict) -> None:
    files = {"package/data/caniemail.json": json.dumps(data), "package/LICENSE": "MIT License\n\nCopyright X\n",
             "package/package.json": json.dumps({"name": "caniemail", "version": "9.9.9", "license": "MIT"})}
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            raw = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def test_refresh_transforms_the_npm_package(tmp_path):
    feature = {"category": "css", "url": "https://www.caniemail.com/features/x/", "keywords": None,
               "notes_by_num": {"1": "Only with Google accounts."}}
    data = {"api_version": "1.0.4", "last_update_date": "2026-05-13 14:45:41 +0000",
            "nicenames": {"family": {"gmail": "Gmail"}, "platform": {"ios": "iOS"}},
            "data": [
                {**feature, "slug": "css-display-grid", "title": "display:grid",
                 "stats": {"gmail": {"ios": {"2020-01": "n", "2026-04": "a #1"}}}},
                {**feature, "slug": "css-at-font-face", "title": "@font-face", "stats": {"gmail": {"ios": {"2019": "y"}}}},
                {**feature, "slug": "html-video", "title": "<video> element", "category": "html", "stats": {}},
                {**feature, "slug": "css-gap", "title": "gap, column-gap, row-gap", "stats": {}},
            ]}
    _tarball(tmp_path / "caniemail-9.9.9.tgz", data)
    out = tmp_path / "caniemail.json"
    _refresh_module().refresh(tmp_path / "caniemail-9.9.9.tgz", out, fetched="2026-11-29")
    stored = json.loads(out.read_text(encoding="utf-8"))
    assert (stored["version"], stored["data_updated"], stored["fetched"]) == ("9.9.9", "2026-05-13", "2026-11-29")
    assert stored["licence"] == "MIT" and stored["licence_notice"].startswith("MIT License")
    assert stored["clients"] == {"gmail.ios": ["Gmail", "iOS"]}
    grid, font_face, video, gap = stored["features"]
    assert grid["detect"] == {"declaration": [["display", "grid"]]}
    assert grid["support"] == {"gmail.ios": ["a", [1]]}  # the latest version tested, with its note
    assert grid["notes"] == {"1": "Only with Google accounts."}
    assert font_face["detect"] == {"at_rule": ["font-face"]} and font_face["support"] == {"gmail.ios": ["y", []]}
    assert video["detect"] == {"element": ["video"]}
    assert gap["detect"] == {"property": ["gap", "column-gap", "row-gap"]}


def test_clients_command_lists_the_ids_and_marks_the_defaults():
    result = CliRunner().invoke(main, ["clients"])
    assert result.exit_code == 0 and result.output.startswith("caniemail 2.0.2 (data of 2026-05-13)")
    lines = result.output.splitlines()
    assert "* orange.desktop-webmail       Orange Desktop Webmail" in lines
    assert "  laposte.desktop-webmail      LaPoste.net Desktop Webmail" in lines
    rows = [json.loads(line) for line in CliRunner().invoke(main, ["clients", "--format", "json"]).output.splitlines()]
    assert sorted(r["id"] for r in rows if r["default"]) == sorted(DEFAULTS)


def test_a_decorative_feature_a_client_lacks_is_information():
    (radius,) = [f for f in e_findings(page(css=".b { border-radius: 4px; }")) if "border-radius" in f.message]
    assert radius.rule == "E002" and "not supported in Outlook (Windows" in radius.message


def test_a_feature_whose_title_names_its_category_is_not_named_twice():
    findings = e_findings(page(css=":root { --brand: #c00; } .a { color: var(--brand); }"))
    variables = [f for f in findings if "Variables" in f.message]
    assert variables and variables[0].message.startswith("CSS Variables (Custom Properties):")


def position_message(findings) -> str:
    return next(f.message for f in findings if f.message.startswith("CSS position"))
