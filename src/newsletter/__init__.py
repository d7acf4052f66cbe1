"""newsletter: render email campaigns, check Gmail markup and sender DNS, lint templates for CI."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "newsletter-toolkit"  # the name on the package index; the import package and command are `newsletter`

from .config import Config, find_config, load_config
from .errors import NewsletterError
from .findings import Finding, Location, Rule, Severity, catalogue
from .render import Kind, RenderedMessage, RenderOptions, render

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DISTRIBUTION",
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
