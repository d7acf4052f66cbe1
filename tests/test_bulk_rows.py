"""Recipient rows that are not what they seem: each bad row is reported and set aside, the others
are rendered, and rows read = rendered + rejected (issue 12, items 11 and 12)."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from helpers import run_cli
from newsletter.render.records import Lines, csv_records

NEWSLETTER = ROOT / "templates/promotional/newsletter.html"
SALE = ROOT / "examples/boutique/sale.json"


def bulk(recipients: Path, out: Path, *extra: str):
    return run_cli("render", NEWSLETTER, "--data", SALE, "--recipients", recipients, "--out-dir", out,
                   "--jobs", "1", *extra)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def greetings(out: Path) -> dict[str, str]:
    """Each written message's recipient and the greeting line of its text part."""
    found = {}
    for record in read_jsonl(out / "manifest.jsonl"):
        message = email.message_from_bytes((out / record["file"]).read_bytes(), policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        found[record["email"]] = next(line for line in text.splitlines() if line.startswith("Bonjour"))
    return found


# --- JSON Lines (item 12) ----------------------------------------------------------------------

def test_hostile_json_lines_are_rejected_and_the_run_goes_on(tmp_path):
    recipients = tmp_path / "list.jsonl"
    rows = [
        '{"email": "a@example.com", "first_name": "Anne"}',
        '{"email": "b@example.com", "first_name": "Bruno", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"email": "c@example.com", "first_name": "Chloé"}',
        '{"email": "d@example.com", "first_name": "Denis", "n": 1' + "0" * 100_000 + "}",
        '{"email": "e@example.com", "first_name": "Emma"}',
        '{"email": "f@example.com", "first_name": "' + "F" * 2_000_000 + '"}',
        '{"email": "g@example.com", "first_name": "Gaël"}',
    ]
    recipients.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert run.exit_code == 1, run.stderr
    assert "7 rows read, 4 rendered, 3 rejected" in run.stderr
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["row"], r["line"]) for r in rejects] == [(2, 2), (4, 4), (6, 6)]
    column = rows[1].index("[") + 64  # the 65th level, counting the row's own object
    assert rejects[0]["reason"].startswith(f"JSON nested more than 64 levels deep at column {column};")
    column = rows[3].index("10000") + 1
    assert rejects[1]["reason"].startswith(f"a number of 100,001 characters (at most 100) at column {column};")
    assert rejects[2]["reason"] == "the line is longer than the limit of 1,048,576 characters"
    assert greetings(out) == {"a@example.com": "Bonjour Anne,", "c@example.com": "Bonjour Chloé,",
                              "e@example.com": "Bonjour Emma,", "g@example.com": "Bonjour Gaël,"}


def test_last_json_line_without_its_end_is_read(tmp_path):
    recipients = tmp_path / "list.jsonl"
    recipients.write_text('{"email": "a@example.com", "first_name": "Anne"}\n'
                          '{"email": "b@example.com", "first_name": "Bruno"}', encoding="utf-8")
    run = bulk(recipients, tmp_path / "out")
    assert run.exit_code == 0 and "2 rows read, 2 rendered, 0 rejected" in run.stderr


# --- CSV quotes and sizes (item 11) -------------------------------------------------------------

def people(count: int) -> list[str]:
    return [f"p{i}@example.com,Nom{i}" for i in range(1, count + 1)]


def assert_no_leak(out: Path) -> None:
    """No message carries another recipient's address."""
    records = read_jsonl(out / "manifest.jsonl")
    addresses = {r["email"] for r in records} | {f"p{i}@example.com" for i in range(1, 11)}
    for record in records:
        raw = (out / record["file"]).read_bytes().decode("ascii", "replace")
        assert {a for a in addresses if a in raw} == {record["email"]}


