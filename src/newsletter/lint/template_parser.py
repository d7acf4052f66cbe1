"""Parsing a template for lint: Jinja's own parser and tree, found with a faster lexer rule.

Jinja's lexer finds the next tag with `(.*?)(?:{%...|{{...|{#...)`: the lazy `.*?` tries every
alternative at every character of the HTML between tags, and this was most of the cost of
linting a template. The same rule written with possessive runs of characters that cannot
start a tag, `(?:[^{]++|\\{)*?`, stops at the same places (a test compares the token streams).
Every other rule, the parser and the tree are Jinja's.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache

import jinja2
from jinja2 import nodes
from jinja2.lexer import Lexer, get_lexer
from jinja2.parser import Parser

_LAZY_PREFIX = "(.*?)"


def parse_template(env: jinja2.Environment, source: str, name: str | None = None,
                   filename: str | None = None) -> nodes.Template:
    """`env.parse(source, name, filename)`, the same tree and the same syntax errors."""
    lexer = _fast_lexer(env)
    if lexer is None:
        return env.parse(source, name, filename)
    try:
        parser = Parser(env, "", name, filename)
        parser.stream = lexer.tokenize(source, name, filename)
        return parser.parse()
    except jinja2.TemplateSyntaxError:
        env.handle_exception(source=source)  # raises it as env.parse does


def _fast_lexer(env: jinja2.Environment) -> Lexer | None:
    """The environment's lexer with the faster root rule; None where it does not apply
    (extensions that filter the stream, line statements, another Jinja's rule)."""
    if env.extensions or env.line_statement_prefix or env.line_comment_prefix:
        return None
    starts = {env.block_start_string[0], env.variable_start_string[0], env.comment_start_string[0]}
    return _faster(get_lexer(env), "".join(sorted(starts)))


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
    return fast
