"""Shared test helpers: where the project and the shared corpus are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Reports in English whatever the machine's locale ($LANG...); the locale tests set their own.
os.environ["NEWSLETTER_LOCALE"] = "en"
SHARED = Path(os.environ.get("NEWSLETTER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"

requires_shared = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}"
)


def corpus_files(*patterns: str) -> list[Path]:
    """Files of ../shared/corpus matching the glob patterns (empty when it is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted({p for pattern in patterns for p in CORPUS.glob(pattern)})
