"""Jinja's sandbox with resource limits: what an untrusted template may compute, and how much.

`SandboxedEnvironment` keeps a template away from Python's internals, not from the machine's
memory and time. `TemplateSandbox` adds, through the sandbox's own hooks:

- every arithmetic operator goes through `call_binop` (so it is also never folded at compile
  time: `{{ 10**(10**8) }}` cannot hang the compiler), which bounds the value it builds;
- every call (`call`) and every loop iteration (a hook in the compiled `{% for %}`) is a step of
  the render's budget, which also has a deadline;
- what is printed (`finalize`) and what is joined (`concat`, `~`) counts against the output limit;
- filters and string methods that can build a huge value from small arguments are measured
  before they run, and every filter's and call's result after;
- a number literal longer than the limit, and tags or brackets nested deeper than Jinja's parser
  or Python's compiler can take, are syntax errors at their line.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any, Callable, Iterable

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import TemplateSyntaxError
from jinja2.lexer import TOKEN_INTEGER, Lexer, TokenStream
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

from . import sizes
from .budget import check_output, counted, current_budget, sized, template_limits

_MUTABLE = (list, dict, set, bytearray)


class TemplateSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with the limits of `checks/input-limits.toml` [template]."""

    intercepted_binops = frozenset(SandboxedEnvironment.default_binop_table)

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=printed, **options)
        self.code_generator_class = _CodeGenerator
        self.filters = {name: _guarded(name, function) for name, function in self.filters.items()}
        self.globals["lipsum"] = _lipsum
        self.concat = _concat  # joins the output and captured text ({% set %}, macros, blocks)

    @property
    def lexer(self) -> Lexer:
        key = tuple(getattr(self, setting) for setting in _LEXER_SETTINGS)
        found = _LEXERS.get(key)
        if found is None:
            found = _LEXERS[key] = _NumberLimitLexer(self)
        return found

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return parse_bounded(Parser(self, source, name, filename))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        sizes.check_binop(operator, left, right)
        return sized(self.binop_table[operator](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = current_budget()
        if budget is not None:
            budget.step()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, (str, bytes)):
            estimator = sizes.STRING_METHODS.get(getattr(__obj, "__name__", ""))
            if estimator is not None:
                if __obj.__name__ == "join" and args:
                    args = (list(args[0]), *args[1:])
                sizes.estimate(estimator, owner, *args, **kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(owner, _MUTABLE):  # list.append, dict.update... grow their owner
            sized(owner)
        return sized(result)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        formatter = super().wrap_str_format(value)
        if formatter is None:
            return None
        template = value.__self__
        mapping = value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            values = list(args[0].values()) if mapping and args and hasattr(args[0], "values") \
                else [*args, *kwargs.values()]
            sizes.check_size(sizes.brace_formatted(template, values))
            return formatter(*args, **kwargs)

        return functools.update_wrapper(checked, value)

    # --- called by the compiled template ---

    def iterate(self, iterable: Iterable[Any]) -> Iterable[Any]:
        """What a `{% for %}` loops over: each iteration is a step of the budget."""
        budget = current_budget()
        return iterable if budget is None else counted(iterable, budget)

    @staticmethod
    def join_parts(parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """The parts of `a ~ b ~ c`, once their total size is checked."""
        return sizes.check_parts(parts)


def printed(value: Any) -> Any:
    """Jinja's `finalize`: sees every `{{ expression }}` before it is written, counts it against
    the output limit and returns it unchanged."""
    budget = current_budget()
    if budget is not None:
        budget.print(len(value) if isinstance(value, str) else len(str(value)))
    return value


def _concat(parts: Iterable[str]) -> str:
    parts = list(parts)
    check_output(sum(map(len, parts)))
    return "".join(parts)


def _lipsum(*args: Any, **kwargs: Any) -> str:
    sizes.estimate(sizes.lipsum_size, *args, **kwargs)
    return generate_lorem_ipsum(*args, **kwargs)


def _guarded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (the filter `name`) with its result's size checked, and estimated first when
    the filter can build a big value from small arguments."""
    estimator = sizes.FILTERS.get(name)
    first = 0 if getattr(function, "jinja_pass_arg", None) is None else 1  # after context/environment
    iterated = name in sizes.ITERATED_FILTERS

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if estimator is not None and len(args) > first:
            if iterated:
                args = (*args[:first], list(args[first]), *args[first + 1:])
            sizes.estimate(estimator, *args[first:], **kwargs)
        return sized(function(*args, **kwargs))

    return guarded


class _CodeGenerator(CodeGenerator):
    """Jinja's, with each `{% for %}` iterable compiled as `environment.iterate(iterable)` (Jinja
    allows no new node types, so the iterable is recognised when it is visited)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop_iterables: set[int] = set()

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        self._loop_iterables.add(id(node.iter))
        try:
            super().visit_For(node, frame)
        finally:
            self._loop_iterables.discard(id(node.iter))

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) not in self._loop_iterables:
            return super().visit(node, *args, **kwargs)
        self.write("environment.iterate(")
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # Jinja's own, with the parts measured before they are joined
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"{join}(environment.join_parts((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write(")))")


