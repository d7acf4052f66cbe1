"""Slot tokens: stand-ins for recipient values while a campaign is compiled (see campaign.py)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Mapping

import jinja2
from jinja2 import nodes
from markupsafe import Markup

Step = tuple[str, Any]  # ("attr", name) or ("item", key)


@dataclass(frozen=True)
class SlotPath:
    name: str
    steps: tuple[Step, ...] = ()

    def __str__(self) -> str:
        return self.name + "".join(f".{key}" if op == "attr" else f"[{key!r}]" for op, key in self.steps)

    def lookup(self, env: jinja2.Environment, context: Mapping[str, Any]) -> Any:
        """The value, read as Jinja reads `{{ name.key['item'] }}` (the environment's sandboxed
        lookups). `KeyError` when the name is not in `context`; an undefined step gives
        Jinja's `Undefined`."""
        value = context[self.name]
        for op, key in self.steps:
            value = env.getattr(value, key) if op == "attr" else env.getitem(value, key)
        return value

    @classmethod
    def of(cls, node: nodes.Node) -> "SlotPath | None":
        """The path a `name`, `name.key` or `name['item']` expression reads; None for any other."""
        steps: list[Step] = []
        while not isinstance(node, nodes.Name):
            if isinstance(node, nodes.Getattr):
                steps.append(("attr", node.attr))
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                steps.append(("item", node.arg.value))
            else:
                return None
            node = node.node
        return cls(node.name, tuple(reversed(steps))) if node.ctx == "load" else None


class Registry:
    """Hands out one token per slot path; tokens are letters and digits, so every escaper leaves
    them alone, and a random nonce keeps them out of the template's own text."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(6)
        self.paths: list[SlotPath] = []
        self.index: dict[SlotPath, int] = {}

    def token(self, path: SlotPath, kind: str = "s") -> str:
        if path not in self.index:
            self.index[path] = len(self.paths)
            self.paths.append(path)
        return f"zq{self.nonce}{kind}{self.index[path]}z"

    def pattern(self, kinds: str) -> re.Pattern[str]:
        return re.compile(f"zq{self.nonce}([{kinds}])(\\d+)z")


class Slot(str):
    """Stands for a recipient value while the campaign is compiled."""

    def __new__(cls, registry: Registry, path: SlotPath) -> "Slot":
        slot = super().__new__(cls, registry.token(path))
        slot._registry = registry
        slot._path = path
        return slot

    def __getattr__(self, name: str) -> "Slot":
        if name.startswith("_"):
            raise AttributeError(name)
        return Slot(self._registry, SlotPath(self._path.name, self._path.steps + (("attr", name),)))

    def __getitem__(self, key: Any) -> "Slot":  # type: ignore[override]
        return Slot(self._registry, SlotPath(self._path.name, self._path.steps + (("item", key),)))

    @property
    def json_token(self) -> str:
        return self._registry.token(self._path, "j")


def slot_aware_tojson(original: Any) -> Any:
    """`tojson` that leaves a JSON token for a slot (registered in every environment; a slot never
    exists outside compilation, so normal rendering is unchanged)."""

    @jinja2.pass_eval_context
    def tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Markup:
        if isinstance(value, Slot):
            return Markup(value.json_token)
        return original(eval_ctx, value, indent)

    return tojson
