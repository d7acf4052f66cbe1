"""Templates, sample data, .eml messages, folders, suppression and configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.lint import LintSettings, LoadOptions, Selection, lint_paths, read_suppressions, settings_from
from newsletter.render import Kind

from lint_helpers import page

TEMPLATE = """{% block kind %}promotional{% endblock %}
{% block subject %}Soldes : -50 % pour {{ first_name }}{% endblock %}
{% block preheader %}Les soldes d'hiver commencent{% endblock %}
<!DOCTYPE html>
<html lang="fr">
<head><title>Soldes</title></head>
<body>
<p>Bonjour {{ first_name }}, {{ intro }}</p>
<img src="https://boutique.example/soldes.png" width="600" height="300">
<p><a href="{{ unsubscribe_url }}">Se désinscrire</a></p>
</body>
</html>
"""


def lint_one(path: Path, **options) -> list:
    (result,) = lint_paths([path], options=LoadOptions(**options))
    return list(result.findings)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# A promotional template needs an unsubscribe URL in its configuration, or render refuses it
# (and so does lint: T006).
CONFIG = 'unsubscribe_url = "https://boutique.example/unsubscribe"\n'


def test_template_without_data_is_rendered_with_placeholders_and_lines_are_mapped(tmp_path):
    write(tmp_path, "newsletter.toml", CONFIG)
    template = write(tmp_path, "soldes.html", TEMPLATE)
    findings = lint_one(template)
    alt = next(f for f in findings if f.rule == "C001")
    assert alt.location.line == 9  # the <img> line of the template, not of the rendered HTML
    assert not {"T002", "T003", "T004", "T005", "T006", "C010"} & {f.rule for f in findings}


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_template_lines_are_mapped_whatever_the_line_breaks(tmp_path, newline):
    template = tmp_path / "soldes.html"
    template.write_bytes(TEMPLATE.replace("\n", newline).encode("utf-8"))
    alt = next(f for f in lint_one(template) if f.rule == "C001")
    assert alt.location.line == 9


def test_template_with_sibling_sample_data_is_rendered_and_missing_variables_reported(tmp_path):
    template = write(tmp_path, "soldes.html", TEMPLATE)
    write(tmp_path, "soldes.json", json.dumps({"first_name": "Élodie", "email": "elodie@example.com"}))
    findings = lint_one(template)
    rules = {f.rule for f in findings}
    assert "T006" in rules  # 'intro' is undefined: the strict render fails
    t002 = next(f for f in findings if f.rule == "T002")
    assert "'intro'" in t002.message and t002.location.line == 8


def test_template_rendered_with_complete_data_lints_the_inlined_html(tmp_path):
    write(tmp_path, "newsletter.toml", CONFIG)
    template = write(tmp_path, "soldes.html", TEMPLATE)
    data = write(tmp_path, "data.json", json.dumps({"first_name": "Élodie", "intro": "CLIQUEZ ICI", "email": "e@example.com"}))
    findings = lint_one(template, data_file=data)
    rules = {f.rule for f in findings}
    assert not {"T002", "T006"} & rules
    assert "C001" in rules


def test_jinja_syntax_error_is_a_finding_with_its_line_and_the_source_is_still_linted(tmp_path):
    broken = TEMPLATE.replace("{{ intro }}", "{{ intro }") + '<a href="javascript:x()">a</a>\n'
    findings = lint_one(write(tmp_path, "broken.html", broken))
    syntax = next(f for f in findings if f.rule == "T001")
    assert syntax.location.line == 8
    assert next(f for f in findings if f.rule == "C008").location.line == 13


def test_template_missing_blocks_and_kind(tmp_path):
    findings = lint_one(write(tmp_path, "bare.html", "<html lang='fr'><body>{{ x }}</body></html>"))
    assert {"T003", "T004", "T005"} <= {f.rule for f in findings}
    # The folder declares the kind.
    findings = lint_one(write(tmp_path / "promotional", "bare.html", "<html lang='fr'><body>{{ x }}</body></html>"))
    assert "T003" not in {f.rule for f in findings}
    # So does --kind.
    assert "T003" not in {f.rule for f in lint_one(tmp_path / "bare.html", kind=Kind.TRANSACTIONAL)}


def test_layout_extended_by_another_template_is_only_syntax_checked(tmp_path):
    write(tmp_path, "base.html", "<html><body>{% block content %}{% endblock %}</body></html>")
    child = write(tmp_path, "child.html", TEMPLATE.replace("<!DOCTYPE html>", '{% extends "base.html" %}'))
    results = {r.path.rsplit("/", 1)[-1]: r for r in lint_paths([tmp_path])}
    assert results["base.html"].findings == ()
    assert child.exists() and "A001" in {f.rule for f in results["child.html"].findings}


def test_folder_discovery_skips_partials_and_honours_exclude(tmp_path):
    write(tmp_path, "a.html", page())
    write(tmp_path, "_partial.html", "<p>x</p>")
    write(tmp_path, "notes.txt", "x")
    write(tmp_path, "drafts/b.html", page())
    names = [r.path.rsplit("/", 1)[-1] for r in lint_paths([tmp_path], LintSettings(exclude=("drafts/*", "*/drafts/*")))]
    assert names == ["a.html"]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(NewsletterError):
        list(lint_paths([tmp_path / "nope.html"]))


EML = """From: Boutique <news@boutique.example>, Other <other@boutique.example>
To: client@example.com
Subject: RE: -50 % SUR TOUT LE SITE !!!
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><body>
<img src="https://boutique.example/a.png">
</body></html>
"""


def test_eml_headers_and_html_part_with_file_lines(tmp_path):
    message = write(tmp_path / "promotional", "soldes.eml", EML)
    findings = lint_one(message)
    rules = {f.rule for f in findings}
    assert {"H001", "H003", "H004", "H005", "H006", "C004", "C011", "C012", "C001"} <= rules
    assert next(f for f in findings if f.rule == "C001").location.line == 9


def test_eml_with_one_click_unsubscribe_passes_the_header_rules(tmp_path):
    good = EML.replace(", Other <other@boutique.example>", "").replace("RE: -50 % SUR TOUT LE SITE !!!", "Soldes d'hiver")
    good = good.replace("MIME-Version: 1.0\n", "MIME-Version: 1.0\nDate: Fri, 11 Jul 2025 21:00:37 +0200\n"
                        "Message-ID: <1@boutique.example>\nList-Unsubscribe: <https://boutique.example/u>\n"
                        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n")
    rules = {f.rule for f in lint_one(write(tmp_path / "promotional", "ok.eml", good))}
    assert not {r for r in rules if r.startswith("H")}
    mailto_only = good.replace("<https://boutique.example/u>", "<mailto:u@boutique.example>")
    assert "H002" in {f.rule for f in lint_one(write(tmp_path / "promotional", "mailto.eml", mailto_only))}


# --- suppression ----------------------------------------------------------------------------------

def test_suppression_scopes():
    source = "{# newsletter: ignore[A001] #}\n<p>\n{# newsletter: ignore[C001,c002] #}\n<img src=x>\n<img src=y> {# newsletter: ignore #}\n<img src=z>\n"
    s = read_suppressions(source)
    from newsletter.findings import finding, Location

    def hidden(rule, line):
        return s.hides(finding(rule, "m", Location("f", line)))

    assert hidden("A001", None) and hidden("A001", 6)  # whole file
    assert hidden("C001", 4) and hidden("C002", 4) and not hidden("C001", 6)  # next line only
    assert hidden("G008", 5) and not hidden("G008", 6)  # same line, every rule


def test_inline_suppression_in_a_template_and_in_html(tmp_path):
    template = TEMPLATE.replace('<img src=', '{# newsletter: ignore[C001] #}\n<img src=')
    rules = {f.rule for f in lint_one(write(tmp_path, "t.html", template))}
    assert "C001" not in rules
    html = page(body='<!-- newsletter: ignore[C] -->\n<img src="https://b.example/a.png">')
    assert "C001" not in {f.rule for f in lint_one(write(tmp_path, "p.html", html))}


# --- selection and configuration ----------------------------------------------------------------

def test_select_and_ignore_prefixes():
    selection = Selection(select=("G", "C010"), ignore=("G013",))
    assert selection.keeps("G001") and selection.keeps("C010")
    assert not selection.keeps("G013") and not selection.keeps("C001")


def test_config_lint_table_is_validated_and_merged_with_flags():
    config = Config(sections={"lint": {"ignore": ["A"], "select": ["A", "G"]}})
    settings = settings_from(config, select=["C"], ignore=["C013"])
    assert settings.selection.select == ("C",) and settings.selection.ignore == ("A", "C013")
    with pytest.raises(NewsletterError, match="unknown key"):
        settings_from(Config(sections={"lint": {"selct": ["A"]}}))
    with pytest.raises(NewsletterError, match="list of strings"):
        settings_from(Config(sections={"lint": {"ignore": "A"}}))
    with pytest.raises(NewsletterError, match="unknown rule"):
        settings_from(Config(), select=["Z9"])


def test_layout_passed_alone_is_recognised_from_the_templates_beside_it(tmp_path):
    """pre-commit passes only the changed layout: its users are found in its folder."""
    write(tmp_path, "newsletter.toml", "")  # the project, in which a child finds the layout above it
    base = write(tmp_path, "base.html", "<html><body>{% block content %}{% endblock %}</body></html>")
    write(tmp_path, "promotional/child.html", '{% extends "base.html" %}{% block content %}x{% endblock %}')
    (result,) = lint_paths([base])
    assert result.findings == ()


def test_paths_are_resolved_through_links_as_path_resolve_does(tmp_path, monkeypatch):
    """Loading resolves each folder once; links to files and to folders still resolve fully."""
    from newsletter.document.load import Folders

    real_folder = tmp_path / "real"
    target = write(real_folder, "base.html", "<html></html>")
    (tmp_path / "linked").symlink_to(real_folder)
    (tmp_path / "alias.html").symlink_to(target)
    monkeypatch.chdir(tmp_path / "linked")
    folders = Folders()
    for path in (target, tmp_path / "linked" / "base.html", tmp_path / "alias.html", Path("base.html"),
                 Path("../linked/./base.html"), Path("missing.html"), tmp_path / "linked" / ".." / "alias.html"):
        assert folders.real(path) == path.resolve(), path


def test_a_layout_reached_through_a_linked_folder_is_still_a_layout(tmp_path):
    write(tmp_path, "newsletter.toml", "")
    write(tmp_path, "shared/base.html", "<html><body>{% block content %}{% endblock %}</body></html>")
    (tmp_path / "layouts").symlink_to(tmp_path / "shared")
    write(tmp_path, "shared/promotional/child.html", '{% extends "base.html" %}{% block content %}x{% endblock %}')
    (result,) = lint_paths([tmp_path / "layouts" / "base.html"])
    assert result.findings == ()


def test_html_files_in_cp1252_or_with_a_byte_order_mark_are_read_as_text(tmp_path):
    html = page(body="<p>Félicitations, vous êtes notre gagnant du mois.</p>")
    utf8 = tmp_path / "utf8.html"
    utf8.write_text(html, encoding="utf-8")
    (tmp_path / "bom.html").write_bytes(b"\xef\xbb\xbf" + html.encode("utf-8"))
    (tmp_path / "cp1252.html").write_bytes(html.encode("cp1252"))
    results = {Path(r.path).name: r for r in lint_paths([tmp_path])}
    spam = [f.message for f in results["utf8.html"].findings if f.rule == "C013"]
    assert "spam-trigger phrase « félicitations, vous »" in spam
    for name in ("bom.html", "cp1252.html"):
        same = [(f.rule, f.message, f.location.line) for f in results[name].findings]
        assert same == [(f.rule, f.message, f.location.line) for f in results["utf8.html"].findings], name


@pytest.mark.parametrize("from_line, message", [
    ("", "no From header"),
    ("From: \n", "no address in From ''"),
    ("From: :;0\n", "no address in From ':;0'"),  # the email package's own parser fails on this one
    ("From: Boutique\n", "no address in From 'Boutique'"),
])
def test_a_message_without_a_from_address_is_an_error_not_a_crash(tmp_path, from_line, message):
    good = EML.replace("From: Boutique <news@boutique.example>, Other <other@boutique.example>\n", from_line)
    findings = [f for f in lint_one(write(tmp_path / "promotional", "sans-from.eml", good)) if f.rule in ("H005", "H011")]
    assert [(f.rule, f.message) for f in findings] == [("H011", message)]


def test_a_header_the_email_parser_fails_on_is_kept_as_written():
    """`From: :;0` makes the email package's own address parser raise: the header is read as
    unstructured text, present and as written, rather than stopping the run or vanishing."""
    import email

    from newsletter.document.load import Folders

    message = email.message_from_string("From: :;0\nSubject: x\n\nbody\n", policy=Folders().message_policy)
    assert str(message["From"]) == ":;0" and str(message["Subject"]) == "x"
