"""Bounds on untrusted input (sizes, depths, work, time), read from `checks/input-limits.toml`.

Templates, data, recipient lists, HTML, CSS, JSON-LD and zone files may be hostile or broken;
each reader takes its section here, so every bound is documented data a user can look up.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping


@lru_cache(maxsize=None)
def input_limits(section: str) -> Mapping[str, int | float]:
    """The `[section]` table of `checks/input-limits.toml` (read once)."""
    text = (resources.files("newsletter") / "checks" / "input-limits.toml").read_text(encoding="utf-8")
    return MappingProxyType(tomllib.loads(text)[section])
