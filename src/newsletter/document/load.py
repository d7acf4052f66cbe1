"""The I/O edge of every command that reads messages: find the files, read them, render
templates, parse messages.

Each file becomes one `Document`. How a file is read:

- `.eml`: parsed with the standard `email` package; its HTML part, subject and headers are read.
- `.html`/`.htm` without Jinja syntax: HTML as sent.
- `.jinja`, `.j2`, or `.html` containing `{{`, `{%` or `{#`: a template. With sample data (`--data`,
  or `name.json` next to `name.html`) it is rendered by `newsletter.render.render` exactly as it
  would be sent; without, it is rendered with placeholders (`{{ name }}` stands for each missing
  value). A template that does not compile is linted as its source with the Jinja tags blanked.
- A template that another template of the run extends or includes is a layout: only its syntax is
  checked (its HTML is linted through the templates that use it).
"""

from __future__ import annotations

import codecs
import fnmatch
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.headerregistry import HeaderRegistry
from email.parser import BytesParser
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jinja2

from ..bounds import check_html_size, check_message_size
from ..config import Config, find_config
from ..errors import NewsletterError, display_path
from ..findings import Finding, Location, finding
from ..limits import input_limits
from ..kinds import Kind
from ..render import CompiledTemplate, RenderOptions, render
from ..render.message import require_unsubscribe
from ..render.environment import (
    TemplateFault,
    jinja_errors,
    load_json,
    make_environment,
    render_block,
    render_template,
)
from ..render.loader import TemplateOutsideProject
from ..html.dom import encode_html, parse_encoded
from .as_written import header_text
from .model import Document, Origin, TemplateLineMap, TemplateSource
from .template_parser import parse_template, render_plain

HTML_SUFFIXES = (".html", ".htm")
TEMPLATE_SUFFIXES = (".jinja", ".jinja2", ".j2")
MESSAGE_SUFFIXES = (".eml",)
LINTED_SUFFIXES = HTML_SUFFIXES + TEMPLATE_SUFFIXES + MESSAGE_SUFFIXES

# What a template run for linting is sent with when the configuration says nothing.
LINT_SENDER = "Lint <lint@example.com>"
LINT_RECIPIENT = "recipient@example.com"
LINT_UNSUBSCRIBE = "https://example.com/unsubscribe"

# Renderer findings that a lint rule reports better (with a line, or for every input kind).
_COVERED = frozenset({"R001", "R002", "R003"})  # by G005, C010, G010

_JINJA = re.compile(r"\{\{|\{%|\{#")
_BLOCK_TAG = re.compile(rb"\{%")
_JINJA_TAG_START = re.compile(r"\{[%#]")
_EXTENDS = re.compile(r"\{%-?\s*extends\b")
_REFERENCE = re.compile(r"\{%-?\s*(?:extends|include|import|from)\s+[\"']([^\"']+)[\"']")


@dataclass(frozen=True)
class LoadOptions:
    kind: Kind | None = None
    data_file: Path | None = None
    data: Mapping[str, Any] | None = None  # the sample data itself (a caller's), wins over data_file
    now: datetime | None = None  # offer expiry is judged at this time (None: now)


