"""Every finding message a French reader meets reads in French (issue 15, item 5): each command
runs over the starter templates, the examples (mistakes, the boutique's zones and DMARC mailbox)
and the shared corpus; every message its JSON writes (in English) must come out of the French
catalogue with no English words of the project's left, and the French text report must show it.

What stays as the message quotes it: values from the input (subjects, link texts, HTML snippets,
URLs, record texts), what a parser wrote (tinycss2's, Jinja's and JSON's errors) and the caniemail
dataset's feature titles, client names and notes (see checks/locale/fr-findings.toml)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from helpers import run_cli
from newsletter.findings import catalogue
from newsletter.i18n import messages

BOUTIQUE = ROOT / "examples" / "boutique"
ZONES = ("--zone", BOUTIQUE / "dns" / "maison-lumiere.example.zone", "--zone", BOUTIQUE / "dns" / "2.0.192.in-addr.arpa.zone")
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

# Words that only an English sentence of the project would leave behind.
ENGLISH = re.compile(r"(?<![\w-])(the|is|are|has|have|not|with|and|of|but|no|from|was|its|which|only|does|missing|"
                     r"needs|found|supported|link|record|lookup|sent|failed|ready)(?![\w-])")  # not in tokens: starttls-not-supported
# What a message quotes: « … », '…', "…", <…>, `…`, URLs, and what follows the quoting phrases below.
QUOTED = re.compile(r"«[^»]*»|'[^']*'|\"[^\"]*\"|<[^>]*>|`[^`]*`|\{%[^%]*%\}|https?://\S+")
# A parser's or the dataset's own words, after the French that introduces them, up to a "; ".
OWN_WORDS = re.compile(r"(erreur de syntaxe (?:CSS|Jinja)|JSON invalide)\u00a0: [^;]*"
                       r"|note \d+\u00a0: .*?(?=\u202f; note \d|$)"  # caniemail's notes
                       r"|^.+?(?=\u00a0: (?:non pris en charge|pris en charge en partie))"  # caniemail's title
                       r"|(?:pris en charge|par) [^;]*?\([^)]*\)")  # client names: "Outlook (Windows)"


def english_left(french: str) -> list[str]:
    unquoted = OWN_WORDS.sub(" ", QUOTED.sub(" ", french))
    return ENGLISH.findall(unquoted)


def _findings(output: str):
    """Every finding of a JSON Lines output, however deep it sits (dns, reports, check)."""
    def walk(value):
        if isinstance(value, dict):
            if {"rule", "severity", "message"} <= set(value):
                yield value
            for inner in value.values():
                yield from walk(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from walk(inner)
    for line in output.splitlines():
        if line.startswith("{"):
            yield from walk(json.loads(line))


def _own_texts(found: dict) -> list[str]:
    """The message, and the fix when the check wrote its own (the rule's fix is checked apart)."""
    rule = catalogue().get(found["rule"])
    own_fix = found.get("fix") and not (rule and found["fix"] == rule.fix)
    return [found["message"]] + ([found["fix"]] if own_fix else [])


def _commands(tmp_path: Path) -> dict[str, tuple]:
    mistakes = ROOT / "examples" / "mistakes"
    return {
        "lint": ("lint", *TEMPLATES, mistakes),
        "check": ("check", "--offline", *TEMPLATES, mistakes),
        "markup": ("markup", *TEMPLATES),
        "dns": ("dns", "maison-lumiere.example", *ZONES, "--ip", "192.0.2.25", "--selector", "nl2026"),
        "reports": ("reports", BOUTIQUE / "rua", "--db", tmp_path / "reports.sqlite", *ZONES),
    }


def _corpus_commands(tmp_path: Path) -> dict[str, tuple]:
    html = [CORPUS / "promotional", CORPUS / "transactional", CORPUS / "skeletons"]
    return {
        "lint": ("lint", *html, CORPUS / "gmail-labelled", CORPUS / "eml"),
        "check": ("check", "--offline", CORPUS / "promotional", CORPUS / "transactional", CORPUS / "gmail-labelled"),
        "reports": ("reports", CORPUS / "reports", "--db", tmp_path / "reports.sqlite"),
    }


def _assert_french(args: tuple) -> int:
    english = run_cli(*args, "--format", "json")
    found = list(_findings(english.stdout.decode()))
    french_report = run_cli(*args, "--locale", "fr").stdout.decode()
    fr = messages("fr")
    untranslated = {}
    for item in found:
        for text in _own_texts(item):
            french = fr.message(text)
            left = english_left(french)
            if french == text or left:
                untranslated.setdefault(item["rule"], (text, french, left))
        assert fr.message(item["message"]) in french_report, (item["rule"], fr.message(item["message"]))
    assert not untranslated, "\n".join(f"{rule}: {text!r}\n  -> {french!r} (English left: {left})"
                                       for rule, (text, french, left) in sorted(untranslated.items()))
    return len(found)


@pytest.mark.parametrize("command", ["lint", "check", "markup", "dns", "reports"])
def test_every_finding_of_the_templates_and_examples_reads_in_french(command, tmp_path):
    assert _assert_french(_commands(tmp_path)[command]) > 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is absent (NEWSLETTER_SHARED)")
@pytest.mark.parametrize("command", ["lint", "check", "reports"])  # markup: the corpus has none of its findings
def test_every_finding_of_the_shared_corpus_reads_in_french(command, tmp_path):
    assert _assert_french(_corpus_commands(tmp_path)[command]) > 0


def test_the_english_left_detector_sees_english_and_passes_quoted_values():
    assert english_left("le nom d’expéditeur « From the team » dit « alert »") == []
    assert english_left("erreur de syntaxe CSS\u00a0: EOF reached before {} block\u202f; Gmail supprime tout ce bloc <style>") == []
    assert english_left("probabilité de spam 53\u00a0%\u00a0: DMARC fails (neither SPF nor DKIM passes aligned with From)") == ["with"]
    assert "has" in english_left("<html> has no lang attribute")


def _rsa_public_key(bits: int) -> str:
    from base64 import b64encode

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    return b64encode(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


def test_every_finding_of_a_shop_with_every_dns_mistake_reads_in_french(tmp_path):
    """A zone with a problem in each record (the boutique's is clean): SPF, DKIM, DMARC, MX, BIMI,
    MTA-STS, TLS-RPT and PTR findings, checked as the ones above."""
    zone = tmp_path / "broken.example.zone"
    zone.write_text(f"""$ORIGIN broken.example.
$TTL 3600
@           IN SOA ns1 hostmaster 1 3600 600 1209600 300
@           IN NS  ns1
ns1         IN A   192.0.2.53
@           IN TXT "v=spf1 ptr include:nospf.broken.example ?all"
nospf       IN TXT "not an spf record"
weak._domainkey  IN TXT "v=DKIM1; t=y; h=sha1; p={_rsa_public_key(1024)}"
old._domainkey   IN TXT "v=DKIM1; p={_rsa_public_key(1024)}"
gone._domainkey  IN TXT "v=DKIM1; p="
_dmarc      IN TXT "v=DMARC1; p=none; pct=50; sp=none; rf=afrf; foo=bar; t=y"
default._bimi IN TXT "v=BIMI1; l=http://broken.example/logo.png"
_mta-sts    IN TXT "v=STSv1; id=not-an-id!"
""")
    args = ("dns", "broken.example", "--zone", zone, "--ip", "192.0.2.99", "--mail-from", "shop@broken.example",
            *(arg for selector in ("weak", "old", "gone", "none") for arg in ("--selector", selector)))
    assert _assert_french(args) >= 12


def _assert_messages_french(found) -> None:
    fr = messages("fr")
    left = {f.rule: (f.message, fr.message(f.message)) for f in found
            if fr.message(f.message) == f.message or english_left(fr.message(f.message))}
    assert not left, left


def test_every_finding_of_the_network_checks_reads_in_french(tmp_path):
    """--network's findings against a real HTTP server on loopback: errors, redirects, images,
    a private address refused."""
    from http_server import Site, png, serving
    from newsletter.lint import load_input
    from newsletter.network import NetworkOptions, network_findings
    site = Site(routes={
        "/missing": (404, {}, b"gone"),
        "/hop1": (302, {"Location": "/hop2"}, b""), "/hop2": (301, {"Location": "/missing"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/small.png": (200, {"Content-Type": "image/png"}, png(60, 20)),
        "/banner.png": (200, {"Content-Type": "image/png"}, png(1800, 300)),
        "/heavy.png": (200, {"Content-Type": "image/png"}, png(4, 4) + b"\0" * 900_000),
    })
    with serving(site) as base:
        page = tmp_path / "message.html"
        page.write_text(f"""<!DOCTYPE html>\n<html lang="fr">\n<body style="background:#fff">
<a href="{base}/missing">a</a>\n<a href="{base}/hop1">b</a>\n<a href="{base}/loop">c</a>
<img src="{base}/small.png" alt="" width="300" height="100">\n<img src="{base}/banner.png" alt="" width="200" height="33">
<img src="{base}/heavy.png" alt="" width="4" height="4">\n</body>\n</html>\n""", encoding="utf-8")
        found = network_findings(load_input(page), NetworkOptions(allow_private=True))
        refused = network_findings(load_input(page), NetworkOptions())
    assert {"NET001", "NET002", "NET003", "NET006", "NET007"} <= {f.rule for f in found}
    assert {f.rule for f in refused} == {"NET008"}
    _assert_messages_french(found + refused)


def test_the_findings_of_a_bulk_render_read_in_french_with_a_french_environment(tmp_path):
    """render has no report of its own: its findings go to stderr in the reader's locale."""
    template = tmp_path / "lettre.html"
    template.write_text("{% block subject %}Bonjour {{ first_name }}{% endblock %}{% block preheader %}Nouveautés"
                        "{% endblock %}<!DOCTYPE html><html lang=\"fr\"><body><p>Bonjour {{ first_name }},</p>"
                        "<p>{{ offre }}</p><a href=\"{{ unsubscribe_url }}\">Se désinscrire</a>"
                        "<link rel=\"stylesheet\" href=\"https://cdn.example/x.css\"></body></html>", encoding="utf-8")
    (tmp_path / "data.json").write_text('{"offre": "-20 %", "first_name": "Camille"}', encoding="utf-8")
    (tmp_path / "liste.csv").write_text("email,first_name,ville\na@example.com,,Paris\nb@example.com,Zoé,Lyon\n",
                                        encoding="utf-8")
    def render(out: str, env: dict[str, str] | None = None) -> str:
        return run_cli("render", template, "--kind", "promotional", "--data", tmp_path / "data.json", "--recipients",
                       tmp_path / "liste.csv", "--out-dir", tmp_path / out, "--from", "Boutique <b@boutique.example>",
                       "--unsubscribe-url", "https://boutique.example/desinscription", env=env).stderr
    french, english = render("fr", {"NEWSLETTER_LOCALE": "fr"}), render("en")
    for rule in ("R003", "R010", "R011", "R012"):
        assert f"{rule} " in french and f"{rule} " in english, (rule, french)
    assert "n’utilise jamais la colonne 'ville'" in french and "never uses the list's column 'ville'" in english
    assert "« first_name » est vide pour 1 destinataire (ligne 2)" in french.replace("\u00a0", " ")
    assert all(not english_left(line.split(" R0", 1)[1]) for line in french.splitlines() if " R0" in line), french


def test_every_finding_of_markup_with_a_mistake_in_each_block_reads_in_french():
    """tests/fixtures/i18n/markup-mistakes.html: a misspelt property and type, a decimal comma, a lower-case
    currency, a status outside its enumeration, a date with no time, a shouting button, an http URL,
    an expired offer, a code not in the body, Promotions annotations in transactional mail, bad JSON."""
    args = ("markup", ROOT / "tests" / "fixtures" / "i18n" / "markup-mistakes.html", "--kind", "transactional")
    assert _assert_french(args) >= 15


@pytest.mark.parametrize("template, kind", [("transactional/order-confirmation.html", "promotional"),
                                            ("promotional/flash-sale.html", "transactional")])
def test_a_declared_kind_the_content_contradicts_reads_in_french(template, kind):
    """P001/P002 quote the placement's reasons: each in the words of the check report."""
    args = ("check", ROOT / "templates" / template, "--kind", kind, "--offline")
    assert _assert_french(args) > 0
    assert {"P001", "P002"} & {f["rule"] for f in _findings(run_cli(*args, "--format", "json").stdout.decode())}
