"""Fuzzing the template and data inputs through the commands a user runs (issue 12): hostile Jinja
(names outside the project, huge numbers and repetitions, nested loops, recursion, sandbox
escapes, broken syntax) through `render` and `lint`, and hostile `--data` JSON (deep nesting, long
numbers, control characters, any shape) through `render`. Whatever comes in: no traceback, exit
status 0, 1 or 2 (with one line on stderr), in bounded time."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings, strategies as st

from helpers import Run, run_cli

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SENDER = ("--from", "Boutique <shop@example.com>", "--to", "client@example.com", "--kind", "transactional")
DATA = {"name": "Zoé", "items": [{"title": "Bougie", "price": 24.5}], "count": 3}

# A project of its own (newsletter.toml marks its root) inside a folder holding a secret the
# templates must never read.
_ROOT = Path(tempfile.mkdtemp(prefix="fuzz-templates-"))
(_ROOT / "secret.txt").write_text("SECRET-OUTSIDE", encoding="utf-8")
PROJECT = _ROOT / "shop"
(PROJECT / "partials").mkdir(parents=True)
(PROJECT / "newsletter.toml").write_text('sender_address = "shop@example.com"\n', encoding="utf-8")
(PROJECT / "partials" / "footer.html").write_text("<p>{{ name }}</p>", encoding="utf-8")
(PROJECT / "data.json").write_text(json.dumps(DATA), encoding="utf-8")

NAMES = st.sampled_from([
    "partials/footer.html", "t.html", "/etc/passwd", "etc/passwd", "../secret.txt", "secret.txt",
    "proc/self/cmdline", "partials/../../secret.txt", "missing.html", "", "partials",
])
NUMBERS = st.one_of(st.integers(-10, 10**6).map(str), st.integers(1, 6000).map(lambda n: "9" * n),
                    st.sampled_from(["1e308", "1e309", "0.1", "-0", "10**(10**8)", "2**64"]))
STRINGS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12).map(json.dumps)
LEAVES = st.one_of(NUMBERS, STRINGS, st.sampled_from([
    "name", "items", "count", "undefined_name", "items[0].price", "range(100000)", "lipsum(10**6)",
    "''.__class__.__mro__", "cycler.__init__.__globals__", "self", "loop", "'{:>1000000000}'.format(1)",
    "namespace()", "joiner", "dict(a=1)",
]))


def _expression(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["*", "**", "+", "~", "//", "%", "-", "and", "in"]), children)
    filtered = st.tuples(children, st.sampled_from([
        "center(10**9)", "indent(10**9)", "wordwrap(1)", "join(',')", "replace('', 'xx')", "list", "string",
        "sum", "batch(10**7)", "truncate(5)", "tojson", "tojson(indent=10**9)", "format(1)", "urlencode",
        "safe", "length", "first", "reverse", "sort", "unique", "zfill(10**9)", "int", "float", "abs",
    ]))
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        filtered.map(lambda t: f"({t[0]} | {t[1]})"),
        st.tuples(children, children).map(lambda t: f"[{t[0]}, {t[1]}]"),
    )


EXPRESSIONS = st.recursive(LEAVES, _expression, max_leaves=6)


def _statements(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(["range(1000)", "range(100000)", "items", "name", "[1,2,3] * 10"]), children)
        .map(lambda t: f"{{% for x in {t[0]} %}}{t[1]}{{% endfor %}}"),
        st.tuples(EXPRESSIONS, children).map(lambda t: f"{{% if {t[0]} %}}{t[1]}{{% endif %}}"),
        st.tuples(EXPRESSIONS, children).map(lambda t: f"{{% set v = {t[0]} %}}{t[1]}{{{{ v }}}}"),
        children.map(lambda body: f"{{% macro m(n) %}}{body}{{{{ m(n) }}}}{{% endmacro %}}{{{{ m(1) }}}}"),
        st.tuples(st.integers(0, 10**6), children).map(
            lambda t: f"{{% block b{t[0]} %}}{t[1]}{{{{ self.b{t[0]}() }}}}{{% endblock %}}"),
        st.tuples(children, children).map(lambda t: t[0] + t[1]),
        children.map(lambda body: "{% raw %}" + body + "{% endraw %}"),
    )


VALID_PIECES = st.one_of(
    EXPRESSIONS.map(lambda e: "{{ " + e + " }}"),
    NAMES.map(lambda n: f'{{% include "{n}" %}}'),
    NAMES.map(lambda n: f'{{% include "{n}" ignore missing %}}'),
    NAMES.map(lambda n: f'{{% import "{n}" as lib %}}'),
    st.sampled_from(["<p>Bonjour</p>", "é € -50 % « soldes »", "<style>p{color:red}</style>", "\x00", "\x0b"]),
    st.text(st.characters(exclude_characters="{}%#"), max_size=20),
)
BROKEN_PIECES = st.one_of(st.sampled_from(["{{", "{%", "%}", "}}", "{#", "{% endfor %}", "{% if %}", "<style>p{",
                                           "{{ name }", "{{ 99999999999999999999999999 }}"]), st.text(max_size=20))
PIECES = st.one_of(VALID_PIECES, VALID_PIECES, VALID_PIECES, BROKEN_PIECES)
TEMPLATES = st.recursive(PIECES, _statements, max_leaves=8)
EXTENDS = st.one_of(st.just(""), NAMES.map(lambda n: f'{{% extends "{n}" %}}'))


def assert_well_behaved(run: Run) -> None:
    """Exit 0 or 1 with output, or exit 2 with one line on stderr; never a traceback, and never
    a file from outside the project."""
    assert run.exit_code in (0, 1, 2), (run.exit_code, run.stderr)
    event(f"exit {run.exit_code}" + (" " + run.stderr.split(": ")[3][:30] if run.exit_code == 2 and run.stderr.count(": ") > 2 else ""))
    assert "Traceback" not in run.stderr
    assert b"SECRET-OUTSIDE" not in run.stdout and "root:x:0:0" not in run.stdout.decode("utf-8", "replace")
    if run.exit_code == 2:
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr


@FUZZ
@given(extends=EXTENDS, body=TEMPLATES)
def test_any_template_renders_or_fails_in_one_line(extends, body):
    template = PROJECT / "t.html"
    source = extends + "{% block subject %}Commande{% endblock %}{% block content %}" + body + "{% endblock %}"
    template.write_text(source, encoding="utf-8")
    assert_well_behaved(run_cli("render", template, "--data", PROJECT / "data.json", "--format", "html", *SENDER))


@FUZZ
@given(body=TEMPLATES)
def test_any_template_lints_without_a_traceback(body):
    template = PROJECT / "t.html"
    template.write_text("<html lang='fr'><body>" + body + "</body></html>", encoding="utf-8")
    assert_well_behaved(run_cli("lint", template, "--data", PROJECT / "data.json", "--format", "json"))


HOSTILE_STRINGS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\x0bBcc: evil@attacker.example", "\u2028", "\x00", "a" * 100_000, "<script>x</script>",
                     "{{ 7*7 }}", "é€«»", "\ud7ff"]),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), HOSTILE_STRINGS),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(["name", "items", "count", "email", "x"]),
                                               children, max_size=4)),
    max_leaves=20,
)
RAW_JSON = st.one_of(
    st.integers(1, 200_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 200_000).map(lambda n: '{"count": 1' + "0" * n + "}"),
    st.integers(1, 2_000).map(lambda n: '{"name": ' + "{\"a\": " * n + "1" + "}" * n + "}"),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["", "{", '{"name": "\\ud800"}', "[]", "null", "\ufeff{}", '{"name": NaN}', '{"a":1,"a":2}']),
)


@FUZZ
@given(data=st.one_of(
    st.fixed_dictionaries({"name": JSON_VALUES, "items": JSON_VALUES, "count": JSON_VALUES}).map(json.dumps),
    JSON_VALUES.map(json.dumps), RAW_JSON))
def test_any_data_renders_or_fails_in_one_line(data):
    (PROJECT / "fuzz.json").write_text(data, encoding="utf-8", errors="surrogatepass")
    template = PROJECT / "order.html"
    template.write_text("{% block subject %}Commande{% endblock %}<p>{{ name }} {{ items }} {{ count }}</p>",
                        encoding="utf-8")
    assert_well_behaved(run_cli("render", template, "--data", PROJECT / "fuzz.json", "--format", "html", *SENDER))