def discover(paths: Iterable[Path | str], exclude: Sequence[str] = ()) -> list[Path]:
    """Files to read, in the order given; folders are searched recursively and sorted.

    Inside folders, hidden entries, names starting with '_' (partials) and paths matching an
    `exclude` glob are skipped; a file named explicitly is always read.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_file():
            found.append(path)
            continue
        if not path.exists():
            raise NewsletterError("no such file or folder", path=path, fix="check the path")
        for candidate in sorted(path.rglob("*")):
            relative = candidate.relative_to(path)
            if (
                candidate.is_file()
                and candidate.name.lower().endswith(LINTED_SUFFIXES)
                and not any(part.startswith((".", "_")) for part in relative.parts)
                and not _excluded(candidate, exclude)
            ):
                found.append(candidate)
    return list(dict.fromkeys(found))


def _excluded(path: Path, patterns: Sequence[str]) -> bool:
    shown = display_path(path)
    return any(fnmatch.fnmatch(shown, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def layouts_of(paths: Iterable[Path], folders: "Folders | None" = None) -> frozenset[Path]:
    """Templates that another template extends, includes or imports: among the files of the
    run and the templates in their folders (pre-commit passes a changed layout alone). What it
    reads is kept in `folders` for `load_input`, so no file of the run is read twice."""
    folders = folders if folders is not None else Folders()
    layouts: set[Path] = set()
    searched = {folders.real(path).parent for path in paths if not path.name.lower().endswith(MESSAGE_SUFFIXES)}
    candidates = {p for folder in searched for p in folder.rglob("*") if p.name.lower().endswith(HTML_SUFFIXES + TEMPLATE_SUFFIXES)}
    for path in sorted(candidates):
        try:
            if path.stat().st_size > input_limits("html")["max_bytes"]:
                continue  # refused when it is linted; not read here
            raw = path.read_bytes()
        except OSError:
            continue
        folders.keep(path, raw)
        if not _BLOCK_TAG.search(raw):  # not `in`: see template_parser._TAG_OR_COMMENT
            continue
        loader = folders.environment(path, folders.real(path)).loader
        for name in _REFERENCE.findall(raw.decode("utf-8", errors="replace")):
            try:
                found = loader.find(name)
            except TemplateOutsideProject:  # the render reports it
                continue
            if found is not None:
                layouts.add(found.resolve())
    return frozenset(layouts)


class _HeadersParsedOnce(HeaderRegistry):
    """The default policy's header objects, each header parsed once in a run: the parser, lint
    and the placement signals ask for the same headers (Content-Type above all), the default
    policy parses a header again at every ask, and the messages of a run share many (a part's
    Content-Type, the sender's From). Header objects are immutable, so one is shared; the
    latest `kept` are kept."""

    def __init__(self, kept: int = 4096) -> None:
        super().__init__()
        self._parsed = lru_cache(maxsize=kept)(super().__call__)

    def __call__(self, name: str, value: Any) -> Any:
        try:
            return self._parsed(name, value) if type(value) is str else super().__call__(name, value)
        except (AttributeError, IndexError, TypeError, ValueError):
            # The email package's own parser fails on some values (`From: :;0`, a group where one
            # mailbox goes): such a header is kept as unstructured text, there and as written, and
            # the checks say what it lacks (no address in that From).
            return self._class(self.default_class)(name, value)

    def __getitem__(self, name: str) -> type:
        """The class for a header of this name: made once per kind of header (the registry
        makes a new class at every parse)."""
        return self._class(self.registry.get(name.lower(), self.default_class))

    def _class(self, kind: type) -> type:
        key = (kind, self.base_class)
        made = _HEADER_CLASSES.get(key)
        if made is None:  # as `HeaderRegistry.__getitem__` makes it
            made = _HEADER_CLASSES[key] = type("_" + kind.__name__, (kind, self.base_class), {})
        return made


_HEADER_CLASSES: dict[tuple[type, type], type] = {}  # (kind of header, base class) -> the class made


class Folders:
    """What loading learns once per folder instead of once per file (the configuration, the
    Jinja environment), and the messages' headers parsed so far: one per run, so an edited
    newsletter.toml is read by the next run."""

    def __init__(self) -> None:
        self._configs: dict[Path, Config] = {}
        self._environments: dict[tuple[Path, Path | None], jinja2.Environment] = {}
        self._read: dict[Path, bytes] = {}  # contents read ahead (by layouts_of), by real path
        self._real: dict[Path, Path] = {}
        self.message_policy = policy.default.clone(header_factory=_HeadersParsedOnce())

    def real(self, path: Path) -> Path:
        """`path.resolve()`, once per path and folder: a file that is not a link is its resolved
        folder and its name (resolving walks every component, and every file of a folder
        shares them)."""
        found = self._real.get(path)
        if found is None:
            if path.is_symlink() or path.name in ("", ".", ".."):
                found = path.resolve()
            else:
                found = self.real(path.parent) / path.name
            self._real[path] = found
        return found

    def keep(self, real: Path, raw: bytes) -> None:
        self._read[real] = raw

    def read(self, path: Path, real: Path) -> bytes:
        """The file's bytes: those read ahead (handed out once), else from the disk."""
        raw = self._read.pop(real, None)
        return raw if raw is not None else path.read_bytes()

    def config(self, path: Path) -> Config:
        """`find_config(path)` for a file."""
        found = self._configs.get(path.parent)
        if found is None:
            found = self._configs[path.parent] = find_config(path.parent)
        return found

    def environment(self, path: Path, real: Path) -> jinja2.Environment:
        """`make_environment(path)`, which depends only on the file's real folder and its
        configuration."""
        config = self.config(path)
        key = (real.parent, config.path)
        found = self._environments.get(key)
        if found is None:
            found = self._environments[key] = make_environment(path, config)
        return found


def load_input(path: Path, options: LoadOptions = LoadOptions(), layouts: frozenset[Path] = frozenset(),
               folders: Folders | None = None) -> Document:
    """Read one file into a `Document`. Unreadable files raise `NewsletterError`. Files of one
    run share `folders`."""
    item = _load(path, options, layouts, folders or Folders())
    return replace(item, now=options.now) if options.now else item


def _load(path: Path, options: LoadOptions, layouts: frozenset[Path], folders: Folders) -> Document:
    real = folders.real(path)
    message = path.name.lower().endswith(MESSAGE_SUFFIXES)
    try:
        (check_message_size if message else check_html_size)(path.stat().st_size, path)
        raw = folders.read(path, real)
    except FileNotFoundError:
        raise NewsletterError("file not found", path=path, fix="check the path") from None
    except IsADirectoryError:
        raise NewsletterError("is a folder, not a file", path=path) from None
    except OSError as exc:
        raise NewsletterError(f"cannot read: {exc.strerror}", path=path) from None
    shown = display_path(path, real)
    if message:
        return _load_message(raw, shown, _kind(options.kind, None, real), folders.message_policy)
    text, utf8 = _decode(raw)
    if path.name.lower().endswith(TEMPLATE_SUFFIXES) or _JINJA.search(text):
        return _load_template(path, real, shown, text, options, real in layouts, folders)
    return _html_input(shown, Origin.HTML, text, _kind(options.kind, None, real), encoded=raw if utf8 else None)


def _decode(raw: bytes) -> tuple[str, bool]:
    """The text, and whether `raw` is exactly its UTF-8 (no byte-order mark, not cp1252)."""
    try:
        return raw.decode("utf-8-sig"), not raw.startswith(codecs.BOM_UTF8)
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), False


