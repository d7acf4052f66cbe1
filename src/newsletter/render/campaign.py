"""Compile once, fill per recipient: what makes bulk rendering fast.

The template is rendered once with a *slot token* in place of every recipient value, and its CSS
inlined once. The result is cut at the tokens into static pieces and slots. Per recipient, only
the slots are filled: a text slot gets the value escaped as the HTML serializer would write it, an
attribute slot is written by lxml itself (it quotes and URL-escapes per attribute), a JSON slot
gets `tojson`'s output. The plain-text part is compiled the same way. The result is byte for byte
what the one-message path gives (`tests/test_bulk_equivalence.py` proves it with hypothesis).

A template where a recipient value does more than appear (a test, a loop, a filter other than
`tojson`, a CSS class, a `<style>` block) cannot be compiled this way: `compile_campaign` says why,
and the caller renders each message in full instead.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping

import jinja2
import jinja2.meta
from jinja2 import nodes
from jinja2.utils import htmlsafe_json_dumps
from lxml import html as lxml_html

from .encoded import EncodedBody
from .environment import jinja_errors, render_block, render_template
from .inline import STYLE_BLOCK, inline_css, parse_document, write_document
from .pipeline import Campaign
from .slots import Registry, Slot, SlotPath
from .text import Deferred, TextDependsOnValues, clean, heading_text, html_to_text_with_slots, link_text

# Values the renderer computes per recipient, on top of the recipient's own columns.
PER_RECIPIENT = ("email", "unsubscribe_url")
# Values the renderer computes per campaign.
PER_CAMPAIGN = ("kind", "locale")
_OUTPUT_FILTERS = {"tojson", "e", "escape"}
_UNSAFE_ATTRIBUTES = {"style", "class", "id"}
# Characters lxml writes as they are in any attribute value but `&` (which it writes `&amp;`):
# no space, quote, `<`, `{` (`&{` it leaves alone) or non-ASCII (escaped in URL attributes).
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$()*+,;=%&'-]*")


class NotCompilable(Exception):
    """The template uses a recipient value in a way that only full rendering gets right."""


# --- static analysis ------------------------------------------------------------------------

def template_variables(env: jinja2.Environment, template: jinja2.Template) -> set[str] | None:
    """Every name the template and the templates it extends or includes read from the context;
    None when it extends or includes a template chosen at run time."""
    names: set[str] = set()
    try:
        for ast in _asts(env, template):
            names |= jinja2.meta.find_undeclared_variables(ast)
    except NotCompilable:
        return None
    return names


def _asts(env: jinja2.Environment, template: jinja2.Template) -> Iterator[nodes.Template]:
    seen: set[str] = set()
    pending = [template.name]
    while pending:
        name = pending.pop()
        if name is None:
            raise NotCompilable("the template extends or includes a template chosen at run time")
        if name in seen:
            continue
        seen.add(name)
        with jinja_errors(Path(template.filename or name)):  # a partial refused or broken
            try:
                source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                continue  # `{% include ... ignore missing %}`; else rendering says which is missing
            ast = env.parse(source, name, filename)
        pending.extend(jinja2.meta.find_referenced_templates(ast))
        yield ast


def check_plain_uses(env: jinja2.Environment, template: jinja2.Template, names: set[str]) -> None:
    """Raise `NotCompilable` unless every use of `names` is a plain `{{ name }}` output (with
    attribute or item lookups and `tojson`/`escape`)."""
    for ast in _asts(env, template):
        _check(ast, [], names)


def _check(node: nodes.Node, parents: list[nodes.Node], names: set[str]) -> None:
    if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in names:
        if not _plain_use(node, parents):
            raise NotCompilable(
                f"recipient value '{node.name}' is used in an expression, not just printed "
                f"(line {node.lineno})"
            )
    for child in node.iter_child_nodes():
        _check(child, parents + [node], names)


def _plain_use(node: nodes.Node, parents: list[nodes.Node]) -> bool:
    index = len(parents) - 1
    while index >= 0:
        parent = parents[index]
        if isinstance(parent, nodes.Getattr) and parent.node is node:
            node, index = parent, index - 1
            continue
        if isinstance(parent, nodes.Getitem) and parent.node is node and isinstance(parent.arg, nodes.Const):
            node, index = parent, index - 1
            continue
        break
    if index >= 0 and isinstance(parents[index], nodes.Filter):
        flt = parents[index]
        if flt.node is not node or flt.name not in _OUTPUT_FILTERS or flt.args or flt.kwargs:
            return False
        node, index = flt, index - 1
    return index >= 0 and isinstance(parents[index], nodes.Output)


# --- the compiled campaign ------------------------------------------------------------------

@dataclass(frozen=True)
class TextSlot:
    slot: int


@dataclass(frozen=True)
class JsonSlot:
    slot: int


Cut = tuple[str | int, ...]  # a value with slot tokens (an attribute, the subject, a link), cut: text and slots


@dataclass(frozen=True)
class AttributeSlot:
    tag: str
    name: str
    value: Cut


@dataclass(frozen=True)
class DeferredSlot:
    item: Deferred
    label: Cut  # the link's label or the heading's title
    href: Cut  # the link's href; () for a heading


Piece = str | TextSlot | JsonSlot | AttributeSlot | DeferredSlot


@dataclass(frozen=True)
class CompiledCampaign:
    """A campaign's HTML and text, cut into static pieces and recipient slots."""

    paths: tuple[SlotPath, ...]
    html: tuple[Piece, ...]
    text: tuple[Piece, ...] | None  # None: the template has a text block of its own
    subject: Cut | None  # the subject block; None when --subject gives it
    findings: tuple  # inlining findings, reported once
    html_encoded: EncodedBody  # the HTML's static lines quoted-printable encoded
    text_encoded: EncodedBody | None

    def values(self, env: jinja2.Environment, context: Mapping[str, Any]) -> list[Any]:
        """Each slot's value for one recipient. Raises `jinja2.UndefinedError` like rendering."""
        if self._names is not None:  # every slot a name (the usual template): see below
            return [context[name] for name in self._names]
        out = []
        for path in self.paths:
            if not path.steps:  # a name: the recipient's own value (a row holds no Undefined)
                out.append(context[path.name])
                continue
            value = path.lookup(env, context)
            if isinstance(value, jinja2.Undefined):
                value._fail_with_undefined_error()
            out.append(value)
        return out

    @cached_property
    def _names(self) -> tuple[str, ...] | None:
        """The slots' names when each is a plain `{{ name }}` (the usual template), else None."""
        return None if any(path.steps for path in self.paths) else tuple(path.name for path in self.paths)

    @cached_property
    def _html_slots(self) -> tuple[tuple[int, Piece], ...]:
        return _slots(self.html)

    @cached_property
    def _text_slots(self) -> tuple[tuple[int, Piece], ...]:
        return _slots(self.text or ())

    def html_parts(self, values: list[Any]) -> list[str]:
        """The HTML's pieces filled, one string a piece (see `html_encoded`)."""
        parts: list[Any] = list(self.html)
        for index, piece in self._html_slots:
            if type(piece) is TextSlot:
                parts[index] = _escape_text(str(values[piece.slot]))
            elif type(piece) is JsonSlot:
                parts[index] = _json(values[piece.slot])
            else:
                parts[index] = _attribute(piece.tag, piece.name, _fill(piece.value, values))
        return parts

    def fill_subject(self, values: list[Any]) -> str | None:
        return None if self.subject is None else _fill(self.subject, values)

    def text_parts(self, values: list[Any]) -> list[str] | None:
        """The text part's pieces filled, or None when a value would change the text's layout
        (empty, or with space at its ends) or the text is empty: then the caller converts the
        filled HTML instead."""
        assert self.text is not None
        parts: list[Any] = list(self.text)
        for index, piece in self._text_slots:
            if type(piece) is TextSlot:
                value = _text_value(values[piece.slot])
            else:
                value = _fill_text(piece.label, values)
                if value is not None and piece.item.kind == "heading":
                    value = heading_text(value, piece.item.extra)
                elif value is not None:
                    value = link_text(value, _attribute_as_parsed("a", "href", _fill(piece.href, values)).strip())
            if value is None:
                return None
            parts[index] = value
        return parts if any(parts) else None


