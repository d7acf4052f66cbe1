"""Where a template's `{% extends %}`, `{% include %}` and `{% import %}` may read from: its project.

The project is the folder of the nearest `newsletter.toml` (or `pyproject.toml` with
`[tool.newsletter]`), or the template's own folder when there is none, plus the folders the
configuration lists in `template_dirs`. A name is looked up in the template's folder, then each
folder above it up to the project's root (so `{% extends "base.html" %}` finds the nearest shared
layout), then in `template_dirs`. Absolute names, `..` and links that lead out are refused: an
uploaded template must not read the machine's files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import jinja2

from ..config import Config


class TemplateOutsideProject(jinja2.TemplateError):
    """A template name that would read outside the project. Not a `TemplateNotFound`: an
    `{% include ... ignore missing %}` must not hide the attempt."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"template {name!r} is outside the project ({why})")
        self.name = name


class ProjectLoader(jinja2.BaseLoader):
    def __init__(self, search: tuple[Path, ...], roots: tuple[Path, ...]) -> None:
        self.search = search  # folders, in the order a name is looked up
        self.roots = roots  # a file found must really be inside one of these

    @classmethod
    def for_template(cls, template: Path, config: Config) -> "ProjectLoader":
        folder = template.resolve().parent
        root = config.project or folder
        above = [folder, *folder.parents]
        own = above[: above.index(root) + 1] if root in above else [folder]
        return cls(tuple(dict.fromkeys([*own, *config.template_dirs])), (root, folder, *config.template_dirs))

    def find(self, name: str) -> Path | None:
        """The file `name` stands for, or None. Raises `TemplateOutsideProject`."""
        if not isinstance(name, str):  # a value standing in for a name (lint's placeholders)
            return None
        parts = _parts(name)
        for folder in self.search:
            candidate = folder.joinpath(*parts)
            if candidate.is_file():
                if not any(candidate.resolve().is_relative_to(root) for root in self.roots):
                    raise TemplateOutsideProject(name, "a link to a file outside it")
                return candidate
        return None

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.find(template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        source = path.read_text(encoding="utf-8")
        mtime = path.stat().st_mtime

        def uptodate() -> bool:
            try:
                return path.stat().st_mtime == mtime
            except OSError:
                return False

        return source, str(path), uptodate


def _parts(name: str) -> list[str]:
    if name.startswith("/"):
        raise TemplateOutsideProject(name, "an absolute name")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise TemplateOutsideProject(name, "'..' leaves the folders templates load from")
    return parts