def test_an_unterminated_quote_does_not_swallow_the_rows_after_it(tmp_path):
    # The reproduction: a quote left open on row 3 of 10 gave "3 rows read, 3 rendered",
    # exit 0, with rows 4-10 inside row 3's name, and never sent.
    rows = people(10)
    rows[2] = 'p3@example.com,"Nom3'
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,first_name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert run.exit_code == 1
    assert "10 rows read, 9 rendered, 1 rejected" in run.stderr
    [reject] = read_jsonl(out / "rejects.jsonl")
    assert (reject["row"], reject["line"]) == (3, 4)
    assert reject["reason"].startswith("a quote opened on line 4 is not closed before line 5, which reads as a row")
    assert sorted(greetings(out)) == sorted(f"p{i}@example.com" for i in range(1, 11) if i != 3)
    assert_no_leak(out)


def test_an_unterminated_quote_in_a_semicolon_list_with_the_address_last(tmp_path):
    recipients = tmp_path / "export.csv"
    recipients.write_text('first_name;Email\r\nAnne;a@example.com\r\n"Bruno;b@example.com\r\n'
                          "Chloé;c@example.com\r\nDenis;d@example.com\r\n", encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert "4 rows read, 3 rendered, 1 rejected" in run.stderr
    assert greetings(out) == {"a@example.com": "Bonjour Anne,", "c@example.com": "Bonjour Chloé,",
                              "d@example.com": "Bonjour Denis,"}


def test_a_quote_left_open_on_the_last_row_is_reported(tmp_path):
    # Python's csv module, out of strict mode, takes the end of the file inside a quote silently.
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,first_name\n" + "\n".join(people(3)) + '\np4@example.com,"Nom4\n',
                          encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert "4 rows read, 3 rendered, 1 rejected" in run.stderr
    [reject] = read_jsonl(out / "rejects.jsonl")
    assert reject["line"] == 5 and "never closed" in reject["reason"]


def test_a_128_kb_field_over_many_lines_is_one_rejected_row(tmp_path):
    # The reproduction: a 128 KB multi-line field turned 5 recipients into 34,467 rows.
    notes = "\n".join(f"l{i}" for i in range(34_466))[: 128 * 1024]
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,first_name,notes\n"
        "p1@example.com,Nom1,\n"
        f'p2@example.com,Nom2,"{notes}"\n'
        "p3@example.com,Nom3,\np4@example.com,Nom4,court\np5@example.com,Nom5,\n"
        f'p6@example.com,Nom6,"{notes * 2}"\n', encoding="utf-8")  # past the csv module's own limit
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert "6 rows read, 4 rendered, 2 rejected" in run.stderr
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["row"], r["line"]) for r in rejects] == [(2, 3), (6, 7 + notes.count("\n"))]
    assert rejects[0]["reason"] == "the 'notes' field is longer than the limit of 65,536 characters (131,072)"
    assert rejects[1]["reason"] == "a field is longer than the limit of 65,536 characters"
    assert sorted(greetings(out)) == ["p1@example.com", "p3@example.com", "p4@example.com", "p5@example.com"]


def test_a_field_over_the_limit_on_one_line_names_its_column(tmp_path):
    recipients = tmp_path / "list.csv"
    recipients.write_text(f"email,first_name\np1@example.com,{'N' * 70_000}\np2@example.com,Nom2\n",
                          encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert "2 rows read, 1 rendered, 1 rejected" in run.stderr
    assert read_jsonl(out / "rejects.jsonl")[0]["reason"] == (
        "the 'first_name' field is longer than the limit of 65,536 characters (70,000)")


def test_a_row_over_the_row_limit_is_never_read_whole(tmp_path):
    recipients = tmp_path / "list.csv"
    recipients.write_text(f"email,first_name\np1@example.com,\"{'N' * 600_000}\n{'M' * 600_000}\"\n"
                          f"p2@example.com,{'O' * 2_000_000}\np3@example.com,Nom3\n", encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert "3 rows read, 1 rendered, 2 rejected" in run.stderr
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["row"], r["line"]) for r in rejects] == [(1, 2), (2, 4)]
    assert rejects[0]["reason"].startswith("the row is longer than the limit of 1,048,576 characters (lines 2 to 3)")
    assert rejects[1]["reason"].startswith("the row is longer than the limit of 1,048,576 characters (lines 4 to 4)")
    assert list(greetings(out)) == ["p3@example.com"]


