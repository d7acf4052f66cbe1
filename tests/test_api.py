"""The public API: what a script needs, one function a command, typed results; `import newsletter`
imports none of it until used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import newsletter
from newsletter import Config, RenderOptions

ROOT = Path(__file__).resolve().parents[1]
SALE = ROOT / "templates/promotional/flash-sale.html"
SALE_DATA = json.loads((ROOT / "examples/boutique/sale.json").read_text(encoding="utf-8"))
ORDER = ROOT / "templates/transactional/order-confirmation.html"
SHOP = Config(sender_name="Atelier Bleu", sender_address="bonjour@atelier-bleu.example",
              unsubscribe_url="https://atelier-bleu.example/desinscription?e={{ email | urlencode }}",
              template_dirs=(ROOT / "templates",))  # where base.html is: no newsletter.toml says so


def test_render_a_path_with_an_explicit_configuration():
    message = newsletter.render(SALE, SALE_DATA, config=SHOP)
    assert message.message["From"].addresses[0].addr_spec == "bonjour@atelier-bleu.example"
    assert "atelier-bleu.example/desinscription" in message.message["List-Unsubscribe"]
    assert message.kind is newsletter.Kind.PROMOTIONAL and isinstance(message, newsletter.RenderedMessage)


def test_render_a_template_held_as_text():
    source = ("{% block kind %}{% endblock %}{% block subject %}Votre code {{ code }}{% endblock %}"
              "<html lang=\"fr\"><body><p>Bonjour {{ first_name }}, votre code : {{ code }}</p></body></html>")
    message = newsletter.render_source(source, {"first_name": "Léa", "code": "X42", "email": "lea@example.com"},
                                       RenderOptions(kind="transactional"), config=SHOP)
    assert message.subject == "Votre code X42" and "Bonjour Léa, votre code : X42" in message.text
    assert message.message["To"].addresses[0].addr_spec == "lea@example.com"


def test_render_a_campaign(tmp_path):
    summary = newsletter.render_campaign(SALE, ROOT / "examples/boutique/recipients.csv", tmp_path / "out", SALE_DATA)
    assert (summary.rows, summary.rendered, summary.rejected) == (55, 55, 0)
    assert len(list((tmp_path / "out").glob("*.eml"))) == 55


def test_check_lint_and_markup_return_typed_reports():
    [report] = newsletter.check([SALE], newsletter.CheckOptions(offline=True))
    assert isinstance(report, newsletter.CheckReport) and report.placement.tab.value == "promotions"
    [result] = newsletter.lint_paths([str(ORDER)])  # a path as text works too
    assert isinstance(result, newsletter.LintResult) and result.path.endswith("order-confirmation.html")
    marked = newsletter.check_markup(ORDER)
    assert isinstance(marked, newsletter.MarkupReport) and [i.type for i in marked.items] == ["Order"]


def test_dns_from_a_zone_file():
    zone = ROOT / "examples/boutique/dns/maison-lumiere.example.zone"
    [report] = newsletter.dns(["maison-lumiere.example"], zones=[zone])
    assert isinstance(report, newsletter.DomainReport) and report.spf.record.startswith("v=spf1")


def test_a_missing_template_is_one_clear_error():
    with pytest.raises(newsletter.NewsletterError, match="not found"):
        newsletter.render(ROOT / "templates/absent.html", {})


def test_import_newsletter_imports_no_room():
    code = ("import sys, newsletter; newsletter.__version__\n"
            "print(sorted(m for m in sys.modules if m.startswith('newsletter.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert eval(done.stdout) == ["newsletter.version"]


def test_render_signs_with_dkim_when_asked():
    """Signing one message is the library's job (RenderOptions.dkim), not the CLI's."""
    import email
    import email.policy

    from newsletter.render.dkim import DkimSigner
    key = ROOT / "examples/boutique/dkim/lumiere2026.key"
    signer = DkimSigner.from_file(key, "lumiere2026")
    message = newsletter.render(SALE, SALE_DATA, RenderOptions(dkim=signer))
    assert message.raw.startswith(b"DKIM-Signature:")
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    assert "d=maison-lumiere.example" in str(parsed["DKIM-Signature"]).replace(" ", "")


def test_subpackages_stay_importable_beside_the_api():
    code = ("import newsletter.markup.inputs as m, newsletter.lint.engine as e, newsletter\n"
            "from newsletter import render, check, dns, lint_paths, check_markup\n"
            "import newsletter.render.bulk\n"
            "assert callable(newsletter.render) and callable(render) and m.check_markup and e.lint_paths\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
