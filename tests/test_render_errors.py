"""Bad input: one clear line on stderr, exit 2, no traceback, nothing half-written."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from helpers import assert_one_line_error, parse_eml, part, run_cli

ORDER = ROOT / "templates/transactional/order-confirmation.html"
ORDER_DATA = ROOT / "examples/boutique/order.json"
SENDER = ("--from", "Shop <shop@example.com>", "--to", "a@example.com", "--kind", "transactional")


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_template_syntax_error_names_file_and_line(tmp_path):
    template = write(tmp_path, "t.html", "<p>ok</p>\n<p>{% if %}</p>\n")
    out = tmp_path / "out.eml"
    run = run_cli("render", template, *SENDER, "--subject", "s", "-o", out)
    assert_one_line_error(run, "t.html:2:", "template syntax error")
    assert not out.exists() and list(tmp_path.iterdir()) == [template]


def test_undefined_variable_names_it_and_its_line(tmp_path):
    template = write(tmp_path, "t.html", "{% block subject %}Hi{% endblock %}\n<p>a</p>\n<p>{{ coupon_code }}</p>\n")
    run = run_cli("render", template, *SENDER)
    assert_one_line_error(run, "t.html:3:", "'coupon_code' is undefined")


def test_undefined_variable_in_the_shared_layout_names_the_layout(tmp_path):
    write(tmp_path, "newsletter.toml", "")  # the project: its templates find the layout above them
    write(tmp_path, "base.html", "<html>\n<body>\n{{ shop.name }}\n{% block content %}{% endblock %}</body></html>")
    child = tmp_path / "promotional"
    child.mkdir()
    template = write(child, "t.html", '{% extends "base.html" %}{% block subject %}S{% endblock %}')
    run = run_cli("render", template, *SENDER)
    assert_one_line_error(run, "base.html:3:", "'shop' is undefined")


def test_sandbox_refuses_python_internals(tmp_path):
    template = write(tmp_path, "t.html", "{% block subject %}S{% endblock %}\n{{ ''.__class__.__mro__ }}\n")
    run = run_cli("render", template, *SENDER)
    assert_one_line_error(run, "t.html:2:", "unsafe")


def test_invalid_json_data_names_line_and_column(tmp_path):
    data = write(tmp_path, "d.json", '{\n  "a": 1,\n  "b": ,\n}\n')
    run = run_cli("render", ORDER, "--data", data)
    assert_one_line_error(run, "d.json:3:8:", "invalid JSON")


def test_unreadable_data_file(tmp_path):
    run = run_cli("render", ORDER, "--data", tmp_path / "missing.json")
    assert run.exit_code == 2 and "Traceback" not in run.stderr and "missing.json" in run.stderr


def test_data_must_be_an_object(tmp_path):
    data = write(tmp_path, "d.json", "[1, 2]")
    assert_one_line_error(run_cli("render", ORDER, "--data", data), "d.json:1:", "JSON object")


# Issue 12, item 12: data nested 100,000 deep, a 100,000-digit integer or a value over 10 MB gave a
# traceback in render, markup and lint (RecursionError, ValueError, libxml2's text-node limit).
HOSTILE_DATA = {
    "deep": ('{"email": "a@example.com", "items": ' + "[" * 100_000 + "]" * 100_000 + "}",
             "d.json:1:", "nested more than 64 levels deep"),
    "digits": ('{"email": "a@example.com",\n "total": 1' + "0" * 100_000 + "}",
               "d.json:2:11:", "a number of 100,001 characters"),
    "size": ('{"email": "a@example.com", "first_name": "' + "x" * 10_500_000 + '"}',
             "d.json:", "larger than the limit of 5,242,880 bytes"),
}


@pytest.mark.parametrize("command", ["render", "markup", "lint"])
@pytest.mark.parametrize("case", sorted(HOSTILE_DATA))
def test_hostile_data_is_one_clear_error(tmp_path, command, case):
    text, *fragments = HOSTILE_DATA[case]
    data = write(tmp_path, "d.json", text)
    target = ROOT / "templates/promotional/newsletter.html"
    args = ["lint", "--data", data, target] if command == "lint" else [command, target, "--data", data]
    assert_one_line_error(run_cli(*args), *fragments)


def test_data_nested_within_the_limit_renders(tmp_path):
    nested: dict = {"leaf": "Feuille"}
    for _ in range(62):
        nested = {"n": nested}  # with the document itself, 64 levels: the limit
    data = write(tmp_path, "d.json", json.dumps({**json.loads(ORDER_DATA.read_text()), "deep": nested,
                                                  "big": 10 ** 99}))
    run = run_cli("render", ORDER, "--data", data)
    assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize("to", ["not-an-address", "a@", "Camille <camille@>", "a@b@c.example"])
def test_to_must_be_an_address(to):
    run = run_cli("render", ORDER, "--data", ORDER_DATA, "--to", to)
    assert_one_line_error(run, "recipient")


@pytest.mark.parametrize(
    "option, value",
    [
        ("--subject", "Hello\r\nBcc: victim@example.com"),
        ("--subject", "Hello\nBcc: victim@example.com"),
        ("--to", "a@example.com\r\nBcc: victim@example.com"),
        ("--from", "Shop <shop@example.com>\nBcc: victim@example.com"),
        ("--reply-to", "r@example.com\r\nBcc: victim@example.com"),
        ("--unsubscribe-url", "https://x.example/u\r\nBcc: victim@example.com"),
    ],
)
def test_line_breaks_in_header_values_are_refused(option, value):
    run = run_cli("render", ROOT / "templates/promotional/flash-sale.html",
                  "--data", ROOT / "examples/boutique/sale.json", option, value)
    assert_one_line_error(run, "line break U+000", option.lstrip("-"))


def test_line_break_coming_from_data_into_the_subject_is_refused(tmp_path):
    data = json.loads(ORDER_DATA.read_text(encoding="utf-8"))
    data["order"]["number"] = "1\r\nBcc: victim@example.com"
    bad = write(tmp_path, "d.json", json.dumps(data))
    assert_one_line_error(run_cli("render", ORDER, "--data", bad), "line break U+000D in the Subject header")


def test_line_break_in_a_display_name_from_data_is_refused(tmp_path):
    data = json.loads(ORDER_DATA.read_text(encoding="utf-8"))
    data["first_name"] = "Camille\nBcc: victim@example.com"
    bad = write(tmp_path, "d.json", json.dumps(data))
    assert_one_line_error(run_cli("render", ORDER, "--data", bad, "--subject", "S"), "line break")


def test_unknown_kind_is_a_usage_error():
    run = run_cli("render", ORDER, "--data", ORDER_DATA, "--kind", "newsletter")
    assert run.exit_code == 2 and "Traceback" not in run.stderr and "--kind" in run.stderr


def test_unknown_kind_declared_by_the_template(tmp_path):
    template = write(tmp_path, "t.html", "{% block kind %}marketing{% endblock %}{% block subject %}S{% endblock %}")
    run = run_cli("render", template, "--from", "a@example.com", "--to", "b@example.com")
    assert_one_line_error(run, "unknown kind 'marketing'", "transactional")


def test_kind_cannot_be_told(tmp_path):
    template = write(tmp_path, "t.html", "{% block subject %}S{% endblock %}<p>x</p>")
    run = run_cli("render", template, "--from", "a@example.com", "--to", "b@example.com")
    assert_one_line_error(run, "t.html", "--kind")


def test_missing_sender(tmp_path):
    template = write(tmp_path, "t.html", "{% block subject %}S{% endblock %}<p>x</p>")
    run = run_cli("render", template, "--to", "b@example.com", "--kind", "transactional")
    assert_one_line_error(run, "no sender", "--from")


def test_missing_subject(tmp_path):
    template = write(tmp_path, "t.html", "<p>x</p>")
    assert_one_line_error(run_cli("render", template, *SENDER), "no subject")


def test_an_empty_subject_option_is_named_in_the_fix(tmp_path):
    template = write(tmp_path, "t.html", "<p>x</p>")
    assert_one_line_error(run_cli("render", template, *SENDER, "--subject", "  "), "no subject", "give --subject a text")


def test_promotional_without_unsubscribe_url(tmp_path):
    template = write(tmp_path, "t.html", "{% block subject %}S{% endblock %}<p>x</p>")
    run = run_cli("render", template, "--from", "a@example.com", "--to", "b@example.com", "--kind", "promotional")
    assert_one_line_error(run, "unsubscribe URL", "unsubscribe_url")


@pytest.mark.parametrize(
    "config, fragments",
    [
        ('sender_adress = "a@example.com"\n', ("unknown key 'sender_adress'", "did you mean 'sender_address'")),
        ('sender_address = "not an address"\n', ("sender_address",)),
        ('unsubscribe_url = "http://x.example/u"\n', ("https",)),
        ('sender_address = 3\n', ("must be a non-empty string",)),
        ('sender_address = "a@example.com\n', ("newsletter.toml:1", "invalid TOML")),
        ("lint = 3\n", ("[lint] must be a table",)),
        ("[dns]\nselector = \"s1\"\n", ("unknown key 'dns'",)),
    ],
)
def test_config_errors(tmp_path, config, fragments):
    write(tmp_path, "newsletter.toml", config)
    template = write(tmp_path, "t.html", "{% block subject %}S{% endblock %}<p>x</p>")
    assert_one_line_error(run_cli("render", template, *SENDER), "newsletter.toml", *fragments)


def test_recipient_data_with_html_is_escaped(tmp_path):
    data = json.loads(ORDER_DATA.read_text(encoding="utf-8"))
    data["first_name"] = '<script>alert("x")</script> & <b>Cie</b>'
    run = run_cli("render", ORDER, "--data", write(tmp_path, "d.json", json.dumps(data)))
    assert run.exit_code == 0, run.stderr
    html = part(parse_eml(run.stdout), "html")
    assert "<script>alert" not in html and "<b>Cie</b>" not in html
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;Cie&lt;/b&gt;' in html
    # the text part shows the name as the customer typed it, not as entities
    assert '<script>alert("x")</script> & <b>Cie</b>' in part(parse_eml(run.stdout), "plain")
