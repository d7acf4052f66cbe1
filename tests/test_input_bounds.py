"""Hostile HTML and CSS (issue 12): every command answers with findings or one clear line and
exit 2, never a traceback, and in seconds. The shapes are the issue's reproductions."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from helpers import assert_one_line_error, run_cli
from newsletter.bounds import css_excess
from newsletter.html.css import read_stylesheet
from newsletter.lint.suppress import read_suppressions
from newsletter.render.inline import inline_css

PAGE = ("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<title>Commande</title>\n<style>{css}</style>\n</head>\n"
        "<body>\n{body}\n</body>\n</html>\n")
RENDER = ("--from", "Shop <shop@example.com>", "--to", "a@example.com", "--subject", "Commande",
          "--kind", "transactional")

# The CSS, each in a <style> block. The braces of the unclosed rule are spaced: '{{' would
# open a Jinja expression, which is the template's business.
MEDIA_2000 = "@media screen{" * 2000
UNCLOSED_RULE = "p{ " + "{ " * 5000
SELECTOR_20000_WORDS = " ".join(f"w{i}" for i in range(20000)) + "{color:red}"
NINES = "9" * 5000
CSS_REPRODUCTIONS = {"media-2000": MEDIA_2000, "unclosed-rule": UNCLOSED_RULE,
                     "selector-20000-words": SELECTOR_20000_WORDS, "nines": NINES}


@contextmanager
def within(seconds: float):
    """The block ends within `seconds`: far above what it takes, far below the minutes the
    quadratic or exponential code took on the same input."""
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < seconds


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def no_traceback(run) -> None:
    assert "Traceback" not in run.stderr and "Error:" not in run.stderr.replace("newsletter: error:", "")


# --- lint and check: a <style> block past the bounds is one G005 finding ------------------------

@pytest.mark.parametrize("name", CSS_REPRODUCTIONS)
@pytest.mark.parametrize("command", [("lint",), ("check", "--offline")])
def test_lint_and_check_report_hostile_css_and_go_on(tmp_path, name, command):
    html = write(tmp_path, "mail.html", PAGE.format(css=CSS_REPRODUCTIONS[name], body="<p>Votre commande</p>"))
    with within(30):
        run = run_cli(*command, html, "--format", "json")
    no_traceback(run)
    assert run.exit_code in (0, 1), run.stderr
    if name != "selector-20000-words":  # a long selector is plain CSS to lint's readers
        assert '"rule": "G005"' in run.text and "this tool reads" in run.text
        assert '"line": 5' in run.text  # the <style> line


def test_style_block_past_the_bounds_is_one_error_with_its_place():
    sheet = read_stylesheet("p { color: red }\n@media screen {\n  .a { width: " + "9" * 101 + "px }\n}")
    assert sheet.declarations == () and len(sheet.errors) == 1
    message, line, column = sheet.errors[0]
    assert "a number of 101 digits" in message and (line, column) == (3, 15)


def test_style_attribute_past_the_bounds_is_not_read_by_lint(tmp_path):
    html = write(tmp_path, "mail.html", PAGE.format(css="", body='<p style="color: ' + "f(" * 5000 + '">x</p>'))
    run = run_cli("lint", html)
    no_traceback(run)
    assert run.exit_code in (0, 1)


@pytest.mark.parametrize("css, line, column", [
    ("a{" * 6 + "}" * 6, None, None),  # six levels: the most read
    ("@media x{@media y{@media z{a{b:c(d(f(e)))}}}}", 1, 37),
    ("a{b:" + ")" * 10 + "(" * 7, 1, 20),  # a closing bracket of another kind closes nothing
    ("a{b:c}" + "}" * 50 + "{" * 7, 1, 63),
    ("/* {{{{{{{{ */ a{content:\"((((((((\"}", None, None),  # in comments and strings: no CSS
    ("a{width:" + "1" * 100 + "px}", None, None),
    ("a{\n width:" + "1" * 101 + "px}", 2, 8),
])
def test_css_excess_finds_the_first_place_past_a_bound(css, line, column):
    excess = css_excess(css)
    if line is None:
        assert excess is None
    else:
        assert (excess.line, excess.column) == (line, column)


# --- render: what the inliner cannot take in seconds is one clear line ---------------------------

@pytest.mark.parametrize("name, message", [
    ("media-2000", "nested more than 6 deep"),
    ("unclosed-rule", "nested more than 6 deep"),
    ("selector-20000-words", "126 KB of CSS, over the 64 KB this tool inlines"),
    ("nines", "a number of 5000 digits"),
])
def test_render_refuses_hostile_css_in_one_line(tmp_path, name, message):
    template = write(tmp_path, "mail.html", PAGE.format(css=CSS_REPRODUCTIONS[name], body="<p>Votre commande</p>"))
    with within(30):
        run = run_cli("render", template, *RENDER)
    assert_one_line_error(run, "mail.html", message)


def test_render_of_30000_rules_is_refused_at_once(tmp_path):
    """premailer took over 90 s on this; the bound answers before it runs."""
    css = "".join(f".c{i}{{color:red;padding:{i % 50}px}}\n" for i in range(30000))
    body = "".join(f"<p class='c{i}'>x</p>" for i in range(0, 30000, 100))
    template = write(tmp_path, "mail.html", PAGE.format(css=css, body=body))
    with within(30):
        run = run_cli("render", template, *RENDER)
    assert_one_line_error(run, "over the 64 KB this tool inlines")


@pytest.mark.parametrize("css, body, message", [
    ("".join(f".c{i}{{color:red}}" for i in range(1001)), "<p>x</p>", "1,001 selectors, over the 1,000"),
    ("".join(f".c{i},.d{i}{{color:red}}" for i in range(300)), "<p>x</p>" * 2000,
     "600 selectors into 2,00"),  # and some elements of the page itself: over 1,000,000 tests
    (" ".join(["td"] * 40) + "{color:red}", "<p>x</p>", "a selector of 40 compound selectors"),
    ("@media screen{\n@media (max-width:600px){p{color:red}}}", "<p>x</p>", "line 6 of the rendered HTML): an @media inside"),
])
def test_render_refuses_what_premailer_cannot_take(tmp_path, css, body, message):
    template = write(tmp_path, "mail.html", PAGE.format(css=css, body=body))
    assert_one_line_error(run_cli("render", template, *RENDER), message)


def test_render_names_a_hostile_style_attribute_and_its_line(tmp_path):
    body = '<p>ok</p>\n<p style="width: ' + "9" * 5000 + 'px">x</p>'
    template = write(tmp_path, "mail.html", PAGE.format(css="p{color:red}", body=body))
    assert_one_line_error(run_cli("render", template, *RENDER),
                          "a style attribute of <p> (line 9 of the rendered HTML): a number of 5000 digits")


def test_css_within_the_bounds_still_inlines():
    css = "@media screen{.a{font-family:f(g(h(i)))}} p{color:red} " + " ".join(["td"] * 32) + "{x:y}"  # 6 deep
    out = inline_css(PAGE.format(css=css, body="<p>x</p>"))
    assert '<p style="color:red">x</p>' in out.html and "font-family: f(g(h(i))) !important" in out.html


# --- lines scanned once --------------------------------------------------------------------------

def test_suppression_after_indentation_is_read_at_once():
    """The preamble test backtracked exponentially over whitespace: 25 spaces took 8 s."""
    with within(5):
        found = read_suppressions(" " * 60 + "<p>x</p> <!-- newsletter: ignore[C001] -->")
    assert found.whole_file == () and found.by_line == ((1, ("C001",)),)
    with within(10):
        many = read_suppressions("<!-- newsletter: ignore[A] -->\n" + "<p>x</p><!-- newsletter: ignore[C] -->\n" * 50000)
    assert many.whole_file == ("A",) and many.by_line[-1] == (50001, ("C",))


@pytest.mark.parametrize("css", ["{{" * 100000, "p{x:a/*x*/" + " " * 100000 + "b}", "p{x:" + "y /* " * 50000])
def test_lint_reads_long_runs_of_css_at_once(css):
    from newsletter.lint import lint_html

    with within(20):
        lint_html(PAGE.format(css=css, body="<p>x</p>"))


def test_a_template_of_unclosed_tags_is_linted_at_once(tmp_path):
    """Masking the tags of a template Jinja cannot parse looked for an end from every '{%'."""
    template = write(tmp_path, "mail.html", "<p>" + "{%" * 100_000 + "</p>")
    with within(30):
        run = run_cli("lint", template)
    assert run.exit_code == 1 and "T001" in run.text


def test_unclosed_style_tags_are_inlined_at_once():
    with within(20):
        inline_css(PAGE.format(css="", body="<style" * 100000))


# --- numbers written in HTML attributes and CSS values ---------------------------------------------

@pytest.mark.parametrize("body", [
    '<p style="font-size:1.2.3px;color:#000000;background-color:#ffffff">Bonjour</p>',  # a typo, not a number
    '<p style="font-size:.px;color:#000000;background-color:#ffffff">Bonjour</p>',
    '<font color="rgb(' + "9" * 5000 + ',0,0)">Bonjour</font>',  # not CSS: no bound read it
    '<img src="https://shop.example/a.png" alt="a" width="' + "9" * 5000 + '">',
])
@pytest.mark.parametrize("command", [("lint",), ("check", "--offline"), ("markup",)])
def test_numbers_in_attributes_are_read_without_traceback(tmp_path, body, command):
    html = write(tmp_path, "mail.html", PAGE.format(css="", body=body))
    run = run_cli(*command, html)
    no_traceback(run)
    assert run.exit_code in (0, 1), run.stderr


def test_an_infinite_promotion_card_image_size_is_no_size(tmp_path):
    card = ('<script type="application/ld+json">{"@context": "http://schema.org", "@type": "PromotionCard", '
            '"image": {"@type": "ImageObject", "url": "https://shop.example/a.png", "width": 1e999, "height": 1}}'
            '</script>')
    html = write(tmp_path, "mail.html", PAGE.format(css="", body=card))
    run = run_cli("markup", html, "--format", "json")
    no_traceback(run)
    assert run.exit_code in (0, 1) and '"PromotionCard"' in run.text


# --- HTML size: refused before anything parses it -----------------------------------------------

@pytest.mark.parametrize("command", [("lint",), ("check", "--offline"), ("markup",)])
def test_50_mb_of_html_is_refused_at_once(tmp_path, command):
    """`check` on this took over 90 s; now a look at the file's size."""
    html = write(tmp_path, "big.html", PAGE.format(css="", body="<p>Bonjour, voici notre offre.</p>\n" * 1_500_000))
    with within(10):
        run = run_cli(*command, html)
    assert_one_line_error(run, "big.html: HTML is 5", "MB, over the 2 MB this tool reads", "Gmail clips")