def _kind(flag: Kind | None, declared: str | None, real: Path) -> Kind | None:
    """`--kind`, then the template's declaration, then the folder; None when nothing says."""
    if flag:
        return flag
    if declared and declared.strip().lower() in (Kind.TRANSACTIONAL.value, Kind.PROMOTIONAL.value):
        return Kind(declared.strip().lower())
    for folder in real.parents:
        if folder.name in (Kind.TRANSACTIONAL.value, Kind.PROMOTIONAL.value):
            return Kind(folder.name)
    return None


def _html_input(shown: str, origin: Origin, html: str, kind: Kind | None, encoded: bytes | None = None,
                **more: Any) -> Document:
    """`encoded`: the HTML's UTF-8 when the file's bytes are exactly that (no second encoding).
    HTML past the bound of `[html]` is refused before it is parsed."""
    encoded = encode_html(html) if encoded is None else encoded
    check_html_size(len(encoded), shown)
    return Document(path=shown, origin=origin, html=html, document=parse_encoded(html, encoded), kind=kind,
                     html_size=len(encoded), **more)


# --- messages ------------------------------------------------------------------------------------

def _load_message(raw: bytes, shown: str, kind: Kind | None, message_policy: policy.EmailPolicy) -> Document:
    message: EmailMessage = BytesParser(policy=message_policy).parsebytes(raw)  # type: ignore[assignment]
    html_part = message.get_body(preferencelist=("html",))
    html = _part_text(html_part) if html_part is not None else None
    try:
        subject = header_text(message, "Subject") or ""
    except (ValueError, IndexError, TypeError):
        subject = ""
    if html is None:
        return Document(path=shown, origin=Origin.EML, kind=kind, subject=subject, message=message, raw=raw)
    offset = _part_offset(raw, html_part)
    return _html_input(shown, Origin.EML, html, kind, subject=subject, message=message, raw=raw,
                       line_offset=offset, findings=())


