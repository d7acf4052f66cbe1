"""End to end: the shipped example campaigns render into complete, parseable messages."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT
from helpers import parse_eml, part, run_cli

TEMPLATES = ROOT / "templates"
EXAMPLE = ROOT / "examples" / "boutique"


def render_example(template: str, data: str, *extra: str):
    run = run_cli("render", TEMPLATES / template, "--data", EXAMPLE / data, *extra)
    assert run.exit_code == 0, run.stderr
    return run, parse_eml(run.stdout)


def test_order_confirmation_is_a_complete_transactional_message():
    run, message = render_example("transactional/order-confirmation.html", "order.json")
    assert run.stderr == ""
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert message["From"].addresses[0].display_name == "Maison Lumière"
    assert message["From"].addresses[0].addr_spec == "bonjour@maison-lumiere.example"
    assert str(message["To"]) == "Camille Durand <camille.durand@example.com>"
    assert message["Subject"] == "Votre commande ML-2026-10482 est confirmée"
    assert message["Message-ID"].endswith("@maison-lumiere.example>")
    assert message["Date"].datetime is not None
    assert message["MIME-Version"] == "1.0"
    assert str(message["Reply-To"]) == "service-client@maison-lumiere.example"
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message


def test_subject_is_rfc2047_encoded_on_the_wire():
    run, _ = render_example("transactional/order-confirmation.html", "order.json")
    subject_line = re.search(rb"^Subject: (.*)$", run.stdout, re.MULTILINE).group(1)
    assert b"=?utf-8?" in subject_line
    assert all(byte < 128 for byte in run.stdout), "the message on the wire must be 7-bit"


def test_flash_sale_has_one_click_unsubscribe_and_a_visible_link():
    run, message = render_example("promotional/flash-sale.html", "sale.json")
    url = "https://maison-lumiere.example/desinscription?email=camille.durand%40example.com"
    # on the wire: the URL as it is (an RFC 2047 encoded-word is not a URL to any provider)
    assert f"\r\nList-Unsubscribe: <{url}>,\r\n <mailto:".encode() in run.stdout
    assert message["List-Unsubscribe"] == f"<{url}>, <mailto:desinscription@maison-lumiere.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = part(message, "html")
    assert f'href="{url}"' in html
    assert "Se désinscrire" in html


def test_css_is_inlined_and_media_queries_keep_winning():
    _, message = render_example("promotional/flash-sale.html", "sale.json")
    html = part(message, "html")
    # a class rule from the layout's <style> now sits in the element's style attribute
    assert re.search(r'<a class="button" href="[^"]+" style="[^"]*background-color:#8a4b2a', html)
    # the responsive rules survive in a <style> block with !important ...
    media = re.search(r"@media only screen and \(max-width: 620px\)\s*\{(.*?)\n\s*\}\s*</style>", html, re.S)
    assert media, "the @media block must be kept"
    assert re.search(r"\.container\s*\{\s*width:\s*100%\s*!important", media.group(1))
    # ... and no inlined declaration carries !important that would beat them
    for style in re.findall(r'style="([^"]*)"', html):
        assert "!important" not in style


def test_text_part_reads_like_the_email_without_the_hidden_preheader():
    _, message = render_example("transactional/order-confirmation.html", "order.json")
    text = part(message, "plain")
    assert "Merci pour votre commande, Camille" in text
    assert "Suivre ma commande (https://maison-lumiere.example/compte/commandes/ML-2026-10482)" in text
    assert "Plaid en laine d'Auvergne × 1  89,00\u00a0€" in text
    assert "Nous préparons votre commande" not in text  # the preheader is hidden preview text
    assert not re.search(r"</?[a-z]+[ >]", text), "no HTML tags in the text part"


def test_preheader_is_hidden_preview_text_in_the_html():
    _, message = render_example("transactional/order-confirmation.html", "order.json")
    html = part(message, "html")
    hidden = re.search(r'<div class="preheader" style="([^"]*)">Merci Camille !', html)
    assert hidden and "display: none" in hidden.group(1)


def test_template_may_give_its_own_text_part():
    _, message = render_example("transactional/password-reset.html", "password-reset.json")
    text = part(message, "plain")
    assert text.startswith("Réinitialisation de votre mot de passe\n\nBonjour Camille,")
    assert "https://maison-lumiere.example/compte/mot-de-passe/nouveau?jeton=q8Zr2vKx7PwLm3Ny" in text


@pytest.mark.parametrize(
    "template, data",
    [
        ("transactional/order-confirmation.html", "order.json"),
        ("transactional/shipping-notification.html", "shipping.json"),
        ("transactional/password-reset.html", "password-reset.json"),
        ("promotional/newsletter.html", "sale.json"),
        ("promotional/flash-sale.html", "sale.json"),
    ],
)
def test_every_starter_template_renders_cleanly(template, data):
    run, message = render_example(template, data)
    assert run.stderr == "", "no warnings on the starter templates"
    html = part(message, "html")
    assert '<html lang="fr"' in html
    assert 'role="presentation"' in html
    for img in re.findall(r"<img [^>]*>", html):
        assert 'alt="' in img


@pytest.mark.parametrize("fmt, marker", [("html", "<!DOCTYPE html>"), ("text", "Merci pour votre commande")])
def test_format_html_and_text_print_one_part(fmt, marker):
    run, _ = (run_cli("render", TEMPLATES / "transactional/order-confirmation.html",
                      "--data", EXAMPLE / "order.json", "--format", fmt), None)
    assert run.exit_code == 0
    assert run.text.startswith(marker) or marker in run.text.splitlines()[2]
    assert "Content-Type" not in run.text


def test_flags_override_data_and_config(tmp_path):
    out = tmp_path / "m.eml"
    run = run_cli("render", TEMPLATES / "promotional/flash-sale.html", "--data", EXAMPLE / "sale.json",
                  "--to", "Zoé <zoe@example.net>", "--from", "Boutique <news@boutique.example>",
                  "--subject", "Un autre sujet", "--unsubscribe-url", "https://boutique.example/u/1",
                  "-o", out)
    assert run.exit_code == 0 and run.stdout == b""
    message = parse_eml(out.read_bytes())
    assert str(message["To"]) == "Zoé <zoe@example.net>"
    assert message["From"].addresses[0].addr_spec == "news@boutique.example"
    assert message["Message-ID"].endswith("@boutique.example>")
    assert message["Subject"] == "Un autre sujet"
    assert message["List-Unsubscribe"].startswith("<https://boutique.example/u/1>")


def test_console_script_and_module_entry_points():
    for command in (["newsletter"], [sys.executable, "-m", "newsletter"]):
        exe = command if command[0] != "newsletter" else [str(ROOT / ".venv/bin/newsletter")]
        if not (exe[0] == sys.executable or (ROOT / ".venv/bin/newsletter").exists()):
            continue
        done = subprocess.run([*exe, "--version"], capture_output=True, text=True, check=True)
        assert done.stdout.startswith("newsletter, version ")