def test_render_refuses_rendered_html_over_the_bound(tmp_path):
    template = write(tmp_path, "mail.html", PAGE.format(css="", body="{% for i in range(50000) %}"
                                                         "<p>Bonjour, voici notre offre numéro {{ i }}.</p>\n{% endfor %}"))
    assert_one_line_error(run_cli("render", template, *RENDER), "mail.html: rendered HTML is 2.", "over the 2 MB")


def test_lint_refuses_a_template_rendered_over_the_bound(tmp_path):
    template = write(tmp_path, "mail.html", "{% for i in range(60000) %}<p>Offre numéro {{ i }} pour vous.</p>\n{% endfor %}")
    assert_one_line_error(run_cli("lint", template), "mail.html: HTML is 2.", "over the 2 MB")


def test_an_eml_whose_html_part_is_over_the_bound_is_refused(tmp_path):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "shop@example.com", "a@example.com", "Offre"
    message.set_content("<p>" + "Bonjour. " * 250_000 + "</p>", subtype="html")
    eml = tmp_path / "big.eml"
    eml.write_bytes(bytes(message))
    for command in (("lint",), ("check", "--offline"), ("markup",)):
        assert_one_line_error(run_cli(*command, eml), "big.eml: HTML is 2.1 MB, over the 2 MB")


