"""The linter's fast paths give exactly what the slow, reference paths give.

- `<style>` blocks and style attributes: the regex reader against tinycss2, on the corpus and on
  tricky sheets (the reader must either agree or decline, never differ).
- Templates: the faster Jinja root rule against Jinja's own lexer, token for token; the plain
  render of text-and-names templates against Jinja's compiled render, character for character.
- Phrase lists: the regex grouped by first letter against one flat alternation.
- The spam rule's first look, at all the text glued: it never misses a phrase.
- Word counts: counting visible words in chunks, stopping at enough, against splitting the
  whole visible text.
"""

from __future__ import annotations

import re

import jinja2
import pytest
from lxml import etree

from newsletter.lint import data, lint_html
from newsletter.html.css import _read_simple, _read_with_tinycss2, read_declarations, read_stylesheet
from newsletter.html.dom import parse_html, tinycss2_declarations, visible_text, visible_word_count
from newsletter.document.load import _Placeholder
from newsletter.document.template_parser import _fast_lexer, parse_template, render_plain
from newsletter.render.environment import make_environment

from conftest import corpus_files, requires_shared

TRICKY_CSS = [
    "a { color: red }",
    "a{color:red;background:#FFF!important}",
    "a { color: red ! important ; width: 10px !IMPORTANT }",
    "a { color: red !important !important }",
    "a { color: red !! important }",
    "a { font-family: 'Open Sans', \"Helvetica Neue\", Arial }",
    "a { font-family: 'say \"hi\"' }",
    "a { background: url(https://x.example/a.png) no-repeat }",
    "a { background: url( https://x.example/a.png ) }",
    "a { background: URL(a.png) }",
    "a { background: url('a.png') }",
    "a { background: url(data:image/png;base64,AAAA) }",
    "a { background: url(a/*b.png) }",
    "a { color: red /* c */ ; /* d */ width: 1px }",
    "a { width: 1px/* c */2px }",
    "a { margin: 1.5.3px }",
    "a { margin: 1px-2px; width: 1e3px; height: .5em; line-height: -.5 }",
    "a { width: calc(100% - 20px); color: rgba(0, 0, 0, .5) }",
    "a { color: red; ; ; }",
    "a { color: }",
    "a { : red }",
    "a { color red }",
    "a { b { color: red } }",
    "a { color: red",
    "a { color: red } }",
    "a { color: \\72 ed }",
    "@import url(https://fonts.example/css);",
    "@import 'x.css' screen;",
    "@media only screen and (max-width:600px) { a { width: 100% !important } }",
    "@media screen { @media print { a { color: red } } }",
    "@media screen { @font-face { font-family: X } }",
    "@font-face { font-family: 'X'; src: url(x.woff) }",
    "@MEDIA Screen AND (MAX-WIDTH: 600PX) { A { COLOR: RED } }",
    "@media(max-width:600px){a{color:red}}",
    "@médià screen { a { color: red } }",
    "<!-- a { color: red } -->",
    "a[href^='tel'], a[x-apple-data-detectors] { color: inherit !important }",
    "a { color: red }\r\nb { color: blue }\fc { color: green }",
    "a { color: réd }",
    "a { --brand: #fff; color: var(--brand) }",
    "a { filter: progid:DXImageTransform.Microsoft.gradient(startColorstr='#fff') }",
    "a { color: red } junk",
    "; a { color: red }",
    "a { color: \"unclosed }",
    "/* unclosed a { color: red }",
    "@ a { color: red }",
]


def _sheets_of_corpus() -> list[str]:
    sheets: set[str] = set()
    for path in corpus_files("**/*.html"):
        root = etree.fromstring(path.read_bytes(), etree.HTMLParser())
        if root is not None:
            sheets.update(style.text or "" for style in root.iter("style"))
    return sorted(sheets)


@pytest.mark.parametrize("css", TRICKY_CSS)
def test_fast_css_reader_agrees_with_tinycss2_or_declines(css):
    normal = css.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    fast = _read_simple(normal)
    if fast is not None:
        assert fast == _read_with_tinycss2(css)


