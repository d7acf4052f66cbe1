"""Resource limits on untrusted templates (issue 12): each of the attacker's reproductions is one
clear line naming the template line, never a traceback, a gigabyte of memory or a hang."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from helpers import assert_one_line_error, run_cli
from newsletter.errors import NewsletterError
from newsletter.render import budget
from newsletter.render.environment import load_template, make_environment, render_template

SENDER = ("--from", "Shop <shop@example.com>", "--to", "a@example.com", "--kind", "transactional")
VALUE = "the template builds a value of"
RECURSION = "the template recurses too deeply"

# (what goes on line 3 of the template, what the one line says)
REPRODUCTIONS = {
    "macro calling itself": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", RECURSION),
    "template including itself": ('{% include "t.html" %}', RECURSION),
    "block rendering itself": ("{% block content %}{{ self.content() }}{% endblock %}", RECURSION),
    "string repeated": ("{{ 'x'*10**10 }}", f"{VALUE} 10,000,000,000 characters"),
    "list repeated": ("{{ [1]*10**9 }}", f"{VALUE} 1,000,000,000 characters or items"),
    "huge join": ('{{ range(100000)|join("x"*100000) }}', VALUE),
    "method join": ('{{ ("x"*100000).join(range(100000)|map("string")) }}', VALUE),
    "nested range loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                           "more than 1,000,000 loop iterations and calls"),
    "lipsum": ("{{ lipsum(10**6) }}", VALUE),
    "constant folded power": ("{{ (10**(10**8)) > 0 }}", "a number of more than 4,300 digits"),
    "center filter": ('{{ "x"|center(1000000000) }}', f"{VALUE} 1,000,000,000"),
    "center method": ('{{ "x".center(10**9) }}', f"{VALUE} 1,000,000,000"),
    "zfill": ('{{ "x".zfill(1000000000) }}', f"{VALUE} 1,000,000,000"),
    "indent": ('{{ "a\\nb"|indent(1000000000) }}', VALUE),
    "wordwrap": ('{{ ("a "*100000)|wordwrap(1, wrapstring="x"*1000) }}', VALUE),
    "replace": ('{{ ("a"*100000)|replace("a", "b"*1000) }}', VALUE),
    "str.format width": ("{{ '{:>1000000000}'.format(1) }}", VALUE),
    "nested format width": ("{{ '{:>{}}'.format(1, 1000000000) }}", VALUE),
    "percent width": ('{{ "%1000000000s" % 1 }}', VALUE),
    "format filter": ('{{ "%1000000000s"|format(1) }}', VALUE),
    "batch": ("{{ [1]|batch(1000000000, 0)|list }}", VALUE),
    "batch, arguments by name": ("{{ [1]|batch(linecount=1000000000, fill_with=0)|list }}", VALUE),
    "slice": ("{{ [1]|slice(1000000000)|list }}", VALUE),
    "join, separator by name": ('{{ range(100000)|join(d="x"*100000) }}', VALUE),
    "tojson indent": ("{{ range(10000)|list|tojson(indent=100000) }}", VALUE),
    "output": ('{% for i in range(100000) %}{{ "x" * 1000 }}{% endfor %}', "writes more than 10,000,000 characters"),
    "captured output": ('{% set x %}{% for i in range(100000) %}<p>{{ i }}{{ "y"*1000 }}</p>{% endfor %}{% endset %}',
                        "writes more than 10,000,000 characters"),
    "list grown in place": ("{% set l = [1] %}{% for i in range(40) %}{% set _ = l.extend(l) %}{% endfor %}", VALUE),
    "string doubled with ~": ('{% set ns = namespace(s="ab") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}'
                              "{% endfor %}", VALUE),
    "number doubled": ("{% set ns = namespace(n=3) %}{% for i in range(100000) %}{% set ns.n = ns.n * ns.n %}"
                       "{% endfor %}", "more than 4,300 digits"),
}


def write_template(folder, line3):
    template = folder / "t.html"
    template.write_text("{% block subject %}Hello{% endblock %}\n<p>ok</p>\n" + line3 + "\n<p>after</p>\n")
    return template


@pytest.mark.parametrize("case", REPRODUCTIONS)
def test_render_stops_with_one_line_at_the_template_line(tmp_path, case):
    line3, says = REPRODUCTIONS[case]
    started = time.monotonic()
    run = run_cli("render", write_template(tmp_path, line3), *SENDER)
    assert_one_line_error(run, "t.html:3:", "template limit:", says)
    assert time.monotonic() - started < 8  # well inside the render deadline: stopped by the limit


@pytest.mark.parametrize("case", ["string repeated", "lipsum", "center filter", "str.format width",
                                  "macro calling itself", "output"])
def test_lint_reports_the_limit_as_a_finding(tmp_path, case):
    line3, says = REPRODUCTIONS[case]
    run = run_cli("lint", write_template(tmp_path, line3), "--format", "json")
    assert run.exit_code == 1, run.stderr
    (record,) = [json.loads(text) for text in run.text.splitlines()]
    (error,) = [f for f in record["findings"] if f["rule"] == "T006"]
    assert says in error["message"] and error["location"]["line"] == 3


def test_lint_no_longer_hangs_on_a_power_folded_at_compile_time(tmp_path):
    """Jinja folded `10**(10**8)` while compiling: lint hung before rendering anything."""
    template = write_template(tmp_path, "{{ (10**(10**8)) > 0 }}")
    done = subprocess.run([sys.executable, "-m", "newsletter", "lint", str(template), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (error,) = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == "T006"]
    assert "4,300 digits" in error["message"] and error["location"]["line"] == 3


@pytest.mark.parametrize("line3, says", [
    ("<p>{{ " + "9" * 5000 + " }}</p>", "a number of 5,000 digits (at most 4,300)"),
    ("<p>{{ " + "[" * 5000 + "]" * 5000 + " }}</p>", "brackets or tags nested too deeply"),
    ("<p>{{ 1" + " + 1" * 5000 + " }}</p>", "nested more than 100 levels deep"),
    ("<p>{{ x" + "|e" * 5000 + " }}</p>", "nested more than 100 levels deep"),
    ("{% if 1 %}" * 3000 + "{% endif %}" * 3000, "brackets or tags nested too deeply"),
    ("{% for i in [1] %}" * 21 + "{% endfor %}" * 21, "more than 20 block tags nested"),
    ("{% if 1 %}" * 99 + "{% endif %}" * 99, "more than 20 block tags nested"),
])
def test_parser_limits_are_syntax_errors_at_their_line(tmp_path, line3, says):
    template = write_template(tmp_path, line3)
    assert_one_line_error(run_cli("render", template, *SENDER), "t.html:3:", "template syntax error", says)
    run = run_cli("lint", template, "--format", "json")
    (error,) = [f for f in json.loads(run.text)["findings"] if f["rule"] == "T001"]
    assert says in error["message"] and error["location"]["line"] == 3


@pytest.mark.parametrize("line3, shows", [
    ("{{ 'x' * 1000 }}", "x" * 1000),
    ("{{ [1, 2] * 3 }}", "[1, 2, 1, 2, 1, 2]"),
    ("{{ 2 ** 100 }}", str(2**100)),
    ("{{ (2 ** 14000) % 1000 }}", str(2**14000 % 1000)),
    ("{{ range(1000)|join(',') }}", "998,999"),
    ("{{ '{:>8}|{:.2f}'.format('a', 3.14159) }}", "       a|3.14"),
    ("{{ '%5s|%-3d|' % ('ab', 7) }}", "   ab|7  |"),
    ("{{ '%(a)s!'|format(a='hi') }}", "hi!"),
    ("{{ 'ab'|center(6) }}", "  ab  "),
    ("{{ 'a b c'|replace(' ', '--') }}", "a--b--c"),
    ("{% for row in range(10)|batch(3, 0) %}{{ row|sum }};{% endfor %}", "3;12;21;9;"),
    ("{{ lipsum(2, html=False)|length > 10 }}", "True"),
    ("{% for i in [1] %}" * 20 + "deep" + "{% endfor %}" * 20, "deep"),
    ("{{ 1" + " + 1" * 90 + " }}", "91"),
    ("{% set ns = namespace(l=[]) %}{% for i in range(100) %}{% set _ = ns.l.append(i) %}{% endfor %}{{ ns.l|length }}",
     "100"),
    ("{% for i in range(300) %}{% for j in range(300) %}{% endfor %}{% endfor %}done", "done"),
])
def test_ordinary_templates_are_untouched(tmp_path, line3, shows):
    run = run_cli("render", write_template(tmp_path, line3), *SENDER, "--format", "html")
    assert run.exit_code == 0, run.stderr
    assert shows in run.text.replace("&#39;", "'")


def test_the_render_deadline(tmp_path, monkeypatch):
    """Work that is slow without many steps stops at the deadline (here 0.3 s)."""
    limits = dataclasses.replace(budget.template_limits(), seconds=0.3)
    monkeypatch.setattr(budget, "template_limits", lambda: limits)
    slow = "{% for i in range(2000) %}{% set x = range(100000)|list|sort|reverse|list %}{% endfor %}"
    started = time.monotonic()
    run = run_cli("render", write_template(tmp_path, slow), *SENDER)
    assert_one_line_error(run, "t.html:3:", "takes more than 0.3 seconds")
    assert time.monotonic() - started < 5


def test_the_budget_is_per_render(tmp_path, monkeypatch):
    """Each render starts afresh: many small renders never add up to a limit."""
    limits = dataclasses.replace(budget.template_limits(), steps=500)
    monkeypatch.setattr(budget, "template_limits", lambda: limits)
    template = write_template(tmp_path, "{% for i in range(400) %}{% endfor %}done")
    for _ in range(3):
        run = run_cli("render", template, *SENDER, "--format", "html")
        assert run.exit_code == 0 and "done" in run.text, run.stderr
    template.write_text("{% block subject %}Hello{% endblock %}\n{% for i in range(600) %}{% endfor %}\n")
    assert_one_line_error(run_cli("render", template, *SENDER), "t.html:2:", "more than 500 loop iterations")


def test_bulk_rejects_the_row_whose_data_blows_the_template_up(tmp_path):
    template = tmp_path / "t.html"
    template.write_text("{% block subject %}Hello{% endblock %}\n<p>{{ name * times }}</p>\n")
    recipients = tmp_path / "r.jsonl"
    rows = [{"email": "a@example.com", "name": "ab", "times": 3},
            {"email": "b@example.com", "name": "ab", "times": 10**9},
            {"email": "c@example.com", "name": "cd", "times": 2}]
    recipients.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "out"
    run = run_cli("render", template, "--recipients", recipients, "--out-dir", out, "--jobs", "1",
                  "--from", "shop@example.com", "--kind", "transactional")
    assert run.exit_code == 1 and "Traceback" not in run.stderr
    assert "3 rows read, 2 rendered, 1 rejected" in run.stderr
    (reject,) = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert reject["email"] == "b@example.com" and "2,000,000,000 characters" in reject["reason"]
    assert sorted(p.name for p in out.glob("*.eml")) == ["000001.eml", "000003.eml"]


def test_starter_templates_render_as_before():
    run = run_cli("render", ROOT / "templates/promotional/flash-sale.html", "--data",
                  ROOT / "examples/boutique/sale.json", "--format", "html")
    assert run.exit_code == 0, run.stderr
    assert "HIVER30" in run.text


def test_memory_error_is_one_line_at_the_template_line(tmp_path):
    """No template can reach a MemoryError past the limits; a filter of the caller's can."""
    template = write_template(tmp_path, "{{ 'x'|exhaust }}")
    env = make_environment(template)

    def exhaust(value):
        raise MemoryError

    env.filters["exhaust"] = exhaust
    with pytest.raises(NewsletterError, match="not enough memory") as caught:
        render_template(load_template(env, template), {})
    assert caught.value.line == 3 and "t.html:3:" in str(caught.value)


def test_long_runs_of_letters_cost_the_number_check_little(tmp_path):
    """Looking for a too-long number must stay linear: 200 runs of 4,300 letters (a long token,
    an inline image's data) took a quadratic search about a minute."""
    text = ("a" * 4300 + " ") * 200
    template = write_template(tmp_path, "<p>" + text + "{{ 12345 }}</p>")
    started = time.monotonic()
    run = run_cli("render", template, *SENDER, "--format", "text")
    assert run.exit_code == 0, run.stderr
    assert "12345" in run.text and time.monotonic() - started < 10