def _part_text(part: Any) -> str:
    try:
        return part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _part_offset(raw: bytes, part: Any) -> int | None:
    """Lines to add to the HTML part's lines to get file lines; None when the part is encoded
    (base64, quoted-printable) and its lines are not the file's."""
    encoding = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    if encoding not in ("7bit", "8bit", "binary"):
        return None
    body = part.get_payload(decode=False)
    if not isinstance(body, str) or not body.strip():
        return None
    head = body.lstrip()[:120].encode("utf-8", errors="replace")
    at = raw.find(head)
    if at < 0:
        return None
    leading = body[: len(body) - len(body.lstrip())].count("\n")
    return raw.count(b"\n", 0, at) - leading


# --- templates -----------------------------------------------------------------------------------

class _Placeholder(jinja2.ChainableUndefined):
    """A missing value renders as `{{ name }}`, is true in conditions, iterates as empty, counts
    as 0 in arithmetic and filters: enough to render most templates without their data."""

    def __str__(self) -> str:
        return "{{ %s }}" % (self._undefined_name or "value")

    def __bool__(self) -> bool:
        return True

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> "_Placeholder":
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = \
        __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pos__ = __neg__ = __call__ = \
        __lt__ = __le__ = __gt__ = __ge__ = __pow__ = __rpow__ = _fail_with_undefined_error

    def __float__(self) -> float:
        return 0.0

    def __int__(self) -> int:
        return 0

    def __round__(self, digits: int | None = None) -> int:
        return 0


def _load_template(path: Path, real: Path, shown: str, text: str, options: LoadOptions, layout: bool,
                   folders: Folders) -> Document:
    env = folders.environment(path, real)
    try:
        ast = parse_template(env, text, path.name, str(path))
    except jinja2.TemplateSyntaxError as exc:
        syntax = finding("T001", f"Jinja syntax error: {exc.message}", Location(shown, exc.lineno))
        source = TemplateSource(text, None, None, layout=layout, kind_given=options.kind is not None)
        if layout or _EXTENDS.search(text):  # a child's blocks are not a page: nothing more to read
            return Document(path=shown, origin=Origin.TEMPLATE, template=source, findings=(syntax,))
        return _html_input(shown, Origin.TEMPLATE, mask_jinja(text), _kind(options.kind, None, real),
                           template=source, findings=(syntax,))

    declared = _static_block(ast, "kind")
    kind = _kind(options.kind, declared, real)
    data_path = options.data_file or path.with_suffix(".json")
    data = options.data
    if data is None and (options.data_file or data_path.is_file()) and not layout:
        data = load_json(data_path)
    shown_data = display_path(data_path) if data is not None and options.data is None else None
    source = TemplateSource(text, ast, data, shown_data, layout=layout, kind_given=options.kind is not None)
    if layout:
        return Document(path=shown, origin=Origin.TEMPLATE, template=source, kind=kind)
    common = dict(template=source, line_offset=None, line_map=TemplateLineMap(text))
    findings: list[Finding] = []
    try:  # rendered below with a stand-in URL, so that the rest is read: say what render will say
        require_unsubscribe(kind, folders.config(path).unsubscribe_url)
    except NewsletterError as exc:
        findings.append(_render_failed(exc, shown))
    if data is not None:
        config = folders.config(path)
        try:
            rendered = render(CompiledTemplate.load(path, config), data, _render_options(kind, data, config))
        except NewsletterError as exc:
            findings.append(_render_failed(exc, shown))
        else:
            findings += [f for f in rendered.findings if f.rule not in _COVERED]
            return _html_input(shown, Origin.TEMPLATE, rendered.html, kind, subject=rendered.subject,
                               message=rendered.message, raw=rendered.raw, findings=tuple(findings), **common)
    try:
        placeholder = _render_with_placeholders(path, env, ast, kind, folders.config(path))
    except TemplateFault as exc:  # no data would render it: say why, unless the data's render did
        if data is None:
            findings.append(_render_failed(exc, shown))
        placeholder = None
    if placeholder is None:  # even placeholders could not render it: lint the source itself,
        if ast.find(jinja2.nodes.Extends) is not None:  # unless it is only a child's blocks
            return Document(path=shown, origin=Origin.TEMPLATE, kind=kind, template=source, findings=tuple(findings))
        return _html_input(shown, Origin.TEMPLATE, mask_jinja(text), kind, template=source, findings=tuple(findings))
    html, subject = placeholder
    return _html_input(shown, Origin.TEMPLATE, html, kind, subject=subject, findings=tuple(findings), **common)