def test_an_eml_over_the_message_bound_is_refused_unread(tmp_path, monkeypatch):
    import newsletter.bounds

    limits = dict(newsletter.bounds.input_limits("html"), max_message_bytes=1000)
    monkeypatch.setattr(newsletter.bounds, "input_limits", lambda table: limits)
    eml = write(tmp_path, "big.eml", "From: a@example.com\nSubject: x\nContent-Type: text/html\n\n" + "<p>x</p>" * 200)
    for command in (("lint",), ("check", "--offline"), ("markup",)):
        assert_one_line_error(run_cli(*command, eml), "big.eml: message is 0.0 MB, over the 0 MB", "attachments")


def test_a_large_file_beside_the_linted_one_is_left_alone(tmp_path):
    write(tmp_path, "archive.html", PAGE.format(css="", body="<p>x</p>\n" * 300_000))  # never linted
    mail = write(tmp_path, "mail.html", PAGE.format(css="", body="<p>Votre commande</p>"))
    run = run_cli("lint", mail)
    assert run.exit_code in (0, 1) and run.stderr == ""


# --- JSON-LD: past the bounds, or not JSON, is one M001 finding at its place ---------------------

def jsonld(body: str) -> str:
    return PAGE.format(css="", body=f'<script type="application/ld+json">\n{body}\n</script>\n<p>Votre commande</p>')


