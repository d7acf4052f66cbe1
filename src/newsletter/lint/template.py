"""T rules: the template itself (syntax, declared kind, subject and preheader blocks, sample data).

Syntax errors and render failures are found while loading (see `inputs`); this family reads the
parsed template that loading left in `LintInput.template`.
"""

from __future__ import annotations

from typing import Iterator

from jinja2 import TemplateError, meta, nodes

from ..findings import Finding, finding
from .model import LintInput

# Names the renderer puts in every template's context.
PROVIDED = frozenset({"kind", "locale", "unsubscribe_url", "email"})
# Jinja's own globals.
_JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "self", "super", "varargs", "kwargs", "caller"})


def template_rules(lint_input: LintInput) -> Iterator[Finding]:
    source = lint_input.template
    if source is None or source.ast is None or source.layout:
        return
    blocks = {block.name for block in source.ast.find_all(nodes.Block)}
    if lint_input.kind is None:
        yield finding("T003", "the template declares no kind and is not in a transactional/ or promotional/ folder",
                      lint_input.at())
    if "subject" not in blocks:
        yield finding("T004", "no {% block subject %}", lint_input.at())
    if "preheader" not in blocks:
        yield finding("T005", "no {% block preheader %}", lint_input.at())
    if source.data is not None:
        yield from _missing_variables(lint_input)


def _missing_variables(lint_input: LintInput) -> Iterator[Finding]:
    source = lint_input.template
    assert source is not None and source.data is not None
    try:
        used = meta.find_undeclared_variables(source.ast)  # compiles: e.g. a block defined twice
    except TemplateError:
        return  # the render while loading reported it (T001)
    missing = sorted(used - PROVIDED - _JINJA_GLOBALS - set(source.data))
    first_line = {}
    for name in source.ast.find_all(nodes.Name):
        if name.ctx == "load" and name.name in missing:
            first_line.setdefault(name.name, name.lineno)
    for name in missing:
        where = f" ({source.data_path})" if source.data_path else ""
        yield finding("T002", f"'{name}' is used but not in the sample data{where}", lint_input.at(first_line.get(name)))
