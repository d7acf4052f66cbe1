"""Every real-world HTML file of ../shared/corpus renders as a plain template without crashing.

Files written for other template languages (Postmark's Mustachio `{{#each}}`, undefined
`{{ name }}`) must fail with one clear line and exit 2; the others must render completely.
"""

from __future__ import annotations

import pytest

from conftest import corpus_files, requires_shared
from helpers import parse_eml, part, run_cli

FILES = corpus_files("*/*.html")
FLAGS = ("--kind", "promotional", "--from", "Shop <shop@example.com>", "--to", "a@example.com",
         "--subject", "Corpus", "--unsubscribe-url", "https://shop.example/u")


@requires_shared
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_renders_or_fails_cleanly(path):
    run = run_cli("render", path, *FLAGS)
    assert "Traceback" not in run.stderr
    if run.exit_code == 2:
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and path.name in lines[0], run.stderr
        assert "{{" in path.read_text(encoding="utf-8"), "only foreign template syntax may fail"
        return
    assert run.exit_code == 0, run.stderr
    message = parse_eml(run.stdout)
    assert part(message, "plain").strip(), "a text part with content"
    assert "<html" in part(message, "html").lower()


@requires_shared
def test_most_of_the_corpus_renders():
    rendered = sum(run_cli("render", path, *FLAGS).exit_code == 0 for path in FILES)
    assert rendered >= 16, rendered  # all ColorLib and Cerberus files: no template syntax in them