def parse_bounded(parser: Parser) -> nodes.Template:
    """`parser.parse()`, with nesting too deep for Jinja's parser, for the code that walks the
    tree (Jinja's compiler, lint rules) or for Python's compiler a syntax error at its line."""
    try:
        template = parser.parse()
    except RecursionError:
        raise TemplateSyntaxError("brackets or tags nested too deeply", parser.stream.current.lineno,
                                  parser.name, parser.filename) from None
    _check_nesting(template, parser.name, parser.filename)
    for constant in template.find_all(nodes.Const):
        if isinstance(constant.value, float) and not math.isfinite(constant.value):
            # Jinja's compiler would write `inf` into the Python it generates: a NameError.
            raise TemplateSyntaxError("a number too large for a decimal number", constant.lineno,
                                      parser.name, parser.filename)
    return template


def _check_nesting(template: nodes.Template, name: str | None, filename: str | None) -> None:
    """Each node's depth in the tree (brackets, operators, filters, tags: `a + b + c` is two
    levels) and its number of enclosing block tags ({% for %}, {% if %}... an {% elif %} is a
    sibling of its {% if %}), walked without recursion (and without Jinja's slower
    `iter_child_nodes`: this runs for every template compiled)."""
    limits = template_limits()
    pending: list[tuple[nodes.Node, int, int]] = [(template, 0, 0)]
    while pending:
        node, depth, tags = pending.pop()
        if depth > limits.nesting:
            raise TemplateSyntaxError(f"expressions or tags nested more than {limits.nesting} levels deep",
                                      node.lineno, name, filename)
        if tags > limits.tag_depth:
            raise TemplateSyntaxError(f"more than {limits.tag_depth} block tags nested in one another",
                                      node.lineno, name, filename)
        inner = tags + 1 if isinstance(node, nodes.Stmt) and "body" in node.fields else tags
        for field in node.fields:
            value = getattr(node, field)
            if isinstance(value, nodes.Node):
                pending.append((value, depth + 1, inner))
            elif isinstance(value, list):
                level = tags if field == "elif_" else inner
                pending += [(child, depth + 1, level) for child in value if isinstance(child, nodes.Node)]


class _NumberLimitLexer(Lexer):
    """Jinja's lexer, for which an integer literal longer than the limit is a syntax error at its
    line (Jinja fails converting one of more than 4,300 digits, without a line). Only a source
    with so long a run of word characters pays for the check."""

    def tokenize(self, source: str, name: str | None = None, filename: str | None = None,
                 state: str | None = None) -> TokenStream:
        limit = template_limits().number_digits
        if re.search(rf"(?<!\w)\w{{{limit + 1}}}", source) is None:  # from a run's start: linear
            return super().tokenize(source, name, filename, state)
        stream = _checked_numbers(self.tokeniter(source, name, filename, state), limit, name, filename)
        return TokenStream(self.wrap(stream, name, filename), name, filename)


def _checked_numbers(stream: Iterable[tuple[int, str, str]], limit: int, name: str | None,
                     filename: str | None) -> Iterable[tuple[int, str, str]]:
    for lineno, token, value in stream:
        if token == TOKEN_INTEGER and len(value) > limit:
            raise TemplateSyntaxError(f"a number of {len(value):,} digits (at most {limit:,})", lineno, name, filename)
        yield lineno, token, value


_LEXER_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline",
)
_LEXERS: dict[tuple[Any, ...], Lexer] = {}
