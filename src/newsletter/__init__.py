"""newsletter: render email campaigns, check Gmail markup and sender DNS, lint templates for CI."""

from importlib.metadata import PackageNotFoundError, version

from .config import Config, find_config, load_config
from .errors import NewsletterError
from .findings import Finding, Location, Rule, Severity, catalogue
from .render import Kind, RenderedMessage, RenderOptions, render

try:
    __version__ = version("newsletter")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Config",
    "Finding",
    "Kind",
    "Location",
    "NewsletterError",
    "RenderOptions",
    "RenderedMessage",
    "Rule",
    "Severity",
    "__version__",
    "catalogue",
    "find_config",
    "load_config",
    "render",
]