def test_quoted_line_breaks_and_quotes_that_are_legitimate(tmp_path):
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,first_name,adresse\r\n"
        'p1@example.com,Nom1,"12 rue des Lilas\r\nBâtiment B\r\n69003 Lyon"\r\n'
        'p2@example.com,"Jean ""Jeannot""",\r\n'
        'p3@example.com,Jo",\r\n'
        'p4@example.com,"Lé, a",""\r\n', encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert run.exit_code == 0, run.stderr
    assert "4 rows read, 4 rendered, 0 rejected" in run.stderr
    assert [r["line"] for r in read_jsonl(out / "manifest.jsonl")] == [2, 5, 6, 7]
    assert greetings(out) == {"p1@example.com": "Bonjour Nom1,", "p2@example.com": 'Bonjour Jean "Jeannot",',
                              "p3@example.com": 'Bonjour Jo",', "p4@example.com": "Bonjour Lé, a,"}


def test_an_address_over_several_lines_is_refused(tmp_path):
    recipients = tmp_path / "list.csv"
    recipients.write_text('email,first_name\n"p1@example.com\nsuite",Nom1\np2@example.com,Nom2\n', encoding="utf-8")
    out = tmp_path / "out"
    run = bulk(recipients, out)
    assert "2 rows read, 1 rendered, 1 rejected" in run.stderr
    assert read_jsonl(out / "rejects.jsonl")[0]["reason"].startswith("the email field runs over several lines")


@given(st.text(alphabet='ab,"\n\r', max_size=40), st.integers(min_value=2, max_value=50))
def test_records_end_where_the_csv_module_ends_them(text, piece):
    """Wherever the csv module (strict) reads a text, the records found first are the same, lines
    read whole or in pieces."""
    try:
        expected = [f for f in csv.reader(io.StringIO(text, newline=""), strict=True) if f not in ([], [""])]
    except csv.Error:
        assume(False)
    lines = Lines(io.StringIO(text, newline=""), piece)
    ours = [r.fields for r in csv_records(lines, ",", lambda line: False, 1000, 1000) if r.fields not in ([], [""])]
    assert ours == expected


NO_BREAK = "\u00a0\u2007\u202f"


@settings(max_examples=2000, deadline=None)
@given(st.text(st.one_of(st.sampled_from(list(" \t\r\n\x0b\x0c\x1c\x85\u2003\u2028ab,é" + NO_BREAK)),
                         st.characters(blacklist_categories=("Cs", "Co"))), max_size=12))
def test_whitespace_is_folded_as_split_folds_it_but_no_break_spaces(value):
    """A no-break space is a character like any other: `str.split`'s folding with each one
    stood in for by a letter of the private-use area, put back after."""
    from newsletter.render.recipients import fold_spaces

    marks = {space: chr(0xE000 + i) for i, space in enumerate(NO_BREAK)}
    marked = value.translate(str.maketrans(marks))
    expected = " ".join(marked.split()).translate(str.maketrans({v: k for k, v in marks.items()}))
    assert fold_spaces(value) == expected


def test_a_list_keeps_french_no_break_spaces_and_folds_the_rest(tmp_path):
    from newsletter.render.recipients import read_recipients

    csv_list = tmp_path / "liste.csv"
    csv_list.write_text("email;remise;horaire\n"
                        "zoe@example.fr;\u00a0-50\u00a0% ;10\u202fh\t30\n"
                        "leo@example.fr;« soldes »;  ouvert   le  dimanche \n", encoding="utf-8")
    jsonl = tmp_path / "liste.jsonl"
    jsonl.write_text(json.dumps({"email": "zoe@example.fr", "remise": "\u00a0-50\u00a0% ",
                                 "horaire": "10\u202fh\t30"}) + "\n", encoding="utf-8")
    rows = [row.data for row in read_recipients(csv_list)]
    assert rows[0] == {"email": "zoe@example.fr", "remise": "\u00a0-50\u00a0%", "horaire": "10\u202fh 30"}
    assert rows[1]["remise"] == "« soldes »" and rows[1]["horaire"] == "ouvert le dimanche"
    assert [row.data for row in read_recipients(jsonl)] == [rows[0]]
