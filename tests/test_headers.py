"""Headers written from untrusted values (issue 12, items 3-7), as the attacker ran them: no
control character reaches a header, every header line fits, an address is one mailbox as
written, an unsubscribe URL is a URI with its values encoded, a recipient is found twice
however the address is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from helpers import assert_one_line_error, display_name, parse_eml, part, raw_headers, run_cli
from newsletter.addresses import AddressError, duplicate_key, split_mailbox

FLASH = ROOT / "templates/promotional/flash-sale.html"
ORDER = ROOT / "templates/transactional/order-confirmation.html"
SALE = ROOT / "examples/boutique/sale.json"
ORDER_DATA = ROOT / "examples/boutique/order.json"
CAMPAIGN = {k: v for k, v in json.loads(SALE.read_text(encoding="utf-8")).items() if k not in ("email", "first_name")}

# What str.splitlines (and so Python's email parser) splits at besides CR and LF, and what breaks
# other software: VT, FF, FS, GS, RS, NUL, DEL, ESC, NEL, U+2028, U+2029.
CONTROLS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x00", "\x7f", "\x1b", "\x85", "\u2028", "\u2029"]


def attack(character: str) -> str:
    return f"Eve{character}Bcc: evil@attacker.example"


def code(character: str) -> str:
    return f"U+{ord(character):04X}"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def bulk(tmp_path: Path, recipients: str, *args, suffix: str = ".csv"):
    """Run a campaign of `recipients` (file text); the run, its manifest and its rejects."""
    listing = tmp_path / f"list{suffix}"
    listing.write_text(recipients, encoding="utf-8", newline="")
    out = tmp_path / "out"
    run = run_cli("render", FLASH, "--data", write_json(tmp_path / "campaign.json", CAMPAIGN),
                  "--recipients", listing, "--out-dir", out, "--jobs", "1", *args)
    manifest = read_jsonl(out / "manifest.jsonl") if (out / "manifest.jsonl").exists() else []
    rejects = read_jsonl(out / "rejects.jsonl") if (out / "rejects.jsonl").exists() else []
    return run, manifest, rejects, out


# --- item 3: control characters --------------------------------------------------------------

@pytest.mark.parametrize("character", CONTROLS, ids=code)
@pytest.mark.parametrize("option, value", [
    ("--subject", "{}"),
    ("--from", '"{}" <shop@example.com>'),
    ("--to", '"{}" <zoe@example.com>'),
    ("--reply-to", '"{}" <service@example.com>'),
    ("--unsubscribe-url", "https://shop.example/u?{}"),
])
def test_control_characters_in_header_options_are_refused(option, value, character):
    run = run_cli("render", FLASH, "--data", SALE, option, value.format(attack(character)))
    assert_one_line_error(run, code(character), option.lstrip("-"))


@pytest.mark.parametrize("character", CONTROLS, ids=code)
@pytest.mark.parametrize("key", ["name", "first_name", "last_name"])
def test_control_characters_in_a_display_name_from_data_are_refused(tmp_path, key, character):
    data = json.loads(ORDER_DATA.read_text(encoding="utf-8"))
    data[key] = attack(character)
    run = run_cli("render", ORDER, "--data", write_json(tmp_path / "d.json", data))
    assert_one_line_error(run, f"{code(character)} in the display name")


def test_control_character_from_data_into_the_subject_is_refused(tmp_path):
    data = json.loads(ORDER_DATA.read_text(encoding="utf-8"))
    data["order"]["number"] = attack("\x0b")
    run = run_cli("render", ORDER, "--data", write_json(tmp_path / "d.json", data))
    assert_one_line_error(run, "control character U+000B in the Subject header", "order-confirmation.html")


@pytest.mark.parametrize("key, value", [
    ("sender_name", "Maison{}Bcc: evil@attacker.example"),
    ("sender_address", "bonjour@maison.example{}"),
    ("reply_to", "service@maison.example{}"),
    ("unsubscribe_url", "https://maison.example/u{}"),
    ("unsubscribe_mailto", "stop@maison.example{}"),
    ("list_id", "Lettre{} <lettre.maison.example>"),
])
@pytest.mark.parametrize("escape, character", [("\\u000B", "\x0b"), ("\\u001E", "\x1e"), ("\\u2028", "\u2028")])
def test_control_characters_in_the_configuration_are_refused(tmp_path, key, value, escape, character):
    (tmp_path / "newsletter.toml").write_text(f'{key} = "{value.format(escape)}"\n', encoding="utf-8")
    template = tmp_path / "t.html"
    template.write_text("{% block subject %}S{% endblock %}<p>x</p>", encoding="utf-8")
    run = run_cli("render", template, "--from", "a@example.com", "--to", "b@example.com", "--kind", "transactional")
    assert_one_line_error(run, "newsletter.toml", f"'{key}'", code(character))


def test_bulk_rejects_a_row_with_a_control_character_naming_the_column(tmp_path):
    rows = [
        "email,first_name,last_name",
        "anne@example.com,Anne,Martin",
        f'eve@example.com,"{attack(chr(11))}",X',
        "nul@example.com,Nu\x00l,X",
        "nel@example.com,Anne,Mar\x85tin",
        "ls@example.com,Line\u2028Sep,X",
        'multi@example.com,"Marie\r\nClaire","Du\tPont"',  # a spreadsheet cell's line break: folded
    ]
    run, manifest, rejects, out = bulk(tmp_path, "\r\n".join(rows) + "\r\n")
    assert run.exit_code == 1
    assert "6 rows read, 2 rendered, 4 rejected" in run.stderr
    assert [r["reason"] for r in rejects] == [
        "control character U+000B in 'first_name': remove it from the list",
        "control character U+0000 in 'first_name': remove it from the list",
        "line break U+0085 in 'last_name': remove it from the list",
        "line break U+2028 in 'first_name': remove it from the list",
    ]
    messages = [parse_eml((out / r["file"]).read_bytes()) for r in manifest]
    assert [str(m["To"]) for m in messages] == ["Anne Martin <anne@example.com>",
                                                "Marie Claire Du Pont <multi@example.com>"]
    assert messages[1]["Subject"].startswith("Marie Claire, ")
    assert all("Bcc" not in m for m in messages)


def test_bulk_rejects_a_control_character_in_a_nested_json_value(tmp_path):
    recipients = (json.dumps({"email": "a@example.com", "first_name": "A", "client": {"ville": "Lyon"}}) + "\n"
                  + json.dumps({"email": "b@example.com", "first_name": "B", "client": {"ville": "Ly\u2029on"}}) + "\n")
    run, manifest, rejects, _ = bulk(tmp_path, recipients, suffix=".jsonl")
    assert [r["email"] for r in manifest] == ["a@example.com"]
    assert rejects[0]["reason"] == "line break U+2029 in 'client.ville': remove it from the list"


# --- item 4: unsubscribe URLs -----------------------------------------------------------------

@pytest.mark.parametrize("given, written", [
    ("https://shop.example/désinscription", "https://shop.example/d%C3%A9sinscription"),
    ("https://bücher.example/désinscription?l=fr#é", "https://xn--bcher-kva.example/d%C3%A9sinscription?l=fr#%C3%A9"),
    ("https://shop.example/u?e={{ email | urlencode }}", "https://shop.example/u?e=zoe%2Bsoldes%40example.fr"),
])
def test_unsubscribe_url_is_written_as_a_uri(given, written):
    run = run_cli("render", FLASH, "--data", SALE, "--to", "zoe+soldes@example.fr", "--unsubscribe-url", given)
    assert run.exit_code == 0, run.stderr
    message = parse_eml(run.stdout)
    assert message["List-Unsubscribe"].startswith(f"<{written}>")
    assert f'href="{written}"' in part(message, "html")


@pytest.mark.parametrize("pattern, name", [
    ("https://shop.example/u?e={{ email }}", "email"),
    ("https://shop.example/u/{{ token | lower }}", "token"),
    ("https://shop.example/u/{{ client.token }}?e={{ email | urlencode }}", "client"),
])
def test_unsubscribe_url_pattern_with_a_value_not_urlencoded_is_refused(tmp_path, pattern, name):
    run, manifest, _, out = bulk(tmp_path, "email,first_name,token\nzoe+soldes@example.fr,Zoé,abc\n",
                                 "--unsubscribe-url", pattern)
    assert_one_line_error(run, "--unsubscribe-url", f"'{name}'", f"{{{{ {name} | urlencode }}}}")
    assert not out.exists()


def test_bulk_recipient_token_with_accents_renders_every_row(tmp_path):
    pattern = "https://shop.example/désinscription/{{ token | urlencode }}?e={{ email | urlencode }}"
    run, manifest, rejects, out = bulk(
        tmp_path, "email,first_name,token\nzoe+soldes@example.fr,Zoé,déf\nleo@example.fr,Léo,a&b#c d\n",
        "--unsubscribe-url", pattern)
    assert run.exit_code == 0, run.stderr
    assert rejects == [] and len(manifest) == 2
    urls = [parse_eml((out / r["file"]).read_bytes())["List-Unsubscribe"].split(",")[0] for r in manifest]
    assert urls == ["<https://shop.example/d%C3%A9sinscription/d%C3%A9f?e=zoe%2Bsoldes%40example.fr>",
                    "<https://shop.example/d%C3%A9sinscription/a%26b%23c%20d?e=leo%40example.fr>"]


def test_unsubscribe_mailto_with_an_idn_domain_is_written_in_ascii(tmp_path):
    (tmp_path / "newsletter.toml").write_text(
        'sender_address = "shop@example.com"\nunsubscribe_url = "https://shop.example/u"\n'
        'unsubscribe_mailto = "mailto:stop@bücher.example"\n', encoding="utf-8")
    template = tmp_path / "t.html"
    template.write_text("{% block subject %}S{% endblock %}<p>x</p>", encoding="utf-8")
    run = run_cli("render", template, "--to", "b@example.com", "--kind", "promotional")
    assert run.exit_code == 0, run.stderr
    assert parse_eml(run.stdout)["List-Unsubscribe"] == "<https://shop.example/u>, <mailto:stop@xn--bcher-kva.example>"


# --- item 5: long header lines ----------------------------------------------------------------

LONG = {
    "one word": "N" * 2000,
    "accented words": "Éloïse-Marie " * 154,
    "specials": 'Dupont, "Jean" (x) ' * 105,
}


@pytest.mark.parametrize("text", LONG.values(), ids=LONG.keys())
def test_a_2000_character_subject_and_name_are_folded(tmp_path, text):
    data = json.loads(ORDER_DATA.read_text(encoding="utf-8"))
    data["name"] = text.strip()
    run = run_cli("render", ORDER, "--data", write_json(tmp_path / "d.json", data), "--subject", text,
                  "--reply-to", f'"{text.strip()}" <service@example.com>'.replace('"Jean"', "Jean"))
    assert run.exit_code == 0, run.stderr
    head = run.stdout.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    message = parse_eml(run.stdout)
    assert message["Subject"] == text.strip()
    written = dict(raw_headers(run.stdout))
    assert display_name(written["To"]) == text.strip()
    assert display_name(written["Reply-To"]) == text.strip().replace('"Jean"', "Jean")
    assert [a.addr_spec for a in message["To"].addresses] == [data["email"]]


def test_an_unsubscribe_url_too_long_for_a_header_line_is_refused():
    base = "https://shop.example/u?t="
    fits = base + "a" * (998 - len("List-Unsubscribe: <>,") - len(base))
    run = run_cli("render", FLASH, "--data", SALE, "--unsubscribe-url", fits)
    assert run.exit_code == 0, run.stderr
    assert max(len(line) for line in run.stdout.split(b"\r\n")) == 998
    assert parse_eml(run.stdout)["List-Unsubscribe"].startswith(f"<{fits}>")
    run = run_cli("render", FLASH, "--data", SALE, "--unsubscribe-url", fits + "a")
    assert_one_line_error(run, "List-Unsubscribe header would have a line of 999 characters", "998",
                          "shorten the unsubscribe URL")


# --- item 6: one mailbox, as written ----------------------------------------------------------

@pytest.mark.parametrize("to, reason", [
    ("bob@example.com x", "not an email address"),
    ("alice@example.com, mallory@evil.example", "more than one address"),
    ("Alice <alice@example.com>, Mallory <mallory@evil.example>", "more than one address"),
    ("Dupont, Jean <jean@example.com>", '"Dupont, Jean" <jean@example.com>'),
    ("a@example.com (x)", "a comment"),
    ("Alice <alice@example.com> x", "not one address"),
    ("alice@example.com>", "not one address"),
    ("Alice@Home <alice@example.com>", "put the name in double quotes"),
    ("undisclosed: a@example.com;", "more than one address"),
])
def test_malformed_addresses_are_refused_not_rewritten(to, reason):
    run = run_cli("render", FLASH, "--data", SALE, "--to", to)
    assert_one_line_error(run, "recipient (--to)", reason)


@pytest.mark.parametrize("to, name, addr", [
    ('"Dupont, Jean" <jean@example.com>', "Dupont, Jean", "jean@example.com"),
    ('"Jo \\"JJ\\" Durand" <jo@example.com>', 'Jo "JJ" Durand', "jo@example.com"),
    ("J. Smith <j@example.com>", "J. Smith", "j@example.com"),
    ("<zoe@example.com>", "", "zoe@example.com"),
    ("  Zoé   Lefèvre  < zoe@bücher.example >", "Zoé Lefèvre", "zoe@xn--bcher-kva.example"),
    ("Zoe@EXAMPLE.com", "", "Zoe@example.com"),
])
def test_well_formed_mailboxes_are_read(to, name, addr):
    run = run_cli("render", FLASH, "--data", SALE, "--to", to)
    assert run.exit_code == 0, run.stderr
    (address,) = parse_eml(run.stdout)["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, addr)


def test_bulk_address_with_a_line_break_is_rejected_not_glued(tmp_path):
    recipients = 'email,first_name\nu1@example.com,A\n"u2@example.com\rBcc: evil@attacker.example",B\n'
    run, manifest, rejects, out = bulk(tmp_path, recipients)
    assert [r["email"] for r in manifest] == ["u1@example.com"]
    # The CSV reader refuses an address over several lines before the address parser sees it.
    assert rejects[0]["reason"] == "the email field runs over several lines: a quote is not closed where it should be"
    assert b"combcc" not in b"".join(p.read_bytes() for p in out.glob("*.eml")).lower()


# --- item 7: duplicates however written ---------------------------------------------------------

def test_bulk_finds_a_recipient_twice_however_the_address_is_written(tmp_path):
    emails = ["Alice <a@example.com>", "<a@example.com>", "A@EXAMPLE.COM", "a@ｅｘａｍｐｌｅ.com",
              "b@bücher.example", "b@xn--bcher-kva.example", "B@BÜCHER.EXAMPLE", "a@example.com (x)",
              "c@example.com"]
    recipients = "email,first_name\n" + "".join(f'"{e}",N{i}\n' for i, e in enumerate(emails))
    run, manifest, rejects, _ = bulk(tmp_path, recipients)
    assert f"{len(emails)} rows read, 3 rendered, 6 rejected" in run.stderr
    assert [r["email"] for r in manifest] == ["a@example.com", "b@xn--bcher-kva.example", "c@example.com"]
    assert [r["row"] for r in rejects if r["reason"].startswith("duplicate")] == [2, 3, 4, 6, 7]
    assert "a comment" in rejects[-1]["reason"]


def test_the_address_keeps_the_case_of_its_local_part(tmp_path):
    run, manifest, _, out = bulk(tmp_path, "email,first_name\nJean.Dupont@Example.COM,Jean\n")
    assert manifest[0]["email"] == "Jean.Dupont@example.com"
    assert parse_eml((out / "000001.eml").read_bytes())["To"].addresses[0].addr_spec == "Jean.Dupont@example.com"


def test_duplicate_key():
    same = ["Alice <a@example.com>", "<a@example.com>", "a@example.com", "A@Example.com", "a@ｅｘａｍｐｌｅ.com"]
    assert {duplicate_key(v) for v in same} == {"a@example.com"}
    assert duplicate_key("b@bücher.example") == duplicate_key("b@xn--bcher-kva.example") == "b@xn--bcher-kva.example"
    assert duplicate_key("a@example.com") != duplicate_key("a@example.org")
    with pytest.raises(AddressError, match="a comment"):
        split_mailbox("a@example.com (x)")


def test_no_printable_character_is_unsafe():
    """`first_unsafe` passes printable text without searching it: exact only while no character
    `str.isprintable` accepts is one the pattern refuses (checked over all of Unicode)."""
    from newsletter.headers import _IN_DATA, _IN_HEADER

    printable = "".join(chr(code) for code in range(0x110000) if chr(code).isprintable())
    assert _IN_HEADER.search(printable) is None and _IN_DATA.search(printable) is None
