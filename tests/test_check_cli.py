"""`newsletter check` as a user runs it: the JSON Lines contract, exit codes, offline and DNS
modes, kind contradictions, the starter templates and the shared corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPUS, corpus_files, requires_shared
from helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-12-01T00:00:00+01:00"  # while the example sale runs: the results must not depend on today
EXAMPLES = ROOT / "examples" / "boutique"
STARTERS = [
    ("transactional/order-confirmation.html", "order.json", {"updates", "primary"}),
    ("transactional/shipping-notification.html", "shipping.json", {"updates", "primary"}),
    ("transactional/password-reset.html", "password-reset.json", {"updates", "primary"}),
    ("promotional/flash-sale.html", "sale.json", {"promotions"}),
    ("promotional/newsletter.html", "sale.json", {"promotions"}),
]

SALE = """<html lang="fr"><body>
<p>Soldes d'hiver : jusqu'à -50 % sur toute la boutique, livraison offerte !</p>
<img src="https://cdn.example.com/a.jpg" width="600" alt="Plaid"><img src="https://cdn.example.com/b.jpg" width="600" alt="Bougie">
<p><a href="https://shop.example/soldes" style="background:#c00;padding:12px">J'en profite</a></p>
<p>Plaid 49,90 € au lieu de 99 € — Bougie 12 €</p>
<p><a href="https://shop.example/unsubscribe">Se désinscrire</a></p></body></html>"""

RECEIPT = """<html lang="en"><body><p>Hi Sam, thanks for your order #A-1042. Here is your receipt:
the payment of $42.00 was received and your order will ship tomorrow. You can track it from your account.</p>
</body></html>"""


def jsonl(run) -> list[dict]:
    return [json.loads(line) for line in run.text.splitlines() if line.strip()]


@pytest.fixture
def sale(tmp_path) -> Path:
    path = tmp_path / "sale.html"
    path.write_text(SALE, encoding="utf-8")
    return path


def test_json_contract(sale):
    run = run_cli("check", sale, "--offline", "--format", "json")
    (record,) = jsonl(run)
    assert list(record)[:3] == ["input", "kind", "kind_source"]
    assert record["input"].endswith("sale.html") and record["kind"] == "promotional" and record["kind_source"] == "inferred"
    placement = record["placement"]
    assert {"tab", "confidence", "spam_risk", "spam_score", "reasons"} <= set(placement)
    assert placement["tab"] == "promotions" and 0.5 <= placement["confidence"] <= 1
    assert placement["spam_risk"] in ("low", "medium", "high") and isinstance(placement["spam_score"], float | int)
    for reason in placement["reasons"]:
        assert set(reason) == {"signal", "score", "value", "weight", "contribution", "text"}
        assert reason["score"] in ("promotions", "updates", "spam") and reason["contribution"] != 0
    total = sum(r["contribution"] for r in placement["reasons"] if r["score"] == "promotions")
    assert placement["intercepts"]["promotions"] + total == pytest.approx(placement["promotions_score"], abs=0.05)
    spam = sum(r["contribution"] for r in placement["reasons"] if r["score"] == "spam")
    assert placement["intercepts"]["spam"] + spam == pytest.approx(placement["spam_score"], abs=0.05)
    assert sum(placement["probabilities"].values()) == pytest.approx(1, abs=0.01)
    assert 0 <= placement["spam_probability"] <= 1
    assert record["auth"]["checked"] is False and record["auth"]["spf"] == "unknown"
    for item in record["findings"]:
        assert set(item) == {"rule", "severity", "message", "location", "fix"}
    assert "P006" in {f["rule"] for f in record["findings"]}  # advice: use Promotions annotations


def test_many_inputs_one_line_each_in_order(sale, tmp_path):
    receipt = tmp_path / "receipt.html"
    receipt.write_text(RECEIPT, encoding="utf-8")
    records = jsonl(run_cli("check", receipt, sale, "--offline", "--format", "json"))
    assert [Path(r["input"]).name for r in records] == ["receipt.html", "sale.html"]
    assert [r["placement"]["tab"] for r in records] == ["updates", "promotions"]
    assert records[0]["kind"] == "transactional"


def test_text_report_has_a_headline_and_findings_by_area(sale):
    run = run_cli("check", sale, "--offline")
    lines = run.text.splitlines()
    assert "tab: Promotions" in lines[1] and "spam risk: " in lines[1] and "not checked (offline)" in lines[1]
    assert any(line.strip().startswith("why this tab:") for line in lines)
    assert any(line.startswith("  Inbox placement (") for line in lines)


ZONE = """$ORIGIN shop.example.
$TTL 300
@        IN SOA ns.shop.example. hostmaster.shop.example. 1 3600 600 86400 300
@        IN NS  ns.shop.example.
@        IN MX  10 mx.shop.example.
@        IN TXT "v=spf1 ip4:192.0.2.10 -all"
_dmarc   IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@shop.example"
mx       IN A   192.0.2.10
"""


def test_failing_authentication_gives_high_spam_risk_with_the_reasons(tmp_path):
    zone = tmp_path / "shop.zone"
    zone.write_text(ZONE)
    message = tmp_path / "sale.eml"  # an unsigned message: DKIM none, and SPF will fail
    rendered = run_cli("render", ROOT / "templates/promotional/flash-sale.html", "--data", EXAMPLES / "sale.json",
                       "--from", "Shop <news@shop.example>", "-o", message)
    assert rendered.exit_code == 0, rendered.stderr
    run = run_cli("check", message, "--zone", zone, "--ip", "203.0.113.7", "--format", "json")
    (record,) = jsonl(run)
    assert record["auth"]["checked"] and record["auth"]["spf"] == "fail" and record["auth"]["dkim"] == "none"
    assert record["auth"]["dmarc"] == "fail"
    assert record["auth"]["dmarc_policy"] == "reject"
    assert record["placement"]["spam_risk"] == "high"
    signals = {reason["signal"] for reason in record["placement"]["reasons"]}
    assert {"spf_fail", "dmarc_fail"} <= signals
    assert any(f["rule"] == "P003" for f in record["findings"]) and run.exit_code == 1


def test_passing_spf_from_the_zone_lowers_the_risk(sale, tmp_path):
    zone = tmp_path / "shop.zone"
    zone.write_text(ZONE)
    failing = jsonl(run_cli("check", sale, "--zone", zone, "--from", "news@shop.example",
                            "--ip", "203.0.113.7", "--format", "json"))[0]
    passing = jsonl(run_cli("check", sale, "--zone", zone, "--from", "news@shop.example",
                            "--ip", "192.0.2.10", "--format", "json"))[0]
    offline = jsonl(run_cli("check", sale, "--offline", "--from", "news@shop.example", "--format", "json"))[0]
    assert passing["auth"]["spf"] == "pass" and passing["auth"]["dmarc"] == "pass" and passing["auth"]["aligned"]
    assert passing["placement"]["spam_score"] < failing["placement"]["spam_score"]
    assert offline["auth"]["checked"] is False
    assert passing["placement"]["tab"] == offline["placement"]["tab"] == "promotions"


def test_nameserver_mode_asks_a_real_dns_server(sale, tmp_path):
    import dns.zone

    from auth_dnsserver import LoopbackDNSServer

    with LoopbackDNSServer(dns.zone.from_text(ZONE, origin="shop.example.")) as server:
        host, port = server.address
        run = run_cli("check", sale, "--nameserver", f"{host}:{port}", "--from", "news@shop.example",
                      "--ip", "192.0.2.10", "--format", "json")
        assert server.total_queries > 0
    (record,) = jsonl(run)
    assert record["auth"]["spf"] == "pass" and record["auth"]["dmarc"] == "pass"


def test_unreachable_nameserver_is_one_clear_error(sale):
    run = run_cli("check", sale, "--nameserver", "127.0.0.1:9", "--from", "news@shop.example")
    assert run.exit_code == 2 and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


@pytest.mark.parametrize("options", [["--offline", "--ip", "192.0.2.1"], ["--offline", "--nameserver", "127.0.0.1"]])
def test_offline_with_dns_options_is_a_usage_error(sale, options):
    run = run_cli("check", sale, *options)
    assert run.exit_code == 2 and "--offline" in run.stderr


def test_declared_transactional_with_promotional_content_is_an_error(tmp_path):
    folder = tmp_path / "transactional"
    folder.mkdir()
    (folder / "receipt.html").write_text(SALE, encoding="utf-8")
    run = run_cli("check", folder / "receipt.html", "--offline", "--format", "json")
    (record,) = jsonl(run)
    assert record["kind"] == "transactional" and record["kind_source"] == "declared"
    assert "P001" in {f["rule"] for f in record["findings"]} and run.exit_code == 1


def test_declared_promotional_with_transactional_content_is_a_warning(tmp_path):
    receipt = tmp_path / "receipt.html"
    receipt.write_text(RECEIPT, encoding="utf-8")
    (record,) = jsonl(run_cli("check", receipt, "--offline", "--kind", "promotional", "--format", "json"))
    assert "P002" in {f["rule"] for f in record["findings"]}


def test_message_with_noreply_sender_and_order_markup(tmp_path):
    message = tmp_path / "order.eml"
    message.write_bytes(
        b"From: Shop <no-reply@shop.example>\r\nTo: sam@example.com\r\nSubject: Votre commande 1042\r\n"
        b"Date: Mon, 12 Jan 2026 10:00:00 +0000\r\nMessage-ID: <1042@shop.example>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b'<html lang="fr"><head><script type="application/ld+json">{"@context": "http://schema.org", "@type": "Order",'
        b' "orderNumber": "1042", "merchant": {"@type": "Organization", "name": "Shop"}}</script></head>'
        b"<body><p>Merci ! Votre commande n\xc2\xb0 1042 est confirm\xc3\xa9e.</p></body></html>\r\n")
    (record,) = jsonl(run_cli("check", message, "--offline", "--format", "json"))
    assert record["placement"]["tab"] == "updates" and record["kind"] == "transactional"
    assert record["signals"]["noreply_sender"] and "Order" in record["signals"]["markup_types"]
    signals = {r["signal"] for r in record["placement"]["reasons"]}
    assert {"noreply_sender", "transactional_markup"} <= signals


def test_template_without_data_is_reported_not_predicted(tmp_path):
    import shutil

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates" / "promotional" / "flash-sale.json").unlink()  # its sample data
    run = run_cli("check", tmp_path / "templates" / "promotional" / "flash-sale.html", "--offline", "--format", "json")
    (record,) = jsonl(run)
    assert record["placement"] is None and "P008" in {f["rule"] for f in record["findings"]}
    assert run.exit_code == 1


def test_the_starter_templates_folder_is_predicted_with_its_sample_data():
    records = {Path(r["input"]).name: r for r in jsonl(run_cli("check", ROOT / "templates", "--offline", "--format", "json"))}
    assert {name: r["placement"]["tab"] for name, r in records.items()} == {
        "flash-sale.html": "promotions", "newsletter.html": "promotions",
        "order-confirmation.html": "updates", "password-reset.html": "updates",
        "shipping-notification.html": "updates"}


def test_a_folder_of_templates_skips_the_layout():
    records = jsonl(run_cli("check", ROOT / "templates", "--offline", "--format", "json"))
    names = [Path(r["input"]).name for r in records]
    assert "base.html" not in names and len(names) == 5


@pytest.mark.parametrize("template, data, tabs", STARTERS)
def test_starter_templates_land_where_policy_wants(template, data, tabs):
    run = run_cli("check", ROOT / "templates" / template, "--data", EXAMPLES / data, "--offline", "--format", "json",
                  "--now", NOW)
    (record,) = jsonl(run)
    assert record["placement"]["tab"] in tabs, record["placement"]["reasons"]
    assert record["placement"]["spam_risk"] == "low"
    assert not {"P001", "P002"} & {f["rule"] for f in record["findings"]}


# -- the shared corpus ----------------------------------------------------------------------------

# Measured: 39 of 46 (85 %) with the model fitted on all the data, every transactional template
# right and 7 of the 11 promotional ones "unknown" rather than named: since the learned words
# leave out host names, "com" or "org" no longer tell the tab (held out: 89 %, docs/check.md).
CORPUS_ACCURACY = 0.8


@requires_shared
def test_corpus_accuracy():
    """Transactional templates are not named Promotions; promotional ones have Promotions as
    the likelier side, and none is named Updates or Primary. A promotional template whose own
    signals say little (a content newsletter) may be "unknown" rather than guessed."""
    from newsletter.placement import CheckOptions, check_paths

    files = corpus_files("transactional/*.html", "promotional/*.html")
    confusion: Counter = Counter()
    likelier: Counter = Counter()
    for report in check_paths(files, CheckOptions(offline=True)):
        label = Path(report.input).parent.name
        confusion[(label, report.placement.tab.value)] += 1
        likelier[(label, report.placement.probabilities["promotions"] >= 0.5)] += 1
    right = confusion[("promotional", "promotions")] + sum(v for (k, tab), v in confusion.items()
                                                            if k == "transactional" and tab != "promotions")
    assert right / len(files) >= CORPUS_ACCURACY, confusion
    assert not confusion[("promotional", "updates")] and not confusion[("promotional", "primary")], confusion
    assert likelier[("promotional", True)] / sum(v for (k, _), v in likelier.items() if k == "promotional") >= 0.9


@requires_shared
def test_corpus_skeletons_and_messages_are_checked_without_error():
    files = corpus_files("skeletons/*.html", "eml/*.eml")
    run = run_cli("check", *files, "--offline", "--format", "json")
    assert run.exit_code in (0, 1) and len(jsonl(run)) == len(files)
    assert CORPUS.is_dir()


def test_dkim_signature_of_the_message_is_verified_against_the_zone(tmp_path):
    zone = tmp_path / "shop.zone"
    # RFC 8463 appendix A: this Ed25519 seed and public key belong together.
    zone.write_text(ZONE + 's1._domainkey IN TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="\n')
    key = tmp_path / "s1.key"
    key.write_text("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n")
    message = tmp_path / "sale.eml"
    rendered = run_cli("render", ROOT / "templates/promotional/flash-sale.html", "--data", EXAMPLES / "sale.json",
                       "--from", "Shop <news@shop.example>", "-o", message, "--dkim-key", key, "--dkim-selector", "s1")
    assert rendered.exit_code == 0, rendered.stderr
    (signed,) = jsonl(run_cli("check", message, "--zone", zone, "--ip", "203.0.113.7", "--format", "json"))
    assert signed["auth"]["dkim"] == "pass" and signed["auth"]["dmarc"] == "pass" and signed["auth"]["spf"] == "fail"
    message.write_bytes(message.read_bytes().replace(b"HIVER30", b"HIVER99"))
    (tampered,) = jsonl(run_cli("check", message, "--zone", zone, "--ip", "203.0.113.7", "--format", "json"))
    assert tampered["auth"]["dkim"] == "fail" and tampered["auth"]["dmarc"] == "fail"
    assert tampered["placement"]["spam_score"] > signed["placement"]["spam_score"]


def test_the_example_shop_passes_against_its_own_zone_files(tmp_path):
    """The README's walk-through: sign with the example key, check against the example zones."""
    message = tmp_path / "sale.eml"
    assert run_cli("render", ROOT / "templates/promotional/flash-sale.html", "--data", EXAMPLES / "sale.json",
                   "-o", message, "--dkim-key", EXAMPLES / "dkim/lumiere2026.key",
                   "--dkim-selector", "lumiere2026").exit_code == 0
    run = run_cli("check", message, "--now", NOW, "--zone", EXAMPLES / "dns/maison-lumiere.example.zone",
                  "--zone", EXAMPLES / "dns/2.0.192.in-addr.arpa.zone", "--ip", "192.0.2.25", "--format", "json")
    (record,) = jsonl(run)
    assert run.exit_code == 0
    assert {k: record["auth"][k] for k in ("spf", "dkim", "dmarc", "aligned")} == {
        "spf": "pass", "dkim": "pass", "dmarc": "pass", "aligned": True}
    assert not any(f["rule"].startswith("DKIM") for f in record["findings"])  # the signing selector was used
    assert record["placement"]["tab"] == "promotions" and record["placement"]["spam_risk"] == "low"