def _slots(pieces: tuple[Piece, ...]) -> tuple[tuple[int, Piece], ...]:
    """Where the slots are among the pieces, and which: found once, filled per recipient."""
    return tuple((index, piece) for index, piece in enumerate(pieces) if not isinstance(piece, str))


def _fill(cut: Cut, values: list[Any]) -> str:
    return "".join([piece if type(piece) is str else str(values[piece]) for piece in cut])  # type: ignore[index]


def _fill_text(cut: Cut, values: list[Any]) -> str | None:
    parts = []
    for piece in cut:
        value = piece if type(piece) is str else _text_value(values[piece])  # type: ignore[index]
        if value is None:
            return None
        parts.append(value)
    return "".join(parts)


def _tokens(token: re.Pattern[str], template: str) -> Cut:
    """`template` (an attribute, the subject, a link) cut at its slot tokens into text and slot
    numbers: cut once, filled per recipient."""
    pieces: list[str | int] = []
    position = 0
    for match in token.finditer(template):
        pieces += [template[position : match.start()], int(match.group(2))]
        position = match.end()
    pieces.append(template[position:])
    return tuple(piece for piece in pieces if piece != "")


def compile_campaign(campaign: Campaign, data: Mapping[str, Any], names: set[str]) -> CompiledCampaign:
    """Compile `campaign` for recipients who bring `names` (besides email and unsubscribe URL).

    `data` is the campaign's shared data. Raises `NotCompilable` with the reason.
    """
    compiled = campaign.compiled
    env = compiled.template.environment
    slot_names = set(names) | set(PER_RECIPIENT)
    check_plain_uses(env, compiled.template, slot_names)

    registry = Registry()
    context = {
        **data,
        "kind": campaign.kind.value,
        "locale": data.get("locale", compiled.config.locale),
        **{name: Slot(registry, SlotPath(name)) for name in slot_names},
    }
    document = render_template(compiled.template, context)
    token = registry.pattern("sj")
    # In CSS a value could add or break rules, and the inliner may drop it without trace.
    if any(token.search(block.group(2)) for block in STYLE_BLOCK.finditer(document)):
        raise NotCompilable("a recipient value is inside a <style> block")
    subject = None
    if campaign.options.subject is None:
        subject = _tokens(registry.pattern("s"), render_block(compiled.template, "subject", context) or "")
    inlined = inline_css(document, path=str(compiled.path))
    html_pieces = _cut_html(inlined.html, registry, token)

    text_pieces = None
    if "text" not in compiled.template.blocks:
        markers = f"zq{registry.nonce}m"
        try:
            text, deferred = html_to_text_with_slots(
                inlined.html, registry.pattern("s"), lambda i: f"{markers}{i}z"
            )
        except TextDependsOnValues as exc:
            raise NotCompilable(str(exc)) from None
        text_pieces = tuple(_cut_text(text, registry, deferred))
    return CompiledCampaign(tuple(registry.paths), tuple(html_pieces), text_pieces, subject,
                            inlined.findings, EncodedBody.of(html_pieces),
                            None if text_pieces is None else EncodedBody.of(text_pieces))


