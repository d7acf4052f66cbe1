"""Quote a message as it is written. Matching runs on folded text (lower case, no accents), but a
reason shown to a person quotes the original span: « Jusqu’à -40 % », not « jusqu'a -40 % »."""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property

from .knowledge import fold

_LINE_BREAKS = re.compile(r"[ \t\r\n\f\v]+")


class FoldedText:
    """`fold` of each part, joined by one space, and the way back from a span of it to the
    original text. The map is made only when a span is first quoted."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts
        self.original = " ".join(parts)
        self.folded = tuple(fold(part) for part in parts)  # each part's own, for who reads one alone
        self.text = " ".join(self.folded)

    def quote(self, start: int, end: int) -> str:
        """The original text behind `text[start:end]`, its line breaks made spaces (no-break
        spaces kept); the folded span itself if the map could not be made."""
        origins = self._origins
        if origins is None or not start < end <= len(origins):
            return " ".join(self.text[start:end].split())
        return _LINE_BREAKS.sub(" ", self.original[origins[start]:origins[end - 1] + 1]).strip()

    @cached_property
    def _origins(self) -> list[int] | None:
        """For each character of `text`, the index in `original` it comes from."""
        origins: list[int] = []
        base = 0
        for number, part in enumerate(self.parts):
            if number:
                origins.append(base - 1)  # the joining space
            mapped = _fold_map(part)
            if mapped is None:
                return None
            origins += [base + index for index in mapped]
            base += len(part) + 1
        return origins if len(origins) == len(self.text) else None


def _fold_map(part: str) -> list[int] | None:
    """`fold(part)` done one character at a time (a run of ASCII at once: its own lower case,
    no mark to drop), recording where each output character comes from; None where that
    differs from `fold` (a context-dependent lower case, such as a final Σ)."""
    characters: list[str] = []
    where: list[int] = []
    done = 0
    for run in (*_ASCII_RUN.finditer(part), None):
        for index in range(done, run.start() if run else len(part)):
            piece = part[index].replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ").lower()
            for character in unicodedata.normalize("NFKD", piece):
                if not unicodedata.combining(character):
                    characters.append(character)
                    where.append(index)
        if run:
            characters.extend(run.group().lower())
            where.extend(range(run.start(), run.end()))
            done = run.end()
    kept = "".join(characters)
    words = list(_WORD.finditer(kept))
    origins: list[int] = []
    for number, word in enumerate(words):
        if number:
            origins.append(where[words[number - 1].end()])  # the first space after the word before
        origins += where[word.start():word.end()]
    return origins if " ".join(w.group() for w in words) == fold(part) else None


_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
_WORD = re.compile(r"\S+")  # as `str.split` splits: `\s` is `str.isspace`