def test_fast_css_reader_takes_the_ordinary_cases():
    sheet = read_stylesheet("a { color: red !important; font-family: 'Open Sans', Arial }\n"
                            "@media screen and (max-width: 600px) { .c { width: 100% } }")
    assert _read_simple("a { color: red }") is not None
    assert [(d.name, d.value, d.line) for d in sheet.declarations] == [
        ("color", "red", 1), ("font-family", '"Open Sans", Arial', 1), ("width", "100%", 2)]
    assert sheet.media_queries == (("screen and (max-width: 600px)", 2),)


@requires_shared
def test_fast_css_reader_reads_the_corpus_as_tinycss2_does():
    sheets = _sheets_of_corpus()
    read = [css for css in sheets if _read_simple(css) is not None]
    assert len(read) >= len(sheets) * 0.8  # the fast path is the common path
    for css in read:
        assert _read_simple(css) == _read_with_tinycss2(css), css[:200]


TRICKY_STYLES = [
    "color: red", "font-family: 'Open Sans', \"Arial\"; color: red !important", "color: red; ; x",
    "background: url(a.png) no-repeat; width: calc(100% - 2px)", "background: url( a.png )",
    "color: red /* c */; width: 1px", "color: red} b {color: blue", "@media x", "a: b: c", "color:",
    "font: 12px/1.5 'A;B', serif", "color: red\r\nwidth: 2px", "COLOR: RED; -WEBKIT-X: 1",
    "color: red !ie", "font-family: '\\'", "width: 1e3px; margin: -.5em", "x: rgb(1 2 3 / 50%)",
]


def _styles_of_corpus() -> list[str]:
    styles: set[str] = set()
    for path in corpus_files("**/*.html"):
        root = etree.fromstring(path.read_bytes(), etree.HTMLParser())
        if root is not None:
            styles.update(e.get("style") for e in root.iter() if e.get("style"))
    return sorted(styles)


@pytest.mark.parametrize("style", TRICKY_STYLES)
def test_fast_declarations_agree_with_tinycss2_or_decline(style):
    fast = read_declarations(style)
    if fast is not None:
        assert fast == tinycss2_declarations(style)


@requires_shared
def test_fast_declarations_read_the_corpus_as_tinycss2_does():
    styles = [s for s in _styles_of_corpus() if any(c in s for c in "()\"'/")]
    read = [s for s in styles if read_declarations(s) is not None]
    assert len(read) >= len(styles) * 0.8
    for style in read:
        assert read_declarations(style) == tinycss2_declarations(style), style


TRICKY_TEMPLATES = [
    "plain text, no tags at all",
    "{{ a }}{{{ b }}}{ {c} }{%- if x -%} y {%+ endif %}",
    "<p>{# comment #}</p>{%- raw %}{{ not }}{% endraw %}\n{{ z }}",
    "{% for i in items %}\n  <li>{{ i.name | upper }}</li>\n{% endfor %}\n",
    "a { color: red }{{ '{' }}{% set x = {'a': 1} %}{{ x['a'] }}",
    "{{ unclosed",
    "{% if %}",
    "{{#each items}}{{/each}}",
    "<p>{{ a }}</p>\n\n<ul>{{ \t#each items}}<li>{{b}}</li>{{/each}}</ul>\n", "x\n{{^empty}}none{{/empty}}",
    "{{#", "{{\n#each}}", "{{!note}}", "{{ a }}{{-#x}}", "{{ a }}\n{{ b c }}{{#x}}", "{{{#x}}", "{{ a }{{#x}}",
    "{{ a }}{#c#}{{#x}}", "{{#x}}{# c #}", "{{ a }}}{#c#}", "{ {#c#}",
    "text {",
    "text {{",
    "a\r\nb {{ 'x\r\ny' }}\r\n{% if a %}\rc{% endif %}\r",
    "", "{{ a }}", "x\n\n{{ a }}\ny {{b}}{{\tc\t}}\n\nz\n", "{{ true }} {{ none }}", "{{ not }}", "{{ if }}",
    "{{ a }}}} {{ b.c }}", "{{{ a }}", "{{ é }}", "{{ a\n}}", "{{- a }}  {{ b -}}  ", "x }} y", "{{ a }}\r\n",
]


