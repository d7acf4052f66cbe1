"""The rooms of the package import only downwards, and no two rooms import each other.

Read from the source (every `import`, also those inside functions): a room is a top-level
module or package of `newsletter`; LAYERS lists them from the bottom up (docs/architecture.md
says why). A room may import rooms of its own layer or below, never above, and the rooms'
graph has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "newsletter"

LAYERS: tuple[frozenset[str], ...] = tuple(frozenset(names.split()) for names in (
    "errors version checkfiles",
    "findings kinds limits files headers addresses bounded_json json_lines bounds i18n images dkimkeys",
    "html reporters",
    "config suppressions",
    "render",
    "document",
    "markup auth",
    "lint",
    "network",
    "placement",
    "preview reports send init",
    "cli",
    "__init__ __main__",
))


def _layer(room: str) -> int:
    for index, rooms in enumerate(LAYERS):
        if room in rooms:
            return index
    raise AssertionError(f"room {room!r} is in no layer of tests/test_layers.py: place it")


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) of every import of `newsletter` in a file."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    module = ".".join(relative.parts)
    package = module.removesuffix(".__init__") if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "newsletter":  # `from . import x` at the top: each name may be a room
                found += [(f"newsletter.{alias.name}", node.lineno) for alias in node.names]
            elif target.startswith("newsletter."):
                found.append((target, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("newsletter.")]
    return found


def _edges() -> dict[tuple[str, str], str]:
    """(importer room, imported room) -> where (file:line), for imports between rooms."""
    edges: dict[tuple[str, str], str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _room(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if path.parent == PACKAGE:
            importer = path.stem
        for target, line in _imports(path):
            imported = _room(target)
            if (PACKAGE / imported).is_dir() or (PACKAGE / f"{imported}.py").is_file():
                if imported != importer:
                    edges.setdefault((importer, imported), f"{path.relative_to(PACKAGE)}:{line}")
            elif imported not in ("__version__", "DISTRIBUTION"):
                raise AssertionError(f"{path}:{line} imports {target}, which is not a module")
    return edges


def test_rooms_import_only_their_layer_or_below():
    upward = [f"{where}: {a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
              for (a, b), where in sorted(_edges().items()) if _layer(b) > _layer(a)]
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_rooms_import_each_other_in_no_cycle():
    graph: dict[str, set[str]] = {}
    for a, b in _edges():
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(room: str, trail: list[str]) -> None:
        state[room] = 1
        for nxt in sorted(graph.get(room, ())):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [room, nxt])
                                     if nxt in trail else f"import cycle: {room} -> {nxt}")
            if nxt not in state:
                visit(nxt, trail + [room])
        state[room] = 2

    for room in sorted(graph):
        if room not in state:
            visit(room, [])


def test_every_room_has_a_layer():
    rooms = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    for room in rooms:
        _layer(room)


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The test itself can fail: a core module importing the CLI is reported."""
    fake = tmp_path / "newsletter"
    (fake / "cli").mkdir(parents=True)
    (fake / "cli" / "__init__.py").write_text("from ..errors import NewsletterError\n")
    (fake / "errors.py").write_text("def f():\n    from .cli import main\n")
    (fake / "__init__.py").write_text("")
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    edges = _edges()
    assert edges[("errors", "cli")] == "errors.py:2"
    try:
        test_rooms_import_each_other_in_no_cycle()
    except AssertionError as exc:
        assert "errors -> cli" in str(exc) or "cli -> errors" in str(exc)
    else:
        raise AssertionError("the cycle errors <-> cli was not seen")
