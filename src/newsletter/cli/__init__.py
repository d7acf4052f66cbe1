"""The command line: parse options, call the library, print a report. It decides nothing.

One module per command; each registers itself on `main`.
"""

from __future__ import annotations

from .app import main
from . import render  # noqa: F401  (registers the command)
from . import markup  # noqa: F401  (registers the command)
from . import lint  # noqa: F401  (registers lint and rules)
from . import dns  # noqa: F401  (registers the command)
from . import check  # noqa: F401  (registers the command)
from . import preview  # noqa: F401  (registers the command)
from . import reports  # noqa: F401  (registers the command)
from . import send  # noqa: F401  (registers the command)
from . import init  # noqa: F401  (registers the command)

__all__ = ["main"]
