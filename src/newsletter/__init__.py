"""newsletter: render email campaigns, check Gmail markup and sender DNS, lint templates for CI.

The names below are imported when first used, so that `import newsletter` (and the command
line's `--version`) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import DISTRIBUTION, __version__

# public name -> the module that defines it
_EXPORTS = {
    "Config": ".config",
    "find_config": ".config",
    "load_config": ".config",
    "NewsletterError": ".errors",
    "Finding": ".findings",
    "Location": ".findings",
    "Rule": ".findings",
    "Severity": ".findings",
    "catalogue": ".findings",
    "Kind": ".kinds",
    "RenderedMessage": ".render",
    "RenderOptions": ".render",
    "render": ".render",
}

__all__ = ["DISTRIBUTION", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newsletter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from .config import Config, find_config, load_config
    from .errors import NewsletterError
    from .findings import Finding, Location, Rule, Severity, catalogue
    from .kinds import Kind
    from .render import RenderedMessage, RenderOptions, render