def _render_failed(error: NewsletterError, shown: str) -> Finding:
    own = error.path in (None, shown)
    where = "" if own else f" (in {error.path}{f':{error.line}' if error.line else ''})"
    return finding("T006", error.what + where, Location(shown, error.line if own else None))


def _render_options(kind: Kind | None, data: Mapping[str, Any], config: Config) -> RenderOptions:
    return RenderOptions(
        kind=kind or Kind.TRANSACTIONAL,  # an undeclared kind is T003's finding, not a render failure
        sender=None if config.sender_address else LINT_SENDER,
        to=None if data.get("email") else LINT_RECIPIENT,
        unsubscribe_url=None if config.unsubscribe_url else LINT_UNSUBSCRIBE,
    )


def _render_with_placeholders(path: Path, env: jinja2.Environment, ast: Any, kind: Kind | None,
                              config: Config) -> tuple[str, str] | None:
    env.undefined = _Placeholder
    context = {"kind": kind.value if kind else "", "locale": config.locale,
               "unsubscribe_url": "{{ unsubscribe_url }}", "email": "{{ email }}"}
    plain = render_plain(env, ast, context)
    if plain is not None:
        return plain, ""  # no blocks, so no subject
    try:
        with jinja_errors(path):
            # compiled from the tree already parsed (no second parse), under the file's name
            template = env.template_class.from_code(env, env.compile(ast, path.name, str(path)), env.make_globals(None))
        html = render_template(template, context)
        subject = render_block(template, "subject", context) or ""
    except TemplateFault:
        raise
    except NewsletterError:  # a value a placeholder cannot stand for
        return None
    return html, " ".join(subject.split())


def _static_block(ast: Any, name: str) -> str | None:
    """The literal text of `{% block name %}` when it holds only text (as `kind` does)."""
    for block in ast.find_all(jinja2.nodes.Block):
        if block.name == name:
            parts = [node.data for output in block.body if isinstance(output, jinja2.nodes.Output)
                     for node in output.nodes if isinstance(node, jinja2.nodes.TemplateData)]
            return "".join(parts)
    return None


def mask_jinja(text: str) -> str:
    """The source with `{% %}` and `{# #}` tags blanked (newlines kept, so lines stay true); a tag
    left open stays. Expressions `{{ }}` stay: they read as placeholder text. Each tag's end is
    looked for once, and not again once missing (a lazy regex looked from every '{%': minutes)."""
    out: list[str] = []
    done = 0
    unclosed: set[str] = set()  # the tag kinds whose end no longer comes
    for start in _JINJA_TAG_START.finditer(text):
        kind = start.group()[1]
        if start.start() < done or kind in unclosed:
            continue
        end = text.find(kind + "}", start.end())
        if end < 0:
            unclosed.add(kind)
            continue
        out += [text[done:start.start()], re.sub(r"[^\n]", " ", text[start.start():end + 2])]
        done = end + 2
    return "".join(out) + text[done:]
