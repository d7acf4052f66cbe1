"""What the preview watches: the template, every template it extends, includes or imports,
the data file and the configuration; and one fingerprint of their contents.

Contents, not modification times: an editor that saves twice in the same second, or a
`git checkout` that restores an older mtime, still changes the fingerprint.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
from jinja2 import meta

from ..config import Config, find_config
from ..errors import NewsletterError
from ..render.environment import make_environment
from ..render.loader import ProjectLoader, TemplateOutsideProject


def watched_files(template: Path, data_file: Path | None = None) -> tuple[Path, ...]:
    """The template and its layouts and partials (recursively), the data, the config file."""
    try:
        config = find_config(template)
        config_file = config.path
    except NewsletterError as exc:  # a broken config is the render's to report; watch it for the fix
        config, config_file = Config(), Path(exc.path) if exc.path else None
    found = [template.resolve(), *_references(template, config)]
    if data_file is not None:
        found.append(data_file.resolve())
    if config_file is not None:
        found.append(config_file.resolve())
    return tuple(dict.fromkeys(found))


def fingerprint(paths: tuple[Path, ...]) -> str:
    """A short hash of every path and its bytes ("missing" for a file that is not there)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing\0")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _references(template: Path, config: Config) -> list[Path]:
    """Files of templates reachable through extends/include/import, found as the render finds
    them (inside the project). Dynamic names (`{% extends layout %}`), syntax errors and names
    the render refuses end the search there: the render reports them."""
    env = make_environment(template, config)
    loader: ProjectLoader = env.loader  # type: ignore[assignment]
    seen: list[Path] = []
    pending = [template.resolve()]
    while pending:
        current = pending.pop()
        try:
            names = meta.find_referenced_templates(env.parse(current.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, RecursionError, jinja2.TemplateSyntaxError):
            continue
        for name in names:
            try:
                found = loader.find(name) if name is not None else None
            except TemplateOutsideProject:
                continue
            if found is None:
                continue
            path = found.resolve()
            if path not in seen and path != template.resolve():
                seen.append(path)
                pending.append(path)
    return seen