def _cut_html(document: str, registry: Registry, token: re.Pattern[str]) -> list[Piece]:
    """Find where the tokens landed; refuse places whose output depends on more than escaping."""
    tree, doctype = parse_document(document)
    attributes: list[AttributeSlot] = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None:  # comment or processing instruction
            if token.search(element.text or ""):
                raise NotCompilable("a recipient value is inside an HTML comment")
            continue
        # Text slots go in text, JSON slots (tojson) in a <script>, nothing in a <style>.
        allowed = {"j"} if tag == "script" else set() if tag == "style" else {"s"}
        if {kind for kind, _ in token.findall(element.text or "")} - allowed:
            raise NotCompilable(f"a recipient value is inside <{tag}> where it is not escaped as text")
        if {kind for kind, _ in token.findall(element.tail or "")} - {"s"}:
            raise NotCompilable("a recipient value printed with tojson outside a <script>")
        for name, value in element.attrib.items():
            kinds = {kind for kind, _ in token.findall(value)}
            if not kinds:
                continue
            if name.lower() in _UNSAFE_ATTRIBUTES or kinds != {"s"}:
                raise NotCompilable(f"a recipient value is in the {name!r} attribute of <{tag}>")
            element.set(name, f"zq{registry.nonce}a{len(attributes)}z")
            attributes.append(AttributeSlot(tag, name, _tokens(registry.pattern("s"), value)))
    out = write_document(tree, doctype)

    pieces: list[Piece] = []
    pattern = re.compile(
        f'([^\\s=<>"\']+)=(["\'])zq{registry.nonce}a(\\d+)z\\2|zq{registry.nonce}([sj])(\\d+)z'
    )
    position = 0
    for match in pattern.finditer(out):
        pieces.append(out[position : match.start()])
        if match.group(3) is not None:
            pieces.append(attributes[int(match.group(3))])
        else:
            number = int(match.group(5))
            pieces.append(TextSlot(number) if match.group(4) == "s" else JsonSlot(number))
        position = match.end()
    pieces.append(out[position:])
    return [p for p in pieces if p != ""]


