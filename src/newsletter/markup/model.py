"""The typed graph both syntaxes produce: items with properties whose values are literals or items.

JSON-LD and microdata of the same markup give equal graphs (locations aside), so one validator
serves both. Values keep their source form (a JSON number stays a number, microdata is text):
the validator decides what a value means, the extractor only reports what was written.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Iterator, Union

from ..findings import Finding, Location


class Syntax(str, enum.Enum):
    JSON_LD = "json-ld"
    MICRODATA = "microdata"


@dataclass(frozen=True)
class Literal:
    """A plain value: text (always, in microdata), or a JSON number, boolean or null."""

    value: str | int | float | bool | None
    location: Location | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return "" if self.value is None else str(self.value)

    def to_json(self) -> Any:
        return self.value


Value = Union[Literal, "Item"]


@dataclass(frozen=True)
class Property:
    name: str
    values: tuple[Value, ...]
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Item:
    """One schema.org item. `type` is the short name ("Order"), or "" when none was given;
    `vocabulary` is the namespace it was written with ("" for schema.org)."""

    type: str
    properties: tuple[Property, ...]
    syntax: Syntax = field(default=Syntax.JSON_LD, compare=False)
    location: Location | None = field(default=None, compare=False)
    end_line: int | None = field(default=None, compare=False)
    vocabulary: str = ""

    def property(self, name: str) -> Property | None:
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None

    def values(self, name: str) -> tuple[Value, ...]:
        prop = self.property(name)
        return prop.values if prop else ()

    def first(self, name: str) -> Value | None:
        values = self.values(name)
        return values[0] if values else None

    def text(self, name: str) -> str | None:
        """The first literal value of `name` as text (or an ImageObject/EntryPoint's url)."""
        value = self.first(name)
        if isinstance(value, Literal):
            return value.text
        if isinstance(value, Item):
            return value.text("url") or value.text("name")
        return None

    def walk(self) -> Iterator["Item"]:
        """This item and every item nested in it, depth first."""
        yield self
        for prop in self.properties:
            for value in prop.values:
                if isinstance(value, Item):
                    yield from value.walk()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type or None,
            "syntax": self.syntax.value,
            "location": (self.location or Location()).to_json(),
            "properties": {
                p.name: [v.to_json() for v in p.values] for p in self.properties
            },
        }


@dataclass(frozen=True)
class Markup:
    """Everything extracted from one HTML document: root items, extraction findings (a JSON
    syntax error, say), and image sizes known from `<img width height>` attributes."""

    items: tuple[Item, ...] = ()
    findings: tuple[Finding, ...] = ()
    image_sizes: tuple[tuple[str, tuple[int, int]], ...] = ()
    path: str | None = None

    def image_size(self, url: str) -> tuple[int, int] | None:
        for known, size in self.image_sizes:
            if known == url:
                return size
        return None

    def all_items(self) -> Iterator[Item]:
        for item in self.items:
            yield from item.walk()
