"""The placement model's knowledge, loaded once from `checks/placement.toml` (what is measured,
thresholds, French and English vocabularies, the hand-set parts) and `checks/placement-model.toml`
(the fitted weights, intercepts and learned vocabularies). Typed, so a malformed file fails at
load time, not mid-report."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import compress
from typing import Any, Mapping, Sequence

from ..checkfiles import read_check

SCORES = ("promotions", "updates", "spam")


@dataclass(frozen=True)
class Weight:
    """How one signal's value becomes a contribution to one score: weight × value, the value
    limited to `cap` (one message cannot pile up a single signal)."""

    signal: str
    score: str  # one of SCORES
    weight: float
    cap: float
    text: str
    rules: tuple[str, ...] = ()  # lint rules whose findings this signal counts
    part: str = "content"  # of the spam score: content, authentication, compliance, spamassassin

    def contribution(self, value: float) -> float:
        return self.weight * min(value, self.cap)


@dataclass(frozen=True)
class Model:
    """A fitted logistic model: log-odds = intercept + Σ weights' contributions + the weights of
    the learned terms present."""

    name: str
    intercept: float
    weights: tuple[Weight, ...]
    terms: Mapping[str, float]  # learned words and two-word phrases (folded) -> weight
    terms_text: tuple[str, str]  # reason texts for terms pushing up, and pulling down


def fold(text: str) -> str:
    """Lower case without accents, straight apostrophes, one space between words: how both the
    vocabularies and the message are compared (« Réduction » matches "reduction")."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ").lower()
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():  # a combining mark is never ASCII: only the other runs are read
        text = _NON_ASCII.sub(_without_marks, text)
    return " ".join(text.split())


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _without_marks(run: re.Match[str]) -> str:
    return "".join(c for c in run.group() if not unicodedata.combining(c))


# Possessive: nothing follows a word in the pattern, so its first, longest reading is always the
# match, and the regex engine keeps no state to go back on.
_TOKEN = re.compile(r"[a-z0-9]++(?:'[a-z0-9]++)*+|[%#€$£]")


def words_of(folded_text: str) -> list[str]:
    """The words of folded text, and the symbols that carry meaning in offers (% # € $ £)."""
    return _TOKEN.findall(folded_text)


@dataclass(frozen=True)
class Vocabulary:
    """Phrases matched as whole words in folded text; each distinct phrase counts once.
    Matched on words, not by one large regex: a message is read once, whatever the list's size.
    A phrase is looked up only where a word that starts one stands (most words of a message
    start none)."""

    phrases: Mapping[tuple[str, ...], str]  # words of the folded phrase -> as written in the data
    longest: int
    starts: Mapping[str, tuple[int, ...]]  # a phrase's first word -> the phrases' lengths, shortest first

    @classmethod
    def of(cls, phrases: list[str]) -> "Vocabulary":
        unique = {tuple(words_of(fold(p))): p for p in reversed(phrases)}
        unique.pop((), None)
        lengths: dict[str, set[int]] = {}
        for words in unique:
            lengths.setdefault(words[0], set()).add(len(words))
        return cls(unique, max(map(len, unique), default=0),
                   {word: tuple(sorted(found)) for word, found in lengths.items()})

    def distinct(self, folded_text: str) -> tuple[str, ...]:
        """The distinct phrases found (as written in the vocabulary), in order of first appearance."""
        return self.distinct_in(words_of(folded_text))

    def distinct_in(self, words: Sequence[str]) -> tuple[str, ...]:
        """`distinct` over the words of a folded text (`words_of`), for callers that hold them."""
        found: dict[tuple[str, ...], None] = {}  # in order of first appearance, shorter first
        starts = self.starts
        # The words that start a phrase, told apart in C (`compress` over `map`): most start none.
        for at in compress(range(len(words)), map(starts.__contains__, words)):
            for length in starts[words[at]]:
                phrase = tuple(words[at:at + length])
                if phrase in self.phrases:
                    found[phrase] = None
        return tuple(self.phrases[p] for p in found)


@dataclass(frozen=True)
class Structure:
    button_classes: tuple[str, ...]
    menu_min_links: int
    menu_max_words: int
    short_max_words: int
    short_max_links: int
    short_max_images: int
    icon_max_width: int
    free: Mapping[str, int]  # signal -> what is counted only beyond it
    min_letters: int


@dataclass(frozen=True)
class Platform:
    """A bulk-mail platform, known by the headers it adds (checks/placement-platforms.toml)."""

    name: str
    markers: tuple[tuple[str, str], ...]  # (header name, text its value contains; "" for any value)