def _deferred_slot(item: Deferred, registry: Registry) -> DeferredSlot:
    token = registry.pattern("s")
    return DeferredSlot(item, _tokens(token, item.text), _tokens(token, item.extra) if item.kind == "link" else ())


def _cut_text(text: str, registry: Registry, deferred: list[Deferred]) -> Iterator[Piece]:
    pattern = re.compile(f"zq{registry.nonce}([sm])(\\d+)z")
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            yield text[position : match.start()]
        number = int(match.group(2))
        yield TextSlot(number) if match.group(1) == "s" else _deferred_slot(deferred[number], registry)
        position = match.end()
    if position < len(text):
        yield text[position:]


# --- escaping as the serializer does it -----------------------------------------------------

def _escape_text(value: str) -> str:
    """Text content as lxml writes it after parsing Jinja's escaped output."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _json(value: Any) -> str:
    return str(htmlsafe_json_dumps(value, dumps=None, sort_keys=True))


def _attribute(tag: str, name: str, value: str) -> str:
    """`name="value"` exactly as lxml writes it on `tag` (quotes, entities, URL escaping). A value
    of URL characters lxml writes as they are (but `&`) on an attribute that is not boolean (the
    usual unsubscribe or tracking link) is written here: an lxml element a recipient cost 10 µs."""
    if _written_plain(tag, name, value):
        return f'{name}="{value.replace("&", "&amp;")}"'
    return _lxml_attribute(tag, name, value)


def _written_plain(tag: str, name: str, value: str) -> bool:
    """lxml writes `value` as it is (but `&`) in this attribute: URL characters, not a boolean one."""
    return _PLAIN_VALUE.fullmatch(value) is not None and _written_as_given(tag, name)


@lru_cache(maxsize=4096)
def _lxml_attribute(tag: str, name: str, value: str) -> str:
    element = lxml_html.Element(tag)
    element.set(name, value)
    start = lxml_html.tostring(element, encoding="unicode", method="html")
    return start[len(tag) + 2 : start.index(">")]


@lru_cache(maxsize=256)
def _written_as_given(tag: str, name: str) -> bool:
    """lxml writes the attribute's value (a boolean attribute, `selected`, it writes alone)."""
    return _lxml_attribute(tag, name, "a") == f'{name}="a"'


def _attribute_as_parsed(tag: str, name: str, value: str) -> str:
    """The attribute's value as a parser reads it back from the written document (a value
    `_attribute` writes as it is, but `&`, reads back as it was)."""
    if _written_plain(tag, name, value):
        return value
    written = _attribute(tag, name, value)
    return html_lib.unescape(written[len(name) + 2 : -1])


def _text_value(value: Any) -> str | None:
    text = clean(str(value))
    return text if text and text == text.strip() else None
