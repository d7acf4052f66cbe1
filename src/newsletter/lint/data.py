"""The linter's knowledge, loaded from `checks/*.toml` once: limits, phrase lists, shorteners.

Typed here so the rules read attributes, not dictionary keys, and a malformed data file fails
loudly at load time rather than silently in a rule.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any, Iterator

from ..checkfiles import read_check


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(read_check(name))


@dataclass(frozen=True)
class Limits:
    clip_bytes: int
    clip_warning_bytes: int
    style_block_bytes: int
    min_images: int
    min_words_per_image: int
    capitals_min_letters: int
    capitals_ratio: float
    exclamations_in_a_row: int
    unsubscribe_context_words: int
    contrast_normal: float
    contrast_large: float
    large_text_px: float
    large_bold_text_px: float


try:  # the characters that IGNORECASE matches beyond lower case (long s for s, dotless i for i)
    from re._casefix import _EXTRA_CASES
except ImportError:  # another Python: every search is case-insensitive
    _EXTRA_CASES = None


@dataclass(frozen=True)
class PhraseList:
    """Phrases matched as whole words, case-insensitively, in French and English."""

    phrases: tuple[str, ...]
    pattern: re.Pattern[str]
    # For text already `normalise`d (lower case): the same pattern without IGNORECASE, three
    # times faster and the same matches unless the text holds a character that IGNORECASE
    # folds onto a phrase's (`folds`).
    lower_case: re.Pattern[str] | None = None
    folds: frozenset[str] = frozenset()
    # `lower_case` without word boundaries: finds a phrase even inside a word (see `may_hold`).
    anywhere: re.Pattern[str] | None = None

    @classmethod
    def of(cls, phrases: list[str]) -> "PhraseList":
        unique = tuple(dict.fromkeys(normalise(p) for p in phrases))
        # Longest first, grouped by first character: the same matches as one flat alternation
        # (phrases with different first letters never match at the same place), but the regex
        # engine tries one group per position instead of every phrase: it scans whole messages.
        by_first: dict[str, list[str]] = {}
        for phrase in sorted(unique, key=len, reverse=True):
            by_first.setdefault(phrase[:1], []).append(re.escape(phrase[1:]).replace(r"\ ", r"\s+"))
        alternatives = "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in by_first.items())
        source = rf"(?<!\w)(?:{alternatives})(?!\w)"
        if _EXTRA_CASES is None:
            return cls(unique, re.compile(source, re.IGNORECASE))
        folds = frozenset(chr(x) for c in set("".join(unique)) for x in _EXTRA_CASES.get(ord(c), ()))
        return cls(unique, re.compile(source, re.IGNORECASE), re.compile(source), folds, re.compile(alternatives))

    def find(self, text: str) -> list[str]:
        return [normalise(m.group(0)) for m in self.pattern.finditer(normalise(text))]

    def contains(self, text: str) -> bool:
        """Whether a phrase stands in the text: told at once, by the fast patterns, for most
        texts (the placement signals ask it of whole messages)."""
        folded = normalise(text)
        return self.may_hold(folded) and next(self.matches(folded), None) is not None

    def matches(self, folded: str) -> Iterator[re.Match[str]]:
        """`pattern.finditer(folded)` for text already `normalise`d, by the faster pattern where it
        finds the same."""
        fast = self.lower_case is not None and not self._folds_in(folded)
        return (self.lower_case if fast else self.pattern).finditer(folded)

    def may_hold(self, folded: str) -> bool:
        """False only when `matches` finds nothing in any part of `folded` (text `normalise`d):
        no phrase stands in it even inside a word. Texts glued together without a separator
        can be asked at once."""
        if self.anywhere is None or self._folds_in(folded):
            return True  # cannot tell by the fast pattern: look closer
        if len(folded) > _SEARCHED_BY_PHRASE:
            # In normalised text a space is one space, so `anywhere` finds exactly the phrases as
            # written; str's own search looks for each at once, where the regex engine tries a
            # phrase at every letter that starts one (most letters do).
            return any(map(folded.__contains__, self.phrases))
        return self.anywhere.search(folded) is not None

    def _folds_in(self, text: str) -> bool:
        """Whether the text holds one of `folds`: a search per fold (two), fifty times faster
        on a whole message than `isdisjoint`, which hashes every character."""
        return any(fold in text for fold in self.folds)


# Past this many characters (a whole message, a long paragraph), a text is searched for each
# phrase by str's search; a shorter one (a link's text) by the fast pattern, which is asked once.
_SEARCHED_BY_PHRASE = 200


def normalise(text: str) -> str:
    """Lower case, one space between words, typographic apostrophes made straight."""
    return " ".join(text.replace("\u2019", "'").replace("\u00a0", " ").split()).lower()


@dataclass(frozen=True)
class Phrases:
    unsubscribe: PhraseList
    unsubscribe_href: tuple[str, ...]
    vague_links: frozenset[str]
    spam: PhraseList
    preheader_classes: frozenset[str]


@cache
def limits() -> Limits:
    raw = _load("lint-limits.toml")
    flat = {**raw["gmail"], **raw["content"], **raw["accessibility"]}
    return Limits(**flat)


@cache
def phrases() -> Phrases:
    raw = _load("phrases.toml")
    both = lambda table: [*raw[table]["en"], *raw[table]["fr"]]  # noqa: E731
    return Phrases(
        unsubscribe=PhraseList.of(both("unsubscribe")),
        unsubscribe_href=tuple(raw["unsubscribe"]["href"]),
        vague_links=frozenset(normalise(p) for p in both("vague_links")),
        spam=PhraseList.of(both("spam")),
        preheader_classes=frozenset(raw["preheader"]["classes"]),
    )


@cache
def shorteners() -> frozenset[str]:
    return frozenset(_load("shorteners.toml")["domains"])


@dataclass(frozen=True)
class ClickTracking:
    services: tuple[str, ...]  # registrable domains, shell-style patterns
    file_extensions: frozenset[str]


@cache
def click_tracking() -> ClickTracking:
    raw = _load("click-tracking.toml")
    return ClickTracking(tuple(raw["services"]), frozenset(raw["file_extensions"]))
