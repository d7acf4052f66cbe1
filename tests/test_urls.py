"""The unsubscribe URL compiled once per campaign gives, per recipient, what rendering its
pattern with Jinja gives: the same URI or the same one-line error (issue 18)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.errors import NewsletterError
from newsletter.render.urls import compile_url_pattern

PATTERNS = [
    "https://shop.example/u?e={{ email | urlencode }}",
    "https://shop.example/u?e={{ email|urlencode }}&v={{ city | urlencode }}#x",
    "https://boutique.example/désinscription/{{ client.id | urlencode }}?t={{ client['token'] | urlencode }}",
    "https://shop.example/{{ token | urlencode }}/{{ email | urlencode }}",
    "https://shop.example/u",
    "https://shop.example/u?e={{ email | urlencode }} ",  # a space: the URI check refuses it
    "{{ base | urlencode }}/u?e={{ email | urlencode }}",  # a value where https:// should be
    "https://shop.example/u?e={{ email | urlencode }}&t=<x>",
]
# Not compiled: rendered by Jinja per recipient, as before.
RENDERED = [
    "https://shop.example/u?{% if token %}t={{ token | urlencode }}{% endif %}",
    "https://shop.example/u?e={{ email | urlencode }}{{ 'x' | urlencode }}",
    "https://shop.example/u?e={{ (email ~ token) | urlencode }}",
]

scalars = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["zoe+soldes@example.fr", "a&b#c d", "déf", "100%", "a/b?c=d", " lead", "\u00a0"]),
    st.integers(-10**6, 10**6),
    st.none(),
    st.booleans(),
)
values = st.one_of(scalars, st.dictionaries(st.sampled_from(["id", "token", "k"]), scalars, max_size=3),
                   st.lists(scalars, max_size=3))
rows = st.dictionaries(st.sampled_from(["email", "city", "token", "client", "base"]), values, max_size=5)


def outcome(pattern, row):
    try:
        return pattern.url_for(row)
    except NewsletterError as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("text", PATTERNS)
def test_plain_patterns_are_compiled(text):
    assert compile_url_pattern(text, "unsubscribe_url", Path("t.html")).pieces is not None


@pytest.mark.parametrize("text", RENDERED)
def test_other_patterns_are_rendered(text):
    assert compile_url_pattern(text, "unsubscribe_url", Path("t.html")).pieces is None


@settings(max_examples=600, deadline=None)
@given(text=st.sampled_from(PATTERNS + RENDERED), row=rows)
def test_compiled_pattern_gives_what_rendering_gives(text, row):
    compiled = compile_url_pattern(text, "unsubscribe_url", Path("t.html"))
    rendered = dataclasses.replace(compiled, pieces=None)
    assert outcome(compiled, row) == outcome(rendered, row)


@pytest.mark.parametrize("text, checked_once", [
    (PATTERNS[0], True), (PATTERNS[1], True), (PATTERNS[3], True), (PATTERNS[4], True),
    (PATTERNS[2], False),  # non-ASCII text: converted to a URI a recipient
    (PATTERNS[5], False), (PATTERNS[6], False), (PATTERNS[7], False),
])
def test_a_pattern_whose_fillings_are_uris_is_not_checked_per_recipient(text, checked_once):
    """The property test above covers both ways; this says which way each pattern goes."""
    assert compile_url_pattern(text, "unsubscribe_url", Path("t.html")).uri_when_filled is checked_once


def test_a_compiled_pattern_encodes_the_recipients_values():
    pattern = compile_url_pattern(PATTERNS[1], "unsubscribe_url", Path("t.html"))
    assert pattern.url_for({"email": "zoe+soldes@example.fr", "city": "Saint-Étienne"}) == (
        "https://shop.example/u?e=zoe%2Bsoldes%40example.fr&v=Saint-%C3%89tienne#x")
