"""Gmail's markup requirements and the schema.org vocabulary, loaded from `checks/` as typed data.

The knowledge lives in `checks/gmail-markup.toml` (per type: required and recommended
properties, value types, the source page) and `checks/markup-vocabulary.toml` (type hierarchy,
property names, ISO 4217 codes), so it can be read and corrected without touching code.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..checkfiles import read_check
from ..kinds import Kind

# Value types that are literals; anything else in `expects` is an enumeration or a nested type.
LITERAL_TYPES = frozenset({"Text", "Number", "URL", "DateTime", "Date", "Currency", "Boolean"})


class Level(str, enum.Enum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class PropertySpec:
    path: str
    expects: tuple[str, ...]
    level: Level
    source: str
    alternatives: tuple[str, ...] = ()  # sibling properties that stand in for this one

    @property
    def parent(self) -> str:
        return self.path.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]


@dataclass(frozen=True)
class TypeSpec:
    """What Gmail requires of one card, action or annotation type."""

    name: str
    kind: Kind | None  # None: fits either kind of mail
    root_only: bool
    page: str
    display: str
    properties: tuple[PropertySpec, ...]
    notes: tuple[str, ...] = ()

    def at(self, path: str) -> PropertySpec | None:
        for prop in self.properties:
            if prop.path == path:
                return prop
        return None


@dataclass(frozen=True)
class TypeInfo:
    name: str
    parent: str | None
    properties: frozenset[str]
    gmail: bool = False
    open: bool = False


@dataclass(frozen=True)
class Promotions:
    source: str
    carousel_source: str
    carousel_max_cards: int
    aspect_ratios: tuple[tuple[str, float], ...]
    single_image_ratio: str
    ratio_tolerance: float


@dataclass(frozen=True)
class Knowledge:
    types: dict[str, TypeSpec]
    vocabulary: dict[str, TypeInfo]
    enumerations: dict[str, frozenset[str]]
    currencies: frozenset[str]
    promotions: Promotions

    def is_a(self, name: str, ancestor: str) -> bool:
        seen = set()
        while name and name not in seen:
            if name == ancestor:
                return True
            seen.add(name)
            info = self.vocabulary.get(name)
            name = info.parent if info else None
        return False

    def known_properties(self, name: str) -> frozenset[str] | None:
        """Every property `name` has (own and inherited); None when we cannot tell."""
        names: set[str] = set()
        while name:
            info = self.vocabulary.get(name)
            if info is None or info.open:
                return None
            names |= info.properties
            name = info.parent
        return frozenset(names)


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(read_check(name))


def _ratio(text: str) -> float:
    width, _, height = text.partition(":")
    return float(width) / float(height)


@cache
def knowledge() -> Knowledge:
    """The shipped requirements, loaded once."""
    gmail, vocab = _read("gmail-markup.toml"), _read("markup-vocabulary.toml")
    shapes = gmail.get("shapes", {})

    def expand(raw: dict[str, Any], prefix: str, source: str) -> list[PropertySpec]:
        path = f"{prefix}.{raw['path']}" if prefix else raw["path"]
        specs = [
            PropertySpec(
                path=path,
                expects=tuple(raw["expects"]),
                level=Level(raw["level"]),
                source=raw.get("source", source),
                alternatives=tuple(raw.get("alternatives", ())),
            )
        ]
        if "shape" in raw:
            shape = shapes[raw["shape"]]
            for child in shape["property"]:
                specs += expand(child, path, shape.get("source", source))
        return specs

    types: dict[str, TypeSpec] = {}
    for raw in gmail["type"]:
        props: dict[str, PropertySpec] = {}  # by path: the type's own replaces its shape's
        own = raw.get("property", ())
        for child in [*(shapes[raw["shape"]]["property"] if "shape" in raw else ()), *own]:
            props.update((spec.path, spec) for spec in expand(child, "", raw["page"]))
        types[raw["name"]] = TypeSpec(
            name=raw["name"],
            kind=None if raw["kind"] == "any" else Kind(raw["kind"]),
            root_only=raw["scope"] == "root",
            page=raw["page"],
            display=raw.get("display", raw["name"]),
            properties=tuple(props.values()),
            notes=tuple(raw.get("notes", ())),
        )
    vocabulary = {
        name: TypeInfo(name, raw.get("parent"), frozenset(raw["properties"]), raw.get("gmail", False), raw.get("open", False))
        for name, raw in vocab["types"].items()
    }
    promo = gmail["promotions"]
    return Knowledge(
        types=types,
        vocabulary=vocabulary,
        enumerations={name: frozenset(raw["values"]) for name, raw in gmail["enumerations"].items()},
        currencies=frozenset(vocab["currencies"]["codes"]),
        promotions=Promotions(
            source=promo["source"],
            carousel_source=promo["carousel_source"],
            carousel_max_cards=promo["carousel_max_cards"],
            aspect_ratios=tuple((r, _ratio(r)) for r in promo["aspect_ratios"]),
            single_image_ratio=promo["single_image_ratio"],
            ratio_tolerance=promo["ratio_tolerance"],
        ),
    )
