"""Bulk rendering from the command line: files, manifest, rejects, dialects, DKIM."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
from pathlib import Path

import dkim
import pytest

from conftest import CORPUS, ROOT, requires_shared
from helpers import assert_one_line_error, run_cli

NEWSLETTER = ROOT / "templates/promotional/newsletter.html"
SALE = ROOT / "examples/boutique/sale.json"
RECIPIENTS = ROOT / "examples/boutique/recipients.csv"


def bulk(*args):
    return run_cli("render", NEWSLETTER, "--data", SALE, "--jobs", "1", *args)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def parse(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_example_list_renders_one_message_per_recipient(tmp_path):
    out = tmp_path / "out"
    run = bulk("--recipients", RECIPIENTS, "--out-dir", out)
    assert run.exit_code == 0, run.stderr
    assert "55 rows read, 55 rendered, 0 rejected" in run.stderr
    manifest = read_jsonl(out / "manifest.jsonl")
    assert [r["row"] for r in manifest] == list(range(1, 56))
    assert (out / "rejects.jsonl").read_text() == ""
    assert len({r["message_id"] for r in manifest}) == 55
    assert sorted(p.name for p in out.glob("*.eml")) == [r["file"] for r in manifest]
    third = manifest[2]
    raw = (out / third["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == third["sha256"]
    message = parse(out / third["file"])
    assert str(message["To"]) == "Éloïse D'Artagnan <eloise.dartagnan@example.org>"
    assert message["Message-ID"] == third["message_id"]
    url = "https://maison-lumiere.example/desinscription?email=eloise.dartagnan%40example.org"
    assert message["List-Unsubscribe"].startswith(f"<{url}>")
    html = message.get_body(("html",)).get_content()
    assert f'href="{url}"' in html and "Bonjour Éloïse," in html
    assert "Bonjour Éloïse," in message.get_body(("plain",)).get_content()


def test_bad_rows_are_set_aside_and_counted(tmp_path):
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,first_name\n"
        "camille@example.com,Camille\n"
        "pas-une-adresse,Zoé\n"
        "CAMILLE@example.com,Camille bis\n"
        "hugo@example.com,Hugo,en trop\n"
        ",Personne\n"
        "lea@example.com,Léa\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = bulk("--recipients", recipients, "--out-dir", out)
    assert run.exit_code == 1
    assert "6 rows read, 2 rendered, 4 rejected" in run.stderr
    rejects = {r["row"]: r for r in read_jsonl(out / "rejects.jsonl")}
    assert set(rejects) == {2, 3, 4, 5}
    assert "not an email address" in rejects[2]["reason"] and rejects[2]["line"] == 3
    assert rejects[3]["reason"].startswith("duplicate") and rejects[3]["email"] == "CAMILLE@example.com"
    assert rejects[4]["reason"] == "3 fields where the header has 2"
    assert rejects[5]["reason"] == "no email address"
    assert [r["email"] for r in read_jsonl(out / "manifest.jsonl")] == ["camille@example.com", "lea@example.com"]


def test_missing_variables_are_named(tmp_path):
    recipients = tmp_path / "list.jsonl"
    recipients.write_text(
        '{"email": "a@example.com", "first_name": "Anne"}\n'
        '{"email": "b@example.com"}\n'
        "{not json}\n"
        "[1, 2]\n",
        encoding="utf-8",
    )
    data = tmp_path / "campaign.json"
    campaign = json.loads(SALE.read_text(encoding="utf-8"))
    del campaign["first_name"], campaign["email"]
    data.write_text(json.dumps(campaign), encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli("render", NEWSLETTER, "--data", data, "--recipients", recipients, "--out-dir", out, "--jobs", "1")
    assert "4 rows read, 1 rendered, 3 rejected" in run.stderr
    reasons = [r["reason"] for r in read_jsonl(out / "rejects.jsonl")]
    assert reasons[0] == "missing variables the template needs: first_name"
    assert reasons[1].startswith("invalid JSON at column 2")
    assert reasons[2] == "the line is not a JSON object"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_semicolon_csv_from_a_french_spreadsheet(tmp_path, bom):
    recipients = tmp_path / "export.csv"
    recipients.write_bytes(bom + "Email;first_name;ville\r\nchloe@example.fr;Chloé;\"Paris; 11e\"\r\nnoel@example.fr;Noël;Lyon\r\n".encode())
    out = tmp_path / "out"
    run = bulk("--recipients", recipients, "--out-dir", out)
    assert run.exit_code == 0, run.stderr
    messages = [parse(out / r["file"]) for r in read_jsonl(out / "manifest.jsonl")]
    assert [str(m["To"]) for m in messages] == ["Chloé <chloe@example.fr>", "Noël <noel@example.fr>"]


def test_jsonl_with_nested_values(tmp_path):
    template = tmp_path / "promotional" / "t.html"
    template.parent.mkdir()
    template.write_text("{% block subject %}Bonjour {{ client.prenom }}{% endblock %}"
                        "<p>Bonjour {{ client.prenom }} de {{ client['ville'] }}</p>", encoding="utf-8")
    recipients = tmp_path / "list.jsonl"
    recipients.write_text('{"email": "a@example.com", "client": {"prenom": "Anaïs", "ville": "Évry"}}\n'
                          '{"email": "b@example.com", "client": {"prenom": "Côme"}}\n', encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli("render", template, "--recipients", recipients, "--out-dir", out, "--jobs", "1",
                  "--from", "shop@example.com", "--unsubscribe-url", "https://shop.example/u")
    assert "2 rows read, 1 rendered, 1 rejected" in run.stderr
    message = parse(out / "000001.eml")
    assert message["Subject"] == "Bonjour Anaïs"
    assert "Bonjour Anaïs de Évry" in message.get_body(("html",)).get_content()
    assert "ville" in read_jsonl(out / "rejects.jsonl")[0]["reason"]


def test_template_that_cannot_be_compiled_is_rendered_in_full(tmp_path):
    template = tmp_path / "promotional" / "t.html"
    template.parent.mkdir()
    template.write_text("{% block subject %}Offre{% endblock %}"
                        "<p class=\"tier-{{ tier }}\">{% if tier == 'or' %}Client or{% else %}Client{% endif %}</p>",
                        encoding="utf-8")
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,tier\na@example.com,or\nb@example.com,argent\n", encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli("render", template, "--recipients", recipients, "--out-dir", out, "--jobs", "1",
                  "--from", "shop@example.com", "--unsubscribe-url", "https://shop.example/u")
    assert run.exit_code == 0, run.stderr
    assert run.stderr.count("rendered in full") == 1 and "'tier'" in run.stderr
    html = [parse(out / f"00000{i}.eml").get_body(("html",)).get_content() for i in (1, 2)]
    assert 'class="tier-or">Client or<' in html[0] and 'class="tier-argent">Client<' in html[1]


@pytest.mark.parametrize("subject_block", ["", "{% block subject %} {% endblock %}"])
def test_a_campaign_without_a_subject_stops_before_any_file(tmp_path, subject_block):
    """The subject every message would share is checked once: one line, exit 2, no message
    written (not one rejected row a recipient)."""
    template = tmp_path / "promotional" / "t.html"
    template.parent.mkdir()
    template.write_text(subject_block + "<p>Bonjour {{ first_name }}</p>", encoding="utf-8")
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,first_name\na@example.com,Zoé\nb@example.com,Léa\n", encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli("render", template, "--recipients", recipients, "--out-dir", out, "--jobs", "1",
                  "--from", "shop@example.com", "--unsubscribe-url", "https://shop.example/u")
    assert_one_line_error(run, "t.html", "no subject")
    assert not out.exists() or not any(p.suffix == ".eml" for p in out.iterdir())


def test_parallel_workers_give_the_same_messages(tmp_path):
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        run = run_cli("render", NEWSLETTER, "--data", SALE, "--recipients", RECIPIENTS, "--out-dir", out, "--jobs", jobs)
        assert run.exit_code == 0
        runs[jobs] = [(r["row"], r["email"], r["file"]) for r in read_jsonl(out / "manifest.jsonl")]
        bodies = [parse(out / name).get_body(("html",)).get_content() for _, _, name in runs[jobs]]
        runs[jobs + "html"] = bodies
    assert runs["1"] == runs["2"]
    assert runs["1html"] == runs["2html"]


def test_message_ids_are_distinct_and_carry_each_workers_process_id(tmp_path):
    """A Message-ID is written with the process id read once a process: a forked worker reads
    its own, so two workers never share one (nor with the random part)."""
    import os

    from newsletter.render.bulk import render_campaign

    out = tmp_path / "out"
    summary = render_campaign(NEWSLETTER, RECIPIENTS, out, json.loads(SALE.read_text(encoding="utf-8")), jobs=2)
    ids = [r["message_id"] for r in read_jsonl(out / "manifest.jsonl")]
    assert summary.rendered == len(ids) == len(set(ids)) > 50
    assert str(os.getpid()) not in {message_id.split(".")[1] for message_id in ids}


def test_non_empty_out_dir_is_refused_without_resume(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.eml").write_text("x")
    run = bulk("--recipients", RECIPIENTS, "--out-dir", out)
    assert run.exit_code == 2 and "not empty" in run.stderr and "--resume" in run.stderr


def test_dry_run_writes_nothing_and_reports_rejects(tmp_path):
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,first_name\na@example.com,A\nnope,B\n", encoding="utf-8")
    run = bulk("--recipients", recipients, "--dry-run")
    assert run.exit_code == 1
    assert f"{recipients}:3: rejected nope:" in run.stderr and "2 rows read, 1 rendered, 1 rejected" in run.stderr
    assert list(tmp_path.iterdir()) == [recipients]


def test_not_utf8_is_one_clear_error(tmp_path):
    recipients = tmp_path / "excel.csv"
    recipients.write_bytes("email,first_name\na@example.com,Hélène\n".encode("cp1252"))
    run = bulk("--recipients", recipients, "--out-dir", tmp_path / "out")
    assert_one_line_error(run, "excel.csv:2:16: the recipients file is not UTF-8 (byte 0xe9)", "iconv")


def list_with_a_bad_byte_at(position: int, before: bytes) -> tuple[bytes, int]:
    """A list whose byte at `position` is 0xE9 alone (Latin-1's "é"), just after `before` on its
    row; and the row's line."""
    content = bytearray(b"email,first_name\n")
    start = position - len(before)
    while start - len(content) >= 23 + 9:
        content += b"client@example.com,Zoe\n"  # 23 bytes
    content += b"p" * (start - len(content) - 8) + b"@e.fr,A\n"  # ends where the bad row starts
    line = content.count(b"\n") + 1
    content += before + b"\xe9a\n" + b"client@example.com,Zoe\n" * 10
    assert content[position] == 0xE9
    return bytes(content), line


@pytest.mark.parametrize("position, before", [
    (100, b"x@example.com,L"),
    (2 ** 20 - 1, b"x@example.com,L"),  # the last byte of the first MiB read
    (2 ** 20, b"x@example.com,L"),
    (2 ** 20 + 1, "x@example.com,Lé".encode("utf-8")),  # after an "é" cut in two by the MiB's end
])
def test_a_byte_not_utf8_far_in_the_list_is_found_by_line_and_column(tmp_path, position, before):
    from newsletter.errors import NewsletterError
    from newsletter.render.recipients import read_recipients

    content, line = list_with_a_bad_byte_at(position, before)
    recipients = tmp_path / "list.csv"
    recipients.write_bytes(content)
    with pytest.raises(NewsletterError) as raised:
        for _ in read_recipients(recipients):
            pass
    error = raised.value
    assert (error.line, error.column) == (line, len(before) + 1)
    assert error.what == "the recipients file is not UTF-8 (byte 0xe9)"


def test_missing_email_column(tmp_path):
    recipients = tmp_path / "list.csv"
    recipients.write_text("courriel,prenom\na@example.com,A\n", encoding="utf-8")
    run = bulk("--recipients", recipients, "--out-dir", tmp_path / "out")
    assert run.exit_code == 2 and "no 'email' column" in run.stderr


# --- DKIM -----------------------------------------------------------------------------------

def _dns(records: dict[str, str]):
    def lookup(name: bytes, timeout: int = 5):
        return records.get(name.decode().rstrip(".")).encode() if name.decode().rstrip(".") in records else None
    return lookup


@requires_shared
def test_ed25519_signature_with_the_rfc8463_key_verifies(tmp_path):
    # RFC 8463 appendix A: the private key of selector brisbane, whose public key KEYS.json has.
    key = tmp_path / "brisbane.key"
    key.write_text("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n")
    keys = json.loads((CORPUS / "eml/KEYS.json").read_text())
    out = tmp_path / "out"
    run = bulk("--recipients", RECIPIENTS, "--out-dir", out, "--dkim-key", key,
               "--dkim-selector", "brisbane", "--dkim-domain", "football.example.com")
    assert run.exit_code == 0, run.stderr
    for name in ("000001.eml", "000055.eml"):
        raw = (out / name).read_bytes()
        assert raw.startswith(b"DKIM-Signature: v=1; a=ed25519-sha256;")
        assert dkim.verify(raw, dnsfunc=_dns(keys))
        tampered = raw.replace(b"Bonjour", b"B0njour", 1)
        assert not dkim.verify(tampered, dnsfunc=_dns(keys))


def test_rsa_signature_covers_the_one_click_headers(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = tmp_path / "dkim.pem"
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    records = {"s2026._domainkey.maison-lumiere.example": "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()}
    output = tmp_path / "one.eml"
    run = run_cli("render", ROOT / "templates/promotional/flash-sale.html", "--data", SALE, "-o", output,
                  "--dkim-key", key, "--dkim-selector", "s2026")
    assert run.exit_code == 0, run.stderr
    raw = output.read_bytes()
    assert dkim.verify(raw, dnsfunc=_dns(records))
    header = parse(output)["DKIM-Signature"]
    signed = header.split("h=")[1].split(";")[0].replace(" ", "").lower().split(":")
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= set(signed)
    assert not dkim.verify(raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                                       b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click"), dnsfunc=_dns(records))
