"""Lint runs the markup validator: Gmail schema.org findings come out with the others."""

from __future__ import annotations

import json

from conftest import ROOT
from helpers import run_cli

NOW = "2026-12-01T00:00:00+01:00"  # while the example sale runs: the results must not depend on today

ORDER_WITHOUT_NUMBER = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Commande</title>
<script type="application/ld+json">
{"@context": "http://schema.org", "@type": "Order",
 "merchant": {"@type": "Organization", "name": "Maison Lumière"},
 "priceCurrency": "EUR", "price": "24.00",
 "acceptedOffer": {"@type": "Offer", "itemOffered": {"@type": "Product", "name": "Bougie"},
   "price": "24.00", "priceCurrency": "EUR", "eligibleQuantity": {"@type": "QuantitativeValue", "value": "1"}}}
</script></head><body><p>Merci pour votre commande.</p></body></html>"""


def test_markup_findings_join_the_lint_report(tmp_path):
    page = tmp_path / "commande.html"
    page.write_text(ORDER_WITHOUT_NUMBER, encoding="utf-8")
    run = run_cli("lint", page, "--kind", "transactional", "--format", "json")
    assert run.exit_code == 1
    findings = json.loads(run.text)["findings"]
    missing = [f for f in findings if f["rule"] == "M005"]
    assert missing and "orderNumber" in missing[0]["message"] and missing[0]["severity"] == "error"


def test_promotional_mail_with_order_markup_is_flagged(tmp_path):
    page = tmp_path / "soldes.html"
    page.write_text(ORDER_WITHOUT_NUMBER.replace('"Maison Lumière"}', '"Maison Lumière"}, "orderNumber": "1"'), encoding="utf-8")
    run = run_cli("lint", page, "--kind", "promotional", "--format", "json", "--select", "M")
    findings = json.loads(run.text)["findings"]
    assert run.exit_code == 1
    assert {f["rule"] for f in findings if f["severity"] == "error"} == {"M019"}


def test_starter_templates_lint_without_errors_with_their_data():
    for template, data in [("transactional/order-confirmation.html", "order.json"),
                           ("promotional/flash-sale.html", "sale.json")]:
        run = run_cli("lint", ROOT / "templates" / template, "--data", ROOT / "examples/boutique" / data,
                      "--format", "json", "--now", NOW)
        assert run.exit_code == 0, run.text
        assert all(f["severity"] == "info" for f in json.loads(run.text)["findings"])


def test_the_starter_templates_folder_lints_clean_with_its_sample_data():
    """Each starter has its sample data beside it (name.json), so linting the folder renders
    them as sent: no error, no warning."""
    run = run_cli("lint", ROOT / "templates", "--format", "json", "--now", NOW)
    results = [json.loads(line) for line in run.text.splitlines()]
    assert run.exit_code == 0 and len(results) == 6
    assert all(f["severity"] == "info" for r in results for f in r["findings"])
    assert sum(f["rule"] == "M021" for r in results for f in r["findings"]) == 4  # markup was checked


def test_now_decides_whether_the_offer_has_ended():
    sale = ROOT / "templates/promotional/flash-sale.html"
    after = run_cli("lint", sale, "--format", "json", "--now", "2027-02-01T00:00:00+01:00")
    assert after.exit_code == 1
    assert [f["rule"] for f in json.loads(after.text)["findings"] if f["severity"] == "error"] == ["M011"]
    bad = run_cli("lint", sale, "--now", "next tuesday")
    assert bad.exit_code == 2 and "ISO 8601" in bad.stderr and "Traceback" not in bad.stderr