ORDER = '{"@context": "http://schema.org", "@type": "Order", "orderNumber": %s, "merchant": {"@type": "Organization", "name": "Shop"}}'


@pytest.mark.parametrize("command", [("markup", "--format", "json"), ("lint", "--format", "json"),
                                     ("check", "--offline", "--format", "json")])
def test_a_100000_digit_number_is_one_finding_at_its_place(tmp_path, command):
    html = write(tmp_path, "mail.html", jsonld(ORDER % ("1" * 100_000)))
    run = run_cli(*command, html)
    no_traceback(run)
    assert run.exit_code == 1, run.stderr
    assert "a number of 100,000 digits" in run.text and '"line": 9, "column": 68' in run.text


def finding_of(tmp_path, body: str):
    from newsletter.markup import extract

    [found] = [f for f in extract(jsonld(body), "mail.html").findings if f.rule == "M001"]
    return found.message, found.location.line, found.location.column


def test_jsonld_nested_past_the_bound():
    from newsletter.markup import extract

    within_bound = extract(jsonld('{"@type": "Thing", "a": ' + "[" * 31 + "]" * 31 + "}")).findings
    assert [f.rule for f in within_bound] == ["M002"]  # no @context: read, and judged
    message, line, column = finding_of(None, '{"@type": "Thing", "a": ' + "[" * 40 + "]" * 40 + "}")
    assert "nested more than 32 deep" in message and (line, column) == (9, 56)


def test_jsonld_block_past_the_size_bound():
    message, line, column = finding_of(None, "[" + ",".join([ORDER % '"12345"'] * 10_000) + "]")
    assert "JSON-LD block of 1,279 KB, over the 1,024 KB this tool reads" in message and (line, column) == (8, 36)


@pytest.mark.parametrize("value, message, column", [
    ("NaN", "NaN is not a JSON number", 68), ("-Infinity", "-Infinity is not a JSON number", 68),
    ('"\\ud800 x"', "a lone surrogate", 68), ('"\\ud83d\\ude00"', None, None),  # a pair is one character
])
def test_jsonld_values_python_reads_but_json_has_not(value, message, column):
    from newsletter.markup import extract

    findings = [f for f in extract(jsonld(ORDER % value), "mail.html").findings if f.rule == "M001"]
    if message is None:
        assert findings == []
    else:
        assert len(findings) == 1 and message in findings[0].message
        assert (findings[0].location.line, findings[0].location.column) == (9, column)


def test_a_lone_surrogate_is_reported_by_markup_not_a_traceback(tmp_path):
    html = write(tmp_path, "mail.html", jsonld(ORDER % '"\\udc00"').replace('"orderNumber"', '"order\\udc00"'))
    for fmt in ("text", "json"):
        run = run_cli("markup", html, "--format", fmt)
        no_traceback(run)
        assert run.exit_code == 1 and "lone surrogate" in run.text


def test_7000_items_are_read_with_their_lines_in_seconds(tmp_path):
    """Every position counted the lines from the top of the file: 8,500 items took minutes."""
    html = write(tmp_path, "mail.html", jsonld("[" + ",\n".join([ORDER % '"12345"'] * 7000) + "]"))  # 900 KB
    with within(60):
        run = run_cli("markup", html, "--format", "json")
    assert run.exit_code in (0, 1) and run.text.count('"type": "Order"') == 7000
    import json as json_module

    items = json_module.loads(run.text)["items"]
    assert [items[i]["location"]["line"] for i in (0, 1, 6999)] == [9, 10, 7008]


@pytest.mark.parametrize("body", ['<script type="application/ld+json">' * 50_000, "<!--" * 50_000 + "<p>x</p>",
                                  "<script" * 50_000])
def test_unclosed_scripts_and_comments_are_read_at_once(body):
    from newsletter.markup import extract

    with within(20):
        extract(PAGE.format(css="", body=body))


def test_an_unclosed_jsonld_script_runs_to_the_end_of_the_document():
    from newsletter.markup import extract

    markup = extract('<html><head><script type="application/ld+json">{"@type": "Order"}')
    assert [i.type for i in markup.items] == ["Order"]
