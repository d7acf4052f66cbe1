"""G rules: what Gmail does to the HTML (clipping, <style> handling, class names, stripped tags).

Which CSS and HTML features Gmail and the other clients support is the E family's (clients.py),
from the caniemail dataset; G008, G009 and G014 are retired in its favour."""

from __future__ import annotations

import re
from typing import Iterator

from lxml.etree import _Element as Element

from ..findings import Finding, Location, finding
from . import data
from ..html.css import read_stylesheet
from ..html.dom import all_text, encode_html, is_hidden, snippet
from .model import LintInput, Origin

# A class or id Gmail keeps: a CSS identifier that needs no escaping.
_SAFE_NAME = re.compile(r"-?[_a-zA-Z][_a-zA-Z0-9-]*")
# A template expression or tag within one line. Each pattern takes the first opening on a line
# and looks for its end once: a lazy `\{\{.*?\}\}` looks again from every '{{' (minutes on a
# block of braces).
_TEMPLATE_PLACEHOLDERS = (re.compile(r"(?m)^(?:[^{\n]|\{(?!\{))*+\{\{[^\n]*?\}\}"),
                          re.compile(r"(?m)^(?:[^{\n]|\{(?!%))*+\{%[^\n]*?%\}"))


def gmail_rules(lint_input: LintInput) -> Iterator[Finding]:
    if lint_input.html is None or lint_input.document is None:
        return
    yield from _size(lint_input)
    yield from _style_blocks(lint_input)
    yield from _class_names(lint_input)
    yield from _stripped_elements(lint_input)
    if lint_input.origin is not Origin.TEMPLATE:  # templates: T005 checks the preheader block
        yield from _preheader(lint_input)


def _size(lint_input: LintInput) -> Iterator[Finding]:
    limits = data.limits()
    size = lint_input.html_size if lint_input.html_size is not None else len(encode_html(lint_input.html))
    what = "HTML" if lint_input.origin is not Origin.TEMPLATE or lint_input.template.data is not None else \
        "HTML rendered with placeholders (give the template sample data for the real size)"
    if size > limits.clip_bytes:
        yield finding("G001", f"{what} is {size / 1024:.1f} KB; Gmail clips over {limits.clip_bytes / 1024:.0f} KB",
                      lint_input.at())
    elif size > limits.clip_warning_bytes:
        yield finding("G002", f"{what} is {size / 1024:.1f} KB, close to Gmail's {limits.clip_bytes / 1024:.0f} KB "
                      "clipping limit", lint_input.at())


def _style_blocks(lint_input: LintInput) -> Iterator[Finding]:
    limits = data.limits()
    body = lint_input.document.find("body")
    for style in lint_input.elements("style"):
        css = style.text or ""
        where = lint_input.locate(style)

        def at(line: int, column: int | None = None) -> Location:
            # Lines inside the block count from the <style> tag's own line.
            return Location(where.path, where.line + line - 1, column) if where.line else where

        size = len(css.encode("utf-8", "surrogatepass"))
        if size > limits.style_block_bytes:
            yield finding("G003", f"<style> block of {size / 1024:.1f} KB; Gmail ignores blocks over "
                          f"{limits.style_block_bytes // 1024} KB", where)
        if body is not None and _inside(style, body):
            yield finding("G006", "<style> block inside <body>", where)
        if ("{{" in css or "{%" in css) and any(p.search(css) for p in _TEMPLATE_PLACEHOLDERS):
            continue  # CSS written with template expressions cannot be parsed as it stands
        sheet = read_stylesheet(css)
        for message, line, column in sheet.errors:
            yield finding("G005", f"CSS syntax error: {message}; Gmail drops this whole <style> block",
                          at(line, column))
        for what, line in sheet.nested:
            yield finding("G004", f"{what}; Gmail drops this whole <style> block", at(line))


def _class_names(lint_input: LintInput) -> Iterator[Finding]:
    reported: set[str] = set()
    unsafe: dict[str, list[str]] = {}  # class attributes repeat: each is split and judged once
    assert lint_input.document is not None
    for element in lint_input.named:
        classes, id_ = element.get("class"), element.get("id")
        names = unsafe.get(classes or "")
        if names is None:
            names = unsafe[classes or ""] = [n for n in (classes or "").split() if not _safe_name(n)]
        named = [("class", n) for n in names]
        if id_ and not _safe_name(id_.strip()):
            named.append(("id", id_.strip()))
        for attribute, name in named:
            if name not in reported:
                reported.add(name)
                yield finding("G007", f"{attribute} name '{name}' is discarded by Gmail", lint_input.locate(element))


def _safe_name(name: str) -> bool:
    """Kept by Gmail, or a template placeholder (its value is not known); '' is no name."""
    return not name or _SAFE_NAME.fullmatch(name) is not None or "{{" in name


def _stripped_elements(lint_input: LintInput) -> Iterator[Finding]:
    for link in lint_input.elements("link"):
        if "stylesheet" in (link.get("rel") or "").lower():
            yield finding("G010", f"remote stylesheet {link.get('href') or ''} is never loaded by Gmail",
                          lint_input.locate(link))
    for script in lint_input.elements("script"):
        if (script.get("type") or "").lower() in ("application/ld+json", "application/json"):
            continue  # schema.org markup, which Gmail reads
        yield finding("G011", f"{snippet(script)}: scripts never run in mail", lint_input.locate(script))
    for form in lint_input.elements("form"):
        yield finding("G012", f"{snippet(form)}: Gmail disables forms", lint_input.locate(form))


def _preheader(lint_input: LintInput) -> Iterator[Finding]:
    body = lint_input.document.find("body")
    if body is None:
        return
    classes = data.phrases().preheader_classes
    for element in body.iter():
        if not isinstance(element.tag, str) or element is body:
            continue
        if is_hidden(element) or classes & set((element.get("class") or "").lower().split()):
            if all_text(element).strip():
                return
        # The preheader must come before the first visible text or image.
        if element.tag == "img" or (element.text or "").strip():
            if not _hidden_ancestor(element, body):
                break
    yield finding("G013", "no hidden preheader before the first visible content of <body>", lint_input.at())


def _hidden_ancestor(element: Element, stop: Element) -> bool:
    node = element
    while node is not None and node is not stop:
        if is_hidden(node):
            return True
        node = node.getparent()
    return False


def _inside(element: Element, ancestor: Element) -> bool:
    node = element.getparent()
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False
