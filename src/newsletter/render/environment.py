"""The Jinja environment templates run in: sandboxed, limited, autoescaped, strict about undefined
names, loading only from the template's project.

Templates are untrusted (a marketer's upload), so they run in Jinja's sandbox with resource limits
(`sandbox.py`, `budget.py`) and read layouts and partials from their project only (`loader.py`);
recipient data is HTML-escaped; a misspelt variable is an error naming it, not an empty string.
Every Jinja failure becomes one `NewsletterError` with the template's file and line.
"""

from __future__ import annotations

import html
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

import jinja2
from jinja2.sandbox import SecurityError

from .. import bounded_json
from ..config import Config, find_config
from ..errors import NewsletterError
from ..limits import input_limits
from .budget import TemplateLimitError, render_budget
from .loader import ProjectLoader, TemplateOutsideProject
from .sandbox import TemplateSandbox
from .slots import slot_aware_tojson


class TemplateFault(NewsletterError):
    """A template that cannot render whatever its data: a syntax error, a template that is not
    there or outside the project, a limit passed."""


def make_environment(template: Path, config: Config | None = None) -> TemplateSandbox:
    """The environment for `template`, which loads from its project (`config`: the template's
    configuration, found when not given)."""
    env = TemplateSandbox(
        loader=ProjectLoader.for_template(template, config if config is not None else find_config(template)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["money"] = money
    env.filters["tojson"] = slot_aware_tojson(env.filters["tojson"])
    return env


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "CAD": "$ CA", "JPY": "¥"}


@jinja2.pass_context
def money(context: Any, value: Any, currency: str = "EUR") -> str:
    """`24.5 | money("EUR")` -> `24,50 €` in French, `€24.50` in English (the `locale` variable)."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"money: {value!r} is not a number") from None
    symbol = _SYMBOLS.get(str(currency).upper(), str(currency))
    if str(context.get("locale", "en")).lower().startswith("fr"):
        digits = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")
        return f"{digits}\u00a0{symbol}"
    return f"{symbol}{amount:,.2f}"


def header_environment() -> TemplateSandbox:
    """For values that end up in headers or URLs (unsubscribe URL): no HTML escaping."""
    return TemplateSandbox(autoescape=False, undefined=jinja2.StrictUndefined)


def load_template(env: jinja2.Environment, template: Path) -> jinja2.Template:
    """Compile `template`. Its own folder is first on the search path, so its name finds it."""
    if not template.is_file():
        raise NewsletterError("template not found", path=template, fix="check the path")
    with jinja_errors(template):
        try:
            return env.get_template(template.name)
        except UnicodeDecodeError as exc:
            raise NewsletterError(f"template is not UTF-8: {exc}", path=template) from None


def render_block(template: jinja2.Template, name: str, context: Mapping[str, Any]) -> str | None:
    """The text of one `{% block %}` rendered alone, HTML entities decoded; None if absent."""
    block = template.blocks.get(name)
    if block is None:
        return None
    with jinja_errors(Path(template.filename or "<template>")), render_budget():
        return html.unescape(template.environment.concat(block(template.new_context(dict(context)))))


def render_template(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    with jinja_errors(Path(template.filename or "<template>")), render_budget():
        return template.render(context)


@contextmanager
def jinja_errors(template: Path) -> Iterator[None]:
    """Turn Jinja's exceptions into one clear `NewsletterError` with file and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateFault(
            f"template syntax error: {exc.message}",
            path=exc.filename if exc.filename and exc.filename != "<template>" else template,
            line=exc.lineno,
            fix="correct the Jinja syntax at that line",
        ) from None
    except jinja2.TemplateNotFound as exc:
        path, line = _template_frame(exc, template)
        named = isinstance(exc.name, str)  # else a stand-in for a name: the data decides it
        raise (TemplateFault if named else NewsletterError)(
            f"template {exc.name!r} not found in the project (the template's folder, the folders "
            "above it up to newsletter.toml, and template_dirs)",
            path=path,
            line=line,
            fix="check the name in {% extends %} or {% include %}; without a newsletter.toml the "
                "project is the template's folder alone",
        ) from None
    except (TemplateOutsideProject, TemplateLimitError, RecursionError, MemoryError) as exc:
        path, line = _template_frame(exc, template)
        what, fix = _refusal(exc)
        raise TemplateFault(what, path=path, line=line, fix=fix) from None
    except SecurityError as exc:
        path, line = _template_frame(exc, template)
        raise NewsletterError(
            f"unsafe template code refused by the sandbox: {exc}",
            path=path,
            line=line,
            fix="templates may only read the data they are given",
        ) from None
    except jinja2.UndefinedError as exc:
        path, line = _template_frame(exc, template)
        raise NewsletterError(
            f"undefined variable: {exc.message}",
            path=path,
            line=line,
            fix="add it to the data, or guard it with {% if name is defined %}",
        ) from None
    except (jinja2.TemplateRuntimeError, TypeError, ValueError, ArithmeticError, LookupError,
            AttributeError) as exc:  # FilterArgumentError is a TemplateRuntimeError
        path, line = _template_frame(exc, template)
        raise NewsletterError(f"template error: {exc}", path=path, line=line) from None


def _refusal(exc: BaseException) -> tuple[str, str]:
    """What a template asked for that it may not have, and how to do without it."""
    if isinstance(exc, TemplateOutsideProject):
        return str(exc), ("name layouts and partials relative to the template's folder, the project's "
                          "(where newsletter.toml is) or a folder listed in template_dirs")
    if isinstance(exc, TemplateLimitError):
        return f"template limit: {exc.what}", exc.fix
    if isinstance(exc, RecursionError):
        return "template limit: the template recurses too deeply", (
            "stop the recursion (a macro that calls itself, a template that includes itself, "
            "a block that renders itself with self.name())")
    return "template limit: not enough memory to render the template", "make the template build smaller values"


def _template_frame(exc: BaseException, fallback: Path) -> tuple[str, int | None]:
    """The innermost traceback frame that belongs to a template file, after Jinja's rewrite."""
    found: tuple[str, int | None] = (str(fallback), None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<frozen"):
            name = str(fallback) if filename == "<template>" else filename
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def load_json(path: Path) -> dict[str, Any]:
    """Template data from a JSON file, within the `[data]` limits; errors name the line and column."""
    limit = input_limits("data")["max_file_bytes"]
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
        if len(raw) > limit:
            raise NewsletterError(
                f"the data file is larger than the limit of {limit:,} bytes", path=path,
                fix="keep the data to what the template shows (a product list, not a whole catalogue)",
            )
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise NewsletterError(f"cannot read data file: {exc}", path=path) from None
    try:
        data = bounded_json.loads(text)
    except json.JSONDecodeError as exc:
        raise NewsletterError(
            f"invalid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno,
            fix="correct the JSON syntax",
        ) from None
    except bounded_json.JsonLimitError as exc:
        raise NewsletterError(exc.what, path=path, line=exc.line, column=exc.column, fix=exc.fix) from None
    if not isinstance(data, dict):
        raise NewsletterError(
            "the data must be a JSON object", path=path, line=1, fix='wrap it as {"name": value}'
        )
    return data
