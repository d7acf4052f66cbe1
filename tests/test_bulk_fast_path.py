"""The shortcuts the bulk path takes per message write what the general code writes: the
manifest line as `json.dumps` writes it, the addr-spec as `Address` quotes it; a header value
every message shares is checked once, before anything is written."""

from __future__ import annotations

import json
from email.headerregistry import Address

from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from helpers import run_cli
from newsletter.addresses import CheckedAddress, parse_address
from newsletter.json_lines import json_line
from newsletter.render.journal import manifest_line

NEWSLETTER = ROOT / "templates/promotional/newsletter.html"
SALE = ROOT / "examples/boutique/sale.json"
RECIPIENTS = ROOT / "examples/boutique/recipients.csv"


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.text(), st.text(), st.integers(0, 10**9), st.text(),
       st.text("0123456789abcdef", min_size=64, max_size=64))
def test_manifest_line_is_what_json_line_writes(row, line, email, file, size, message_id, sha256):
    record = {"row": row, "line": line, "email": email, "file": file, "bytes": size,
              "message_id": message_id, "sha256": sha256}
    written = manifest_line(row, line, email, file, size, message_id, sha256)
    assert written == json_line(record) + "\n"
    assert json.loads(written) == record and written.splitlines() == [written[:-1]]


@given(st.sampled_from(["a", "a.b", "a b", '"a..b"', "jean-marc", "o'hara", "x\\y"]),
       st.sampled_from(["example.com", "shop.example.fr"]))
def test_checked_address_quotes_its_addr_spec_as_address_does(local, domain):
    checked = CheckedAddress("Zoé", local, domain)
    plain = Address("Zoé", local, domain)
    assert checked == plain and checked.addr_spec == plain.addr_spec and str(checked) == str(plain)


def test_parsed_addresses_carry_their_addr_spec():
    parsed = parse_address('"Dupont, Jean" <Jean.Dupont@Example.COM>')
    assert parsed.addr_spec == "Jean.Dupont@example.com" and parsed.display_name == "Dupont, Jean"


def test_a_shared_header_that_cannot_be_written_stops_the_run_before_any_file(tmp_path):
    out = tmp_path / "out"
    run = run_cli("render", NEWSLETTER, "--data", SALE, "--recipients", RECIPIENTS, "--out-dir", out,
                  "--list-id", "Soldes\x0bBcc: x@evil.example <soldes.maison-lumiere.example>")
    assert run.exit_code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "U+000B in the List-Id header" in lines[0], run.stderr
    assert not out.exists() or not any(p.suffix == ".eml" for p in out.iterdir())
    # the folder is not left locked: a corrected run goes through
    fixed = run_cli("render", NEWSLETTER, "--data", SALE, "--recipients", RECIPIENTS, "--out-dir", out,
                    "--list-id", "Soldes <soldes.maison-lumiere.example>", "--jobs", "1")
    assert fixed.exit_code == 0, fixed.stderr


@given(st.one_of(st.text(), st.emails(), st.from_regex(r"[a-z0-9@._~/+%-]{0,30}", fullmatch=True)))
def test_urlencode_of_text_is_jinjas(value):
    from jinja2.filters import do_urlencode

    from newsletter.render.urls import urlencode_text

    assert urlencode_text(value) == do_urlencode(value)
