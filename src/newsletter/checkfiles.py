"""Where the project's knowledge lives: `checks/` (rules, limits, phrase lists, provider rules,
model weights, each with its source).

One folder at the top of the repository, copied into the wheel as `newsletter/checks/` (hatch
`force-include`, as the starter files are): an installed wheel reads its copy, a source tree or an
editable install reads the repository's.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


@cache
def checks_dir() -> Traversable:
    packaged = resources.files("newsletter") / "checks"
    # a stray empty folder (left by a move, a cache) is not the wheel's copy: look for its rules
    return packaged if packaged.joinpath("rules").is_dir() else Path(__file__).resolve().parents[2] / "checks"


def read_check(*parts: str) -> str:
    """The text of a file under `checks/`, e.g. `read_check("rules", "lint.toml")`."""
    return checks_dir().joinpath(*parts).read_text(encoding="utf-8")