@pytest.mark.parametrize("source", TRICKY_TEMPLATES)
def test_fast_jinja_lexer_gives_jinja_tokens(source, tmp_path):
    env = make_environment(tmp_path / "t.html")
    fast = _fast_lexer(env)
    assert fast is not None
    assert _tokens(fast, source) == _tokens(env.lexer, source)


@pytest.mark.parametrize("source", TRICKY_TEMPLATES)
def test_fast_jinja_parse_gives_jinjas_tree(source, tmp_path):
    env = make_environment(tmp_path / "t.html")
    assert _parsed(lambda: parse_template(env, source, "t.html")) == _parsed(lambda: env.parse(source, "t.html"))
    env = jinja2.Environment()  # without keep_trailing_newline
    assert _parsed(lambda: parse_template(env, source, "t.html")) == _parsed(lambda: env.parse(source, "t.html"))


@requires_shared
def test_fast_jinja_parse_matches_jinja_on_the_corpus():
    templates = [p for p in corpus_files("**/*.html") if "{{" in p.read_text(encoding="utf-8", errors="replace")]
    assert templates
    for path in templates:
        env = make_environment(path)
        source = path.read_text(encoding="utf-8", errors="replace")
        assert _tokens(_fast_lexer(env), source) == _tokens(env.lexer, source), path.name
        assert _parsed(lambda: parse_template(env, source, path.name)) == _parsed(lambda: env.parse(source, path.name))


PLAIN_TEMPLATES = [
    ("plain text, no tags at all\n", True),
    ("<p>Hi {{ name }},</p>\n<a href=\"{{action_url}}\">go</a>{{ kind }}", True),
    ("{{ locale }} &amp; {{ email }}\n{{- unsubscribe_url -}}\n  x  {{ missing }}\n\n", True),
    ("{# note #}{{ a }}{%- raw %}{{ b }}{% endraw %}", True),
    ("{{ range }}", False),  # a Jinja global, not a context value
    ("{{ self }}", False),
    ("{{ user.name }}", False),
    ("{{ name | upper }}", False),
    ("{% if x %}{{ y }}{% endif %}", False),
    ("{% block subject %}Hi{% endblock %}{{ y }}", False),
]
CONTEXT = {"kind": "promotional", "locale": "fr<&>", "unsubscribe_url": "{{ unsubscribe_url }}", "email": "a&b@x.fr"}


@pytest.mark.parametrize("source, plain", PLAIN_TEMPLATES)
def test_plain_render_is_jinjas_render_or_declines(source, plain, tmp_path):
    env = make_environment(tmp_path / "t.html")
    env.undefined = _Placeholder
    ast = env.parse(source)
    rendered = render_plain(env, ast, dict(CONTEXT))
    assert (rendered is not None) == plain
    if plain:
        assert rendered == env.from_string(ast).render(dict(CONTEXT))


@requires_shared
def test_plain_render_matches_jinja_on_the_corpus():
    rendered = 0
    for path in corpus_files("**/*.html"):
        env = make_environment(path)
        env.undefined = _Placeholder
        try:
            ast = env.parse(path.read_text(encoding="utf-8", errors="replace"))
        except jinja2.TemplateSyntaxError:
            continue
        plain = render_plain(env, ast, dict(CONTEXT))
        if plain is not None:
            rendered += 1
            assert plain == env.from_string(ast).render(dict(CONTEXT)), path.name
    assert rendered >= 20  # the corpus's templates are text and names


def _tokens(lexer, source: str):
    try:
        return list(lexer.tokeniter(source, "t.html"))
    except jinja2.TemplateSyntaxError as exc:
        return ("error", exc.message, exc.lineno)


def _parsed(parse):
    try:
        return _tree(parse())
    except jinja2.TemplateSyntaxError as exc:
        return ("error", exc.message, exc.lineno)


def _tree(node):
    """A node's type, fields and line, all the way down (repr leaves the lines out)."""
    if isinstance(node, list):
        return [_tree(item) for item in node]
    if not isinstance(node, jinja2.nodes.Node):
        return node
    return (type(node).__name__, node.lineno, [(name, _tree(value)) for name, value in node.iter_fields()])


