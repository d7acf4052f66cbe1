"""The command line: parse options, call the library, print a report. It decides nothing.

One module per command; each registers itself on `main` when `main` first needs it
(`app.COMMANDS`), so a command imports only what it uses.
"""

from __future__ import annotations

from .app import main

__all__ = ["main"]
