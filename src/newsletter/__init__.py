"""newsletter: render email campaigns, check Gmail markup and sender DNS, lint templates for CI."""

from .config import Config, find_config, load_config
from .errors import NewsletterError
from .findings import Finding, Location, Rule, Severity, catalogue
from .kinds import Kind
from .render import RenderedMessage, RenderOptions, render
from .version import DISTRIBUTION, __version__

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
