"""Rendering: Jinja templates in the sandbox, CSS inlined, a plain-text part, a complete message."""

from .inline import Inlined, inline_css
from ..kinds import Kind, resolve_kind
from .message import Envelope, build_message
from .pipeline import CompiledTemplate, RenderedMessage, RenderOptions, render, render_source
from .text import html_to_text

__all__ = [
    "CompiledTemplate",
    "Envelope",
    "Inlined",
    "Kind",
    "RenderOptions",
    "RenderedMessage",
    "build_message",
    "html_to_text",
    "inline_css",
    "render",
    "render_source",
    "resolve_kind",
]