@pytest.mark.parametrize("table", ["spam", "unsubscribe"])
def test_grouped_phrase_pattern_finds_what_one_flat_alternation_finds(table):
    phrases = getattr(data.phrases(), table)
    flat = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases.phrases, key=len, reverse=True))
    reference = re.compile(rf"(?<!\w)(?:{flat})(?!\w)", re.IGNORECASE)
    texts = [" ".join(phrases.phrases), "\0".join(phrases.phrases), "x".join(phrases.phrases),
             "URGENT!! 100 %  gratuit, risk-free risk free; désinscrire\0se  désabonner unsubscribed"]
    texts += [" ".join(etree.fromstring(p.read_bytes(), etree.HTMLParser()).itertext()).lower()
              for p in corpus_files("**/*.html")]
    for text in texts:
        assert [m.span() for m in phrases.pattern.finditer(text)] == [m.span() for m in reference.finditer(text)]


def test_lower_case_phrase_pattern_is_exact_where_used():
    """On lower-cased text, a phrase character matches case-insensitively only itself and its
    IGNORECASE folds: where none of those is in the text, the case-sensitive pattern is exact."""
    spam = data.phrases().spam
    if spam.lower_case is None:
        pytest.skip("this Python exposes no IGNORECASE fold table")
    lowered = "".join({chr(i).lower() for i in range(0x110000) if not 0xD800 <= i < 0xE000})
    for char in set("".join(spam.phrases)):
        insensitive = set(re.findall(re.escape(char), lowered, re.IGNORECASE))
        assert insensitive - {char} <= spam.folds, char
    assert [m.group() for m in spam.matches("ſans engagement, urgent")] == ["ſans engagement", "urgent"]
    assert [m.group() for m in spam.matches("sans engagement, urgent")] == ["sans engagement", "urgent"]


def test_phrase_prefilter_holds_every_phrase_even_glued_inside_words():
    """The spam rule first asks `may_hold` of all the body's text glued without separators:
    every phrase, written in capitals between texts that glue onto it, must still be seen
    there, and then found (exactly, at its own element) by the spam rule."""
    spam = data.phrases().spam
    for phrase in spam.phrases:
        glued = data.normalise(f"abc{phrase.upper()}déf")
        assert spam.may_hold(glued), phrase
        result = lint_html(f"<html><body><p>abc<b>{phrase.upper()}</b>déf</p></body></html>")
        assert any(f.rule == "C013" and f"« {phrase} »" in f.message for f in result.findings), phrase
    assert not spam.may_hold(data.normalise("Votre commande est confirmée. Your order has shipped."))
    assert spam.may_hold("ſans engagement")  # a fold of a phrase's letter: the fast pattern cannot tell


def _word_count_agrees(root) -> None:
    exact = len(visible_text(root).split())
    assert visible_word_count(root) == exact
    for enough in {0, 1, exact // 2, exact - 1, exact, exact + 1, 20, 10 * exact + 5}:
        counted = visible_word_count(root, enough=max(enough, 0))
        # Either the exact count, or, having stopped early, at least `enough` (when exact is).
        assert counted == exact or max(enough, 0) <= counted <= exact


@pytest.mark.parametrize("html", [
    "<p>" + "<b>glued</b>" * 200 + "</p>",  # one word cut by every chunk boundary
    "<p>" + "<b>a </b>" * 200 + "</p>",
    "<p>" + "<b> a</b>" * 130 + "<span style='display:none'>hidden words</span> tail</p>",
    "<div>" + "<p>word</p>" * 150 + "</div>",  # blocks separate words
    "<p>one</p>", "<p> </p>", "<p><img alt='alt is not text'>x</p>",
])
def test_visible_word_count_is_the_visible_texts(html):
    _word_count_agrees(parse_html(html))


@requires_shared
def test_visible_word_count_is_the_visible_texts_on_the_corpus():
    for path in corpus_files("**/*.html"):
        root = parse_html(path.read_text(encoding="utf-8", errors="replace"))
        if root is not None:
            _word_count_agrees(root)
