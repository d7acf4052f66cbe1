"""Parsing a template for lint: Jinja's own parser and tree, found with a faster lexer rule.

Jinja's lexer finds the next tag with `(.*?)(?:{%...|{{...|{#...)`: the lazy `.*?` tries every
alternative at every character of the HTML between tags, and this was most of the cost of
linting a template. The same rule written with possessive runs of characters that cannot
start a tag, `(?:[^{]++|\\{)*?`, stops at the same places (a test compares the token streams).
Every other rule, the parser and the tree are Jinja's. Text with `{{ name }}` outputs only (most
templates linted without data) gets Jinja's tree, or at a Mustache section Jinja's error,
without lexing at all (tests compare trees and errors with Jinja's).
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache

import jinja2
from jinja2 import nodes
from jinja2.lexer import Lexer
from jinja2.parser import Parser
from markupsafe import escape

from ..render.sandbox import parse_bounded, printed

_LAZY_PREFIX = "(.*?)"


def parse_template(env: jinja2.Environment, source: str, name: str | None = None,
                   filename: str | None = None) -> nodes.Template:
    """`env.parse(source, name, filename)`, the same tree and the same syntax errors."""
    lexer = _fast_lexer(env)
    if lexer is None:
        return env.parse(source, name, filename)
    try:
        plain = _parse_plain(env, source, name, filename)
        if plain is not None:
            return plain
        parser = Parser(env, "", name, filename)
        parser.stream = lexer.tokenize(source, name, filename)
        return parse_bounded(parser)
    except jinja2.TemplateSyntaxError:
        env.handle_exception(source=source)  # raises it as env.parse does


# `{{ name }}` and nothing else: what most templates linted without data hold.
_PLAIN_VARIABLE = re.compile(r"\{\{[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*\}\}")
_NOT_NAMES = frozenset({"true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else"})
_DEFAULT_DELIMITERS = ("{{", "}}", "{%", "{#")
# Searched with `re`, not `in`/`find`: CSS is full of '{', which slows `str`'s substring search
# five times; the regex engine skips to each '{' and looks at the next character.
_TAG_OR_COMMENT = re.compile(r"\{(?:%|(?<!\{\{)#)")  # `{{#` is no comment: `{{` comes first
_VARIABLE_START = re.compile(r"\{\{")
# `{{` then a character no Jinja token starts with: its lexer stops there ("unexpected char").
_MUSTACHE_SECTION = re.compile(r"\{\{[ \t]*([#^])")


def _parse_plain(env: jinja2.Environment, source: str, name: str | None = None,
                 filename: str | None = None) -> nodes.Template | None:
    """The tree Jinja's parser builds for text with `{{ name }}` outputs only (one Output of
    TemplateData and Name nodes, with Jinja's line numbers), built without its lexer and parser;
    None for any other source. Raises Jinja's own error where such text goes on with a
    Mustache section (`{{#each}}`, `{{^empty}}`), which Jinja's lexer stops at."""
    delimiters = (env.variable_start_string, env.variable_end_string, env.block_start_string, env.comment_start_string)
    if delimiters != _DEFAULT_DELIMITERS or not env.keep_trailing_newline or "\r" in source \
            or _TAG_OR_COMMENT.search(source):
        return None
    found: list[nodes.Expr] = []
    line, position = 1, 0
    while (opening := _VARIABLE_START.search(source, position)) is not None:
        start = opening.start()
        variable = _PLAIN_VARIABLE.match(source, start)
        if variable is None and (section := _MUSTACHE_SECTION.match(source, start)):
            at = section.start(1)
            raise jinja2.TemplateSyntaxError(f"unexpected char {source[at]!r} at {at}",
                                             source.count("\n", 0, at) + 1, name, filename)
        if variable is None or variable.group(1) in _NOT_NAMES:
            return None
        if start > position:
            found.append(nodes.TemplateData(source[position:start], lineno=line))
            line += source.count("\n", position, start)
        found.append(nodes.Name(variable.group(1), "load", lineno=line))
        position = variable.end()
    if position < len(source):
        found.append(nodes.TemplateData(source[position:], lineno=line))
    template = nodes.Template([nodes.Output(found, lineno=found[0].lineno)] if found else [], lineno=1)
    template.set_environment(env)
    return template


def _fast_lexer(env: jinja2.Environment) -> Lexer | None:
    """The environment's lexer with the faster root rule; None where it does not apply
    (extensions that filter the stream, line statements, another Jinja's rule)."""
    if env.extensions or env.line_statement_prefix or env.line_comment_prefix:
        return None
    starts = {env.block_start_string[0], env.variable_start_string[0], env.comment_start_string[0]}
    return _faster(env.lexer, "".join(sorted(starts)))


@lru_cache(maxsize=8)
def _faster(lexer: Lexer, tag_starts: str) -> Lexer | None:
    rule = lexer.rules["root"][0]
    pattern = rule.pattern.pattern
    if not pattern.startswith(_LAZY_PREFIX):
        return None
    chars = "".join(re.escape(c) for c in tag_starts)
    faster = rf"((?:[^{chars}]++|[{chars}])*?)" + pattern[len(_LAZY_PREFIX):]
    fast = copy.copy(lexer)
    fast.rules = {**lexer.rules, "root": [rule._replace(pattern=re.compile(faster, rule.pattern.flags)),
                                          *lexer.rules["root"][1:]]}
    if lexer.newline_sequence == "\n":
        # Jinja rewrites every newline of every text token to "\n" with a regex; the text it
        # cuts tokens from has only "\n" already, so only a "\r" needs the rewrite.
        fast._normalize_newlines = lambda value: value if "\r" not in value else lexer._normalize_newlines(value)
    return fast


# Names the compiled template does not look up in the context (`self` is the template itself).
_SPECIAL_NAMES = frozenset({"self", "loop", "super", "caller", "varargs", "kwargs"})


def render_plain(env: jinja2.Environment, ast: nodes.Template, context: dict[str, object]) -> str | None:
    """What `env.from_string(ast).render(context)` gives for a template that is only text and
    `{{ name }}` outputs (most templates linted without data), without compiling it to Python,
    which cost more than everything else done to a template. None for any other template.

    The compiled code yields each text as it stands and `escape(value)` for each name, a missing
    name being `env.undefined(name=...)`; this does the same.
    """
    if env.autoescape is not True or env.finalize not in (None, printed):  # `printed` only counts
        return None
    parts: list[str] = []
    for output in ast.body:
        if type(output) is not nodes.Output:
            return None
        for node in output.nodes:
            if type(node) is nodes.TemplateData:
                parts.append(node.data)
            elif type(node) is nodes.Name and node.ctx == "load" and node.name not in _SPECIAL_NAMES \
                    and node.name not in env.globals:
                value = context[node.name] if node.name in context else env.undefined(name=node.name)
                parts.append(str(escape(value)))
            else:
                return None
    return "".join(parts)