@dataclass(frozen=True)
class Knowledge:
    promotions: Model  # fitted: Promotions tab or not
    spam_content: Model  # fitted: spam or not, from the content
    spam_prior: tuple[Weight, ...]  # hand-set: authentication, compliance, SpamAssassin
    updates: tuple[Weight, ...]  # hand-set: Updates or Primary, once not Promotions
    sure: float
    min_evidence: float
    updates_threshold: float
    updates_scale: float
    kind_min_confidence: float
    spam_medium: float
    spam_high: float
    promotional: Vocabulary
    promotional_terms: Vocabulary
    transactional: Vocabulary
    reference_words: tuple[str, ...]
    noreply_senders: frozenset[str]
    marketing_senders: frozenset[str]
    structure: Structure
    promotions_types: frozenset[str]
    headline_words: int
    transactional_types: frozenset[str]
    money: Vocabulary
    urgency: Vocabulary
    donation: Vocabulary
    view_online: Vocabulary
    greetings: frozenset[str]
    function_words: frozenset[str]  # never learned as vocabulary: they mark a language, not a kind of mail
    role_senders: frozenset[str]
    selling_hosts: frozenset[str]
    selling_path_words: frozenset[str]
    min_spaced_letters: int
    usual_charsets: frozenset[str]
    platforms: tuple[Platform, ...]

    @property
    def measured_terms(self) -> frozenset[str]:
        """The words and phrases the signals already count (their vocabularies, reference
        words): the fitted vocabularies do not learn them a second time."""
        lists = (self.promotional, self.promotional_terms, self.transactional, self.money, self.urgency,
                 self.donation, self.view_online)
        return frozenset(" ".join(words) for v in lists for words in v.phrases) | frozenset(self.reference_words)

    @property
    def weights(self) -> tuple[Weight, ...]:
        return self.promotions.weights + self.updates + self.spam_content.weights + self.spam_prior

    def weights_for(self, score: str) -> tuple[Weight, ...]:
        return tuple(w for w in self.weights if w.score == score)


def _weights(table: Mapping[str, Any], score: str, fitted: Mapping[str, float] | None = None) -> tuple[Weight, ...]:
    """The signals of one table; their weights from `fitted` (0 where the fit left one out)
    or, for the hand-set tables, from the table itself."""
    return tuple(
        Weight(signal, score, float(fitted.get(signal, 0.0) if fitted is not None else entry["weight"]),
               float(entry["cap"]), entry["text"], tuple(entry.get("rules", ())), entry.get("part", "content"))
        for signal, entry in table.items()
    )


def _model(name: str, score: str, raw: Mapping[str, Any], fitted: Mapping[str, Any]) -> Model:
    table = fitted[name]
    return Model(name, float(table["intercept"]), _weights(raw[name], score, table["weights"]),
                 {fold(term): float(weight) for term, weight in table.get("terms", {}).items()},
                 tuple(raw["terms_text"][name]))


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(read_check(name))


def _both(table: Mapping[str, list[str]]) -> list[str]:
    return [*table["en"], *table["fr"]]


def _platforms(raw: Mapping[str, Any]) -> tuple[Platform, ...]:
    return tuple(Platform(p["name"], tuple((m["header"], m.get("contains", "").lower()) for m in p["markers"]))
                 for p in raw["platform"])


@cache
def knowledge() -> Knowledge:
    raw = _read("placement.toml")
    fitted = _read("placement-model.toml")
    vocabulary = raw["vocabulary"]
    return Knowledge(
        promotions=_model("promotions", "promotions", raw, fitted),
        spam_content=_model("spam_content", "spam", raw, fitted),
        spam_prior=_weights(raw["spam_prior"], "spam"),
        updates=_weights(raw["updates"], "updates"),
        sure=float(raw["tab"]["sure"]),
        min_evidence=float(raw["tab"]["min_evidence"]),
        updates_threshold=float(raw["tab"]["updates_threshold"]),
        updates_scale=float(raw["tab"]["updates_scale"]),
        kind_min_confidence=float(raw["kind"]["min_confidence"]),
        spam_medium=float(raw["spam"]["medium"]),
        spam_high=float(raw["spam"]["high"]),
        promotional=Vocabulary.of(_both(vocabulary["promotional"])),
        promotional_terms=Vocabulary.of(_both(vocabulary["promotional_terms"])),
        transactional=Vocabulary.of(_both(vocabulary["transactional"])),
        reference_words=tuple(dict.fromkeys(fold(w) for w in _both(vocabulary["reference"]))),
        noreply_senders=frozenset(fold(w) for w in vocabulary["senders"]["noreply"]),
        marketing_senders=frozenset(fold(w) for w in vocabulary["senders"]["marketing"]),
        structure=Structure(**raw["structure"]),
        promotions_types=frozenset(raw["markup"]["promotions"]),
        headline_words=int(raw["headline"]["words"]),
        transactional_types=frozenset(raw["markup"]["transactional"]),
        money=Vocabulary.of(_both(vocabulary["money"])),
        urgency=Vocabulary.of(_both(vocabulary["urgency"])),
        donation=Vocabulary.of(_both(vocabulary["donation"])),
        view_online=Vocabulary.of(_both(vocabulary["view_online"])),
        greetings=frozenset(fold(w) for w in _both(vocabulary["greetings"])),
        function_words=frozenset(fold(w) for w in _both(vocabulary["function_words"])),
        role_senders=frozenset(fold(w) for w in vocabulary["roles"]["names"]),
        selling_hosts=frozenset(raw["links"]["hosts"]),
        selling_path_words=frozenset(raw["links"]["path_words"]),
        min_spaced_letters=int(raw["obfuscation"]["min_spaced_letters"]),
        usual_charsets=frozenset(c.lower() for c in raw["charsets"]["usual"]),
        platforms=_platforms(_read("placement-platforms.toml")),
    )
