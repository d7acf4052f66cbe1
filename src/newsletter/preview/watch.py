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

from ..config import find_config
from ..errors import NewsletterError
from ..render.environment import make_environment


def watched_files(template: Path, data_file: Path | None = None) -> tuple[Path, ...]:
    """The template and its layouts and partials (recursively), the data, the config file."""
    found = [template.resolve(), *_references(template)]
    if data_file is not None:
        found.append(data_file.resolve())
    try:
        config = find_config(template).path
    except NewsletterError as exc:  # a broken config is the render's to report; watch it for the fix
        config = Path(exc.path) if exc.path else None
    if config is not None:
        found.append(config.resolve())
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


def _references(template: Path) -> list[Path]:
    """Files of templates reachable through extends/include/import, resolved like Jinja does.
    Dynamic names (`{% extends layout %}`) and syntax errors end the search there."""
    env = make_environment(template)
    seen: list[Path] = []
    pending = [template.resolve()]
    while pending:
        current = pending.pop()
        try:
            names = meta.find_referenced_templates(env.parse(current.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
            continue
        for name in names:
            if name is None:
                continue
            try:
                _, filename, _ = env.loader.get_source(env, name)
            except jinja2.TemplateNotFound:
                continue
            path = Path(filename).resolve()
            if path not in seen and path != template.resolve():
                seen.append(path)
                pending.append(path)
    return seen
