"""Bounds on untrusted input (sizes, depths, work, time), read from `checks/input-limits.toml`.

Templates, data, recipient lists, HTML, CSS, JSON-LD, zone files and reports may be hostile or
broken; each reader takes its section here, so every bound is documented data a user can look
up. `python -m newsletter.lint.docs` writes docs/limits.md from the file, beside docs/rules.md.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from .checkfiles import read_check

_KEY = re.compile(r"(\w+)\s*=\s*(.+)")


def _text() -> str:
    return read_check("input-limits.toml")


@lru_cache(maxsize=None)
def input_limits(section: str) -> Mapping[str, int | float]:
    """The `[section]` table of `checks/input-limits.toml` (read once)."""
    return MappingProxyType(tomllib.loads(_text())[section])


def limits_markdown() -> str:
    """Every bound, by table, with the comment above it as its reason."""
    values = tomllib.loads(_text())
    out = ["# Input limits", "",
           "Generated from `checks/input-limits.toml` by `python -m newsletter.lint.docs`; "
           "do not edit. What the tool refuses (one clear line, exit 2, or the row rejected in bulk) "
           "rather than spend unbounded time or memory on, and why each bound is where it is."]
    table, why = None, []
    for line in _text().splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            table, why = line[1:-1], []
            out += ["", f"## `[{table}]`", "", "| limit | value | why |", "|---|---:|---|"]
        elif line.startswith("#"):
            why.append(line.lstrip("# ").strip())
        elif table and (key := _KEY.match(line)):
            value = values[table][key.group(1)]
            reason = " ".join(why).replace("|", "\\|")
            out.append(f"| `{key.group(1)}` | {value:,} | {reason} |")
            why = []
    return "\n".join(out) + "\n"
