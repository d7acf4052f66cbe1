"""How large a value an operation would build, worked out before it runs.

Most operations build a value at most a few times the size of their inputs, and the sandbox
checks the result afterwards. These can build a gigabyte from a few characters (`'x' * 10**10`,
`center(10**9)`, `'{:>1000000000}'.format(1)`, `join` of a long separator), so their result's size
is estimated, generously, from their arguments and refused before any memory is taken.
An estimate that cannot be made (arguments of the wrong type) is 0: the operation then raises its
own error.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sized
from typing import Any, Callable

from jinja2.constants import LOREM_IPSUM_WORDS

from .budget import check_bits, check_size

_SEQUENCES = (str, bytes, list, tuple)
_LONGEST_LOREM_WORD = max(map(len, LOREM_IPSUM_WORDS.split())) + 2  # with a comma and a space
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Before `left <operator> right` runs: sequence repetition and concatenation, big powers
    and products, `%` formatting."""
    if operator == "*":
        if isinstance(left, int) and isinstance(right, _SEQUENCES):
            left, right = right, left
        if isinstance(left, _SEQUENCES) and isinstance(right, int):
            check_size(len(left) * max(right, 0))
        elif isinstance(left, int) and isinstance(right, int):
            check_bits(left.bit_length() + right.bit_length())
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            check_bits((left.bit_length() - 1) * right)  # at least that many; the result is checked too
    elif operator == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            check_size(len(left) + len(right))
    elif operator == "%" and isinstance(left, str):
        check_size(percent_formatted(left, right))


def check_parts(parts: tuple[Any, ...]) -> tuple[Any, ...]:
    """Before `a ~ b ~ c` joins its parts."""
    check_size(sum(map(_length, parts)))
    return parts


def percent_formatted(template: str, arguments: Any) -> int:
    """`template % arguments`: each field is at most its width and precision plus the longest
    argument."""
    values = _values(arguments)
    fields = _PERCENT_FIELD.findall(template)
    widest = max((value for value in values if isinstance(value, int)), default=0)
    widths = sum(widest if number == "*" else _number(number) for field in fields for number in field)
    return len(template) + len(fields) * _longest(values) + widths


def brace_formatted(template: str, values: list[Any]) -> int:
    """`template.format(...)`: the same, for `{}` fields (a nested `{width}` is the largest
    integer argument)."""
    try:
        specs = [spec for _, field, spec, _ in string.Formatter().parse(template) if field is not None]
    except ValueError:
        return 0
    widest = max((value for value in values if isinstance(value, int)), default=0)
    widths = sum(widest if "{" in spec else sum(map(_number, _DIGITS.findall(spec))) for spec in specs if spec)
    return len(template) + len(specs) * _longest(values) + widths


# --- estimates for methods of strings (`text.center(9)`) and for filters (`text | center(9)`) ---

def _padded(value: Any, width: Any = 80, *_: Any, **__: Any) -> int:
    return max(_length(value), _int(width))


def _tabs_expanded(text: Any, tabsize: Any = 8, *_: Any, **__: Any) -> int:
    tab = "\t" if isinstance(text, str) else b"\t"
    return _length(text) + text.count(tab) * _int(tabsize)


def _joined(items: list[Any], separator: Any = "", *_: Any, **__: Any) -> int:
    return sum(map(_length, items)) + _length(separator) * max(len(items) - 1, 0)


def _replaced(text: Any, old: Any, new: Any, count: Any = None, *_: Any, **__: Any) -> int:
    if not isinstance(text, (str, bytes)) or not isinstance(old, type(text)) or not isinstance(new, type(text)):
        return 0
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * max(len(new) - len(old), 0)


def _translated(text: Any, table: Any, *_: Any, **__: Any) -> int:
    longest = max((_length(value) for value in table.values() if value is not None), default=1) \
        if isinstance(table, Mapping) else 1
    return _length(text) * max(longest, 1)


def _indented(text: Any, width: Any = 4, *_: Any, **__: Any) -> int:
    text = str(text)
    indent = len(width) if isinstance(width, str) else _int(width)
    return len(text) + (text.count("\n") + 1) * indent


def _wrapped(text: Any, width: Any = 79, break_long_words: Any = True, wrapstring: Any = None,
             *_: Any, **__: Any) -> int:
    # at worst every character on a line of its own
    return _length(text) * (1 + (len(wrapstring) if isinstance(wrapstring, str) else 1))


# The filters' own parameter names, so that arguments given by name are measured too.

def _filter_joined(items: list[Any], d: Any = "", *_: Any, **__: Any) -> int:
    return _joined(items, d)


def _batched(items: list[Any], linecount: Any, *_: Any, **__: Any) -> int:
    return max(len(items), _int(linecount))


def _sliced(items: list[Any], slices: Any, *_: Any, **__: Any) -> int:
    return max(len(items), _int(slices))


def _summed(items: list[Any], attribute: Any = None, start: Any = 0) -> int:
    if not isinstance(start, _SEQUENCES):
        return 0
    return len(start) + sum(len(item) for item in items if isinstance(item, Sized))


def _json_indented(value: Any, indent: Any = None, *_: Any, **__: Any) -> int:
    return _length(value) * (1 + _int(indent)) if indent else 0


def _percent_filter(template: Any, *args: Any, **kwargs: Any) -> int:
    return percent_formatted(str(template), kwargs or args)


def lipsum_size(n: Any = 5, html: Any = True, min: Any = 20, max: Any = 100) -> int:
    return _int(n) * (_int(max) * _LONGEST_LOREM_WORD + len("<p></p>\n"))


STRING_METHODS: dict[str, Callable[..., int]] = {
    "center": _padded, "ljust": _padded, "rjust": _padded, "zfill": _padded,
    "expandtabs": _tabs_expanded, "join": lambda separator, items: _joined(items, separator),
    "replace": _replaced, "translate": _translated,
}
FILTERS: dict[str, Callable[..., int]] = {
    "center": _padded, "indent": _indented, "wordwrap": _wrapped, "format": _percent_filter,
    "join": _filter_joined, "replace": _replaced, "batch": _batched, "slice": _sliced,
    "sum": _summed, "tojson": _json_indented,
}
# Filters and methods whose first argument is iterated: read once into a list, so that it can
# be measured and then used (a generator would be spent by measuring it).
ITERATED_FILTERS = frozenset({"join", "batch", "slice", "sum"})


def estimate(estimator: Callable[..., int], *args: Any, **kwargs: Any) -> None:
    try:
        size = estimator(*args, **kwargs)
    except TypeError:  # wrong arguments: the operation itself says so
        return
    check_size(size)


def _values(arguments: Any) -> list[Any]:
    if isinstance(arguments, tuple):
        return list(arguments)
    if isinstance(arguments, Mapping):
        return list(arguments.values())
    return [arguments]


def _longest(values: list[Any]) -> int:
    return max(map(_length, values), default=0)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes)) else len(str(value))


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _number(digits: str) -> int:
    """A width written in a format; one too long to convert is as good as infinite."""
    return int(digits) if 0 < len(digits) <= 18 else (0 if not digits else 10**18)
