"""A reader finds where a rule lives from its id alone: each catalogued rule is raised in exactly
one module, and every id raised is in the catalogue.

Read from the source: an id is raised where it is the first argument of a `finding(...)` call; an
id that is never passed so (a table of `(id, message)` pairs the module then raises) is raised
where it appears as a literal outside a comparison (`"C010" in rules` reads an id, it does not
raise one).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from newsletter.findings import catalogue

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "newsletter"


def _scan(ids: set[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(id -> modules that call finding("ID", ...), id -> modules holding it as a literal)."""
    called: dict[str, set[str]] = defaultdict(set)
    named: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PACKAGE.rglob("*.py")):
        module = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        compared = {id(node) for compare in ast.walk(tree) if isinstance(compare, ast.Compare)
                    for node in ast.walk(compare)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name == "finding" and isinstance(node.args[0].value, str):
                    called[node.args[0].value].add(module)
            elif isinstance(node, ast.Constant) and node.value in ids and id(node) not in compared:
                named[node.value].add(module)
    return called, named


def test_every_rule_is_raised_in_exactly_one_module():
    # A retired rule stays in the catalogue (its id keeps its meaning for old suppressions) but is
    # raised nowhere; its title says "(retired)".
    ids = {rule.id for rule in catalogue().values() if not rule.title.startswith("(retired)")}
    called, named = _scan(ids)
    where = {rule: called.get(rule) or named.get(rule, set()) for rule in ids}
    nowhere = sorted(rule for rule, modules in where.items() if not modules)
    several = {rule: sorted(modules) for rule, modules in where.items() if len(modules) > 1}
    assert not nowhere, f"catalogued but never raised: {nowhere}"
    assert not several, f"raised in more than one module: {several}"


def test_every_id_raised_is_catalogued():
    called, _ = _scan(set(catalogue()))
    assert not set(called) - set(catalogue()), sorted(set(called) - set(catalogue()))


def test_the_scan_sees_a_second_module(tmp_path, monkeypatch):
    """The test can fail: a rule raised in two modules is seen."""
    (tmp_path / "a.py").write_text('finding("C010", "x")\n')
    (tmp_path / "b.py").write_text('def f():\n    return finding("C010", "y")\nok = "C010" in rules\n')
    monkeypatch.setitem(globals(), "PACKAGE", tmp_path)
    called, named = _scan({"C010"})
    assert called["C010"] == {"a.py", "b.py"}
