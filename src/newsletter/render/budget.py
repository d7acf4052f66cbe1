"""What one render of an untrusted template may spend, and the error when it asks for more.

A template is a program: a marketer's upload can loop without end, recurse, or build a string of
a gigabyte in one expression. Each render gets a budget of loop iterations and calls, seconds and
output characters; every value it builds (string, list, number) is bounded in size. The bounds
are the `[template]` table of `checks/input-limits.toml`.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator

import jinja2

from ..limits import input_limits

_FIX = "make the template do less, or do the work before rendering and pass the result as data"


@dataclass(frozen=True)
class TemplateLimits:
    steps: int  # loop iterations plus calls (macros, functions, methods) in one render
    seconds: float  # wall-clock time of one render
    characters: int  # what one render writes in all, and the size of any one value it builds
    number_digits: int  # decimal digits of a number a template writes or computes
    nesting: int  # levels of the template's tree: tags, brackets, operators, filters
    tag_depth: int  # block tags nested in one another in one template

    @property
    def number_bits(self) -> int:
        return math.ceil(self.number_digits * math.log2(10))


@lru_cache(maxsize=None)
def template_limits() -> TemplateLimits:
    return TemplateLimits(**input_limits("template"))


class TemplateLimitError(jinja2.TemplateRuntimeError):
    """The template asked for more than a limit allows."""

    def __init__(self, what: str, fix: str = _FIX) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


class Budget:
    """One render's spending. `step()` is called for each loop iteration and each call (and reads
    the clock: a step can be slow); `print()` for each expression written."""

    __slots__ = ("limits", "steps", "printed", "deadline")

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.steps = 0
        self.printed = 0
        self.deadline = time.monotonic() + limits.seconds

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise TemplateLimitError(f"the template runs more than {self.limits.steps:,} loop iterations and calls")
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"rendering the template takes more than {self.limits.seconds:g} seconds")

    def print(self, characters: int) -> None:
        self.printed += characters
        if self.printed > self.limits.characters:
            raise _output_error(self.limits)


_CURRENT: ContextVar[Budget | None] = ContextVar("newsletter_template_budget", default=None)


@contextmanager
def render_budget() -> Iterator[Budget]:
    """A fresh budget for the render inside the `with` block (per thread and task)."""
    budget = Budget(template_limits())
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def current_budget() -> Budget | None:
    """The render's budget; None outside `render_budget` (sizes are still bounded there)."""
    return _CURRENT.get()


def counted(iterable: Iterable[Any], budget: Budget) -> Iterator[Any]:
    for item in iterable:
        budget.step()
        yield item


def check_size(size: int) -> None:
    """Refuse, before it is built, a value of more than the limit's characters or items: no
    value may be larger than a whole render's output may be."""
    limit = template_limits().characters
    if size > limit:
        raise TemplateLimitError(f"the template builds a value of {size:,} characters or items (at most {limit:,})")


def check_output(size: int) -> None:
    """Before text is joined: the output, or text a template captures (`{% set %}`, a macro)."""
    limits = template_limits()
    if size > limits.characters:
        raise _output_error(limits)


def sized(value: Any) -> Any:
    """`value`, once checked against the size limits (after an operation that built it)."""
    if isinstance(value, int):
        check_bits(value.bit_length())
    elif isinstance(value, (str, bytes, bytearray, list, tuple, dict, set, frozenset)):
        check_size(len(value))
    return value


def check_bits(bits: int) -> None:
    """Refuse a number of `bits` bits, before or after it is computed."""
    limits = template_limits()
    if bits > limits.number_bits:
        raise TemplateLimitError(f"the template computes a number of more than {limits.number_digits:,} digits")


def _output_error(limits: TemplateLimits) -> TemplateLimitError:
    return TemplateLimitError(f"the template writes more than {limits.characters:,} characters")
