"""Fuzzing recipient lists through `newsletter render --recipients` (issue 12): CSV with quotes left
open, separators, line breaks, control characters, byte-order marks, long fields and odd
addresses, and JSON Lines of any shape. Whatever comes in: no traceback; exit 0 or 1 with every
row accounted for (rows read = rendered + rejected, and the manifest and rejects files agree), or
exit 2 with one line on stderr."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings, strategies as st

from helpers import Run, run_cli

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_ROOT = Path(tempfile.mkdtemp(prefix="fuzz-recipients-"))
(_ROOT / "newsletter.toml").write_text(
    'sender_address = "shop@example.com"\n'
    'unsubscribe_url = "https://shop.example/u?e={{ email | urlencode }}"\n', encoding="utf-8")
TEMPLATE = _ROOT / "promotional" / "t.html"
TEMPLATE.parent.mkdir()
TEMPLATE.write_text("{% block subject %}Bonjour {{ first_name }}{% endblock %}<p>Bonjour {{ first_name }},</p>"
                    '<p>{{ city }}</p><a href="{{ unsubscribe_url }}">Se désinscrire</a>', encoding="utf-8")
_SUMMARY = re.compile(r"([\d,]+) rows read, ([\d,]+) rendered(?: \(([\d,]+) by the earlier run\))?, ([\d,]+) rejected")

ADDRESSES = st.one_of(
    st.sampled_from(["a@example.com", "Anne <a@example.com>", "A@EXAMPLE.com", "b@bücher.example",
                     "b@xn--bcher-kva.example", "a@ｅxample.com", "x@example.com, y@evil.example",
                     "bob@example.com x", "u2@example.com\rBcc: evil@attacker.example", "", "@", "no-at",
                     '"quoted, name" <q@example.com>', "zoe+soldes@example.fr", "é@example.fr"]),
    st.from_regex(r"[a-z0-9._+-]{1,12}@[a-z0-9-]{1,10}\.(fr|com|example)", fullmatch=True),
)
FIELDS = st.one_of(
    st.text(max_size=15),
    st.sampled_from(['"', '""', '"open', "a\nb", "a\r\nb", "\x0b", "\x00", "\u2028", "é€«»", ";", ",", "\ufeff", "\t"]),
    st.integers(60_000, 70_000).map(lambda n: "x" * n),  # either side of the field limit
)


def _csv_row(separator: str) -> st.SearchStrategy[str]:
    return st.tuples(ADDRESSES, FIELDS, FIELDS, st.booleans()).map(
        lambda t: separator.join(f'"{v}"' if t[3] else v for v in t[:3]))


CSV = st.sampled_from([",", ";"]).flatmap(lambda sep: st.tuples(
    st.sampled_from(["", "\ufeff"]),
    st.sampled_from([f"email{sep}first_name{sep}city", f"Email{sep}Prénom{sep}Ville", f"email{sep}first_name",
                     "", f'"email{sep}first_name{sep}city']),
    st.lists(_csv_row(sep), max_size=8),
    st.sampled_from(["\n", "\r\n"]),
).map(lambda t: t[0] + t[3].join([t[1], *t[2]]) + t[3]))

JSON_ROW_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), FIELDS),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)),
    max_leaves=10,
)
JSONL = st.lists(st.one_of(
    st.fixed_dictionaries({"email": ADDRESSES, "first_name": JSON_ROW_VALUES, "city": FIELDS}).map(json.dumps),
    JSON_ROW_VALUES.map(json.dumps),
    st.sampled_from(["", "{", "[" * 10_000, '{"email": "a@example.com", "n": 1' + "0" * 5_000 + "}", "null"]),
), max_size=8).map(lambda rows: "\n".join(rows) + "\n")


def assert_accounted_for(run: Run, out: Path) -> None:
    assert run.exit_code in (0, 1, 2), (run.exit_code, run.stderr)
    event(f"exit {run.exit_code}")
    assert "Traceback" not in run.stderr
    if run.exit_code == 2:
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        return
    read, rendered, _, rejected = (int(g.replace(",", "")) if g else 0 for g in _SUMMARY.search(run.stderr).groups())
    assert read == rendered + rejected, run.stderr
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    rejects = (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines() if rejected else []
    assert (len(manifest), len(rejects)) == (rendered, rejected)
    assert sorted(p.name for p in out.glob("*.eml")) == sorted(json.loads(line)["file"] for line in manifest)


def _run(recipients: str, suffix: str) -> None:
    work = Path(tempfile.mkdtemp(dir=_ROOT))
    try:
        source = work / f"list{suffix}"
        source.write_text(recipients, encoding="utf-8", errors="surrogatepass")
        out = work / "out"
        run = run_cli("render", TEMPLATE, "--recipients", source, "--out-dir", out, "--jobs", "1")
        assert_accounted_for(run, out)
    finally:
        shutil.rmtree(work)


@FUZZ
@given(recipients=CSV)
def test_any_csv_list_is_rendered_or_rejected_row_by_row(recipients):
    _run(recipients, ".csv")


@FUZZ
@given(recipients=JSONL)
def test_any_json_lines_list_is_rendered_or_rejected_row_by_row(recipients):
    _run(recipients, ".jsonl")
