"""A template loads layouts and partials from its own project only (issue 12): the attacker's
reproductions, through render, lint, check and the preview, with real files in tmp_path."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import urllib.request

import pytest

from helpers import assert_one_line_error, run_cli
from newsletter.preview import PreviewSource, build_snapshot

SECRET = "TOPSECRET-42"
PASSWD = "root:x:0:0"
CONFIG = 'sender_address = "shop@example.com"\nlocale = "fr"\n'
OUTSIDE = "outside the project"
NOT_FOUND = "not found in the project"

# (template source, line of the offending tag, what the one line says)
REPRODUCTIONS = {
    "relative etc/passwd": ('{% block subject %}Hello{% endblock %}\n<p>{% include "etc/passwd" %}</p>\n', 2, NOT_FOUND),
    "absolute include": ('{% block subject %}Hello{% endblock %}\n<p>{% include "/etc/passwd" %}</p>\n', 2, OUTSIDE),
    "absolute extends": ('{% extends "/etc/passwd" %}\n{% block subject %}Hello{% endblock %}\n', 1, OUTSIDE),
    "secret in a parent folder": ('{% block subject %}Hello{% endblock %}\n\n<p>{% include "secret.txt" %}</p>\n', 3, NOT_FOUND),
    "proc": ('{% block subject %}Hello{% endblock %}\n<p>{% include "proc/self/cmdline" %}</p>\n', 2, NOT_FOUND),
    "dot-dot": ('{% block subject %}Hello{% endblock %}\n<p>{% include "../../../secret.txt" %}</p>\n', 2, OUTSIDE),
    "ignore missing does not hide it": (
        '{% block subject %}Hello{% endblock %}\n<p>{% include "/etc/passwd" ignore missing %}</p>\n', 2, OUTSIDE),
    "import": ('{% block subject %}Hello{% endblock %}\n{% import "/etc/passwd" as p %}\n', 2, OUTSIDE),
    "link out of the project": ('{% block subject %}Hello{% endblock %}\n<p>{% include "leak.html" %}</p>\n', 2, OUTSIDE),
}


@pytest.fixture
def shop(tmp_path):
    """tmp/secret.txt beside the project tmp/shop (newsletter.toml, templates/base.html,
    templates/transactional/), and a link in the project to the secret."""
    (tmp_path / "secret.txt").write_text(SECRET)
    folder = tmp_path / "shop" / "templates" / "transactional"
    folder.mkdir(parents=True)
    (tmp_path / "shop" / "newsletter.toml").write_text(CONFIG)
    (tmp_path / "shop" / "templates" / "base.html").write_text(
        '<html lang="fr"><body>{% block content %}{% endblock %}</body></html>\n')
    (folder / "leak.html").symlink_to(tmp_path / "secret.txt")
    return folder


def _template(folder, case, data=False):
    source, line, says = REPRODUCTIONS[case]
    template = folder / "t.html"
    template.write_text(source)
    if data:
        (folder / "t.json").write_text(json.dumps({"email": "camille@example.com"}))
    return template, line, says


def _no_leak(*outputs):
    for output in outputs:
        text = output if isinstance(output, str) else output.decode("utf-8", "replace")
        assert SECRET not in text and PASSWD not in text


@pytest.mark.parametrize("case", REPRODUCTIONS)
def test_render_refuses_with_one_line_naming_the_tag(shop, case):
    template, line, says = _template(shop, case)
    run = run_cli("render", template, "--to", "camille@example.com")
    assert_one_line_error(run, f"t.html:{line}:", says)
    _no_leak(run.stdout, run.stderr)


@pytest.mark.parametrize("command, data", [("lint", False), ("lint", True), ("check", True)],
                         ids=["lint with placeholders", "lint with sample data", "check"])
@pytest.mark.parametrize("case", REPRODUCTIONS)
def test_lint_and_check_report_it_at_the_tag(shop, case, command, data):
    template, line, says = _template(shop, case, data)
    run = run_cli(command, template, *(["--offline"] if command == "check" else []), "--format", "json")
    assert run.exit_code == 1, run.stderr
    (record,) = [json.loads(text) for text in run.text.splitlines()]
    errors = [f for f in record["findings"] if f["rule"] == "T006"]
    assert len(errors) == 1 and says in errors[0]["message"] and errors[0]["location"]["line"] == line
    _no_leak(run.stdout, run.stderr)


@pytest.mark.parametrize("case", REPRODUCTIONS)
def test_preview_shows_the_error_and_nothing_of_the_file(shop, case):
    template, line, says = _template(shop, case, data=True)
    snapshot = build_snapshot(PreviewSource(template))
    assert snapshot.error and f"t.html:{line}:" in snapshot.error and says in snapshot.error
    assert "\n" not in snapshot.error and snapshot.html == ""
    _no_leak(snapshot.error, *map(str, snapshot.watched))
    assert not any("secret" in path or "passwd" in path for path in snapshot.watched)


def test_the_nearest_layout_in_the_project_is_still_found(shop):
    template = shop / "t.html"
    template.write_text('{% extends "base.html" %}{% block subject %}Hello{% endblock %}'
                        '{% block content %}<p>Bonjour</p>{% endblock %}')
    run = run_cli("render", template, "--to", "camille@example.com", "--format", "html")
    assert run.exit_code == 0, run.stderr
    assert '<html lang="fr">' in run.text and "Bonjour" in run.text


def test_without_configuration_the_project_is_the_templates_folder(tmp_path):
    (tmp_path / "base.html").write_text("<html><body>{% block content %}{% endblock %}</body></html>")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "side.html").write_text("<p>beside</p>")
    template = tmp_path / "mail" / "t.html"
    template.write_text('{% block subject %}Hello{% endblock %}{% include "side.html" %}')
    run = run_cli("render", template, "--from", "a@example.com", "--to", "b@example.com",
                  "--kind", "transactional", "--format", "html")
    assert run.exit_code == 0 and "beside" in run.text, run.stderr
    template.write_text('{% extends "base.html" %}{% block subject %}Hello{% endblock %}')
    run = run_cli("render", template, "--from", "a@example.com", "--to", "b@example.com", "--kind", "transactional")
    assert_one_line_error(run, "t.html:1:", "'base.html' not found in the project", "without a newsletter.toml")


def test_template_dirs_add_a_folder_outside_the_project(tmp_path):
    (tmp_path / "shared-layouts").mkdir()
    (tmp_path / "shared-layouts" / "frame.html").write_text("<html><body>{% block content %}{% endblock %}</body></html>")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "newsletter.toml").write_text(CONFIG + 'template_dirs = ["../shared-layouts"]\n')
    template = tmp_path / "shop" / "t.html"
    template.write_text('{% extends "frame.html" %}{% block subject %}Hello{% endblock %}'
                        '{% block content %}<p>Bonjour</p>{% endblock %}')
    run = run_cli("render", template, "--to", "b@example.com", "--kind", "transactional", "--format", "html")
    assert run.exit_code == 0, run.stderr
    assert "<body><p>Bonjour</p></body>" in run.text.replace("\n", "")


def test_a_link_inside_the_project_to_a_file_inside_it_is_followed(shop):
    (shop / "alias.html").symlink_to(shop.parent / "base.html")
    template = shop / "t.html"
    template.write_text('{% extends "alias.html" %}{% block subject %}Hello{% endblock %}'
                        '{% block content %}<p>Bonjour</p>{% endblock %}')
    run = run_cli("render", template, "--to", "b@example.com", "--format", "html")
    assert run.exit_code == 0 and '<html lang="fr">' in run.text, run.stderr


@pytest.mark.parametrize("value, says", [
    ('"../shared"', "must be a list of folder names"),
    ('[""]', "must be a list of folder names"),
    ('["missing"]', "folder 'missing' not found"),
])
def test_template_dirs_is_validated(tmp_path, value, says):
    (tmp_path / "newsletter.toml").write_text(f"template_dirs = {value}\n")
    template = tmp_path / "t.html"
    template.write_text("{% block subject %}S{% endblock %}<p>x</p>")
    run = run_cli("render", template, "--from", "a@example.com", "--to", "b@example.com", "--kind", "transactional")
    assert_one_line_error(run, "newsletter.toml", "template_dirs", says)


def test_bulk_render_refuses_it_before_any_row(shop, tmp_path):
    template, _, says = _template(shop, "absolute include")
    recipients = tmp_path / "r.csv"
    recipients.write_text("email,first_name\ncamille@example.com,Camille\n")
    run = run_cli("render", template, "--recipients", recipients, "--out-dir", tmp_path / "out")
    assert_one_line_error(run, "t.html", says)
    assert not list((tmp_path / "out").glob("*.eml"))


def test_the_preview_server_shows_the_refusal(shop):
    """`newsletter preview` as a user runs it: the page's state carries the one line."""
    template, line, says = _template(shop, "absolute include", data=True)
    process = subprocess.Popen([sys.executable, "-m", "newsletter", "preview", str(template), "--port", "0",
                                "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(60, process.kill)  # never hang the suite
    watchdog.start()
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/", process.stderr.readline()).group(0)
        with urllib.request.urlopen(url + "state.json", timeout=30) as response:
            state = json.load(response)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
    assert f"t.html:{line}:" in state["error"] and says in state["error"]
    _no_leak(json.dumps(state))
