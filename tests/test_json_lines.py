"""Every JSON Lines record the tool writes stays one line for any reader: U+0085, U+2028 and
U+2029, which JSON leaves raw and `str.splitlines` (and JavaScript) break lines on, are escaped."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, strategies as st

from helpers import run_cli
from newsletter.json_lines import json_line

VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                      max_leaves=12)


@given(VALUES)
def test_a_record_is_one_line_and_reads_back_as_written(value):
    line = json_line(value)
    assert line.splitlines() == [line] or line == ""
    assert json.loads(line) == value


def test_readable_text_stays_readable():
    assert json_line({"ville": "Orléans", "prix": "24,00 €", "titre": "« soldes »"}) == \
        '{"ville": "Orléans", "prix": "24,00 €", "titre": "« soldes »"}'
    assert json_line(["a\u2028b\x85c\u2029"]) == '["a\\u2028b\\u0085c\\u2029"]'


def test_a_rejected_row_with_a_line_separator_is_one_line_of_rejects(tmp_path: Path):
    """Found by the recipients fuzz test: a row's field named with U+0085 gave two lines in
    rejects.jsonl for one rejected row."""
    (tmp_path / "newsletter.toml").write_text(
        'sender_address = "shop@example.com"\n'
        'unsubscribe_url = "https://shop.example/u?e={{ email | urlencode }}"\n', encoding="utf-8")
    template = tmp_path / "promotional" / "t.html"
    template.parent.mkdir()
    template.write_text('{% block subject %}Nos nouveautés{% endblock %}<p>Bonjour {{ first_name }},</p><a href="{{ unsubscribe_url }}">Se désinscrire</a>',
                        encoding="utf-8")
    recipients = tmp_path / "list.jsonl"
    recipients.write_text('{"email": "a@example.com", "first_name": "Zoé"}\n'
                          '{"email": "b@example.com", "first_name": {"\\u0085": "\\u001f"}}\n'
                          '{"email": "c@example.com", "first_name": "x\\u2028y"}\n', encoding="utf-8")
    run = run_cli("render", template, "--recipients", recipients, "--out-dir", tmp_path / "out", "--jobs", "1")
    assert run.exit_code == 1, run.stderr
    rejects = (tmp_path / "out" / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    manifest = (tmp_path / "out" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert "3 rows read, 1 rendered, 2 rejected" in run.stderr  # control characters and separators refused
    assert [json.loads(line)["row"] for line in rejects] == [2, 3]
    assert len(manifest) == 1
