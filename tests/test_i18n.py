"""French where people read (issue 15, item 5): the catalogues are complete and well typeset, a
missing text falls back to English, reports, rules and Gmail's display read in the reader's locale,
prices and dates are written the locale's way."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime

import pytest

from conftest import ROOT
from helpers import run_cli
from newsletter.findings import catalogue
from newsletter.i18n import Messages, messages, reader_messages
from newsletter.placement import knowledge

NBSP, NNBSP = "\u00a0", "\u202f"


def _table(locale: str) -> dict:
    """A locale's whole catalogue: its file and its companions ({locale}-*.toml), merged."""
    return messages(locale).texts


def _keys(table: dict, prefix: str = "") -> set[str]:
    found = set()
    for key, value in table.items():
        if isinstance(value, dict):
            found |= _keys(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            found.add(f"{prefix}{key}")
    return found


def _french_values(table=None) -> list[str]:
    table = _table("fr") if table is None else table
    values = []
    for key, value in table.items():
        if key == "message":
            values += [entry["french"] for entry in value]
        elif isinstance(value, dict):
            values += _french_values(value)
        elif isinstance(value, str):
            values.append(value)
    return values


def test_every_rule_has_an_english_and_a_french_title_and_fix():
    french = messages("fr")
    for rule in catalogue().values():
        assert rule.title.strip() and rule.fix.strip(), rule.id
        translated = french.rule(rule)
        assert translated.title.strip() and translated.fix.strip(), rule.id
        assert rule.id in _table("fr")["rules"], f"{rule.id} has no French title and fix"
    assert set(_table("fr")["rules"]) == set(catalogue()), "French texts for rules that do not exist"
    assert all(set(entry) == {"title", "fix"} for entry in _table("fr")["rules"].values())


def test_the_french_catalogue_has_every_english_phrase_and_no_other():
    english, french = _keys(_table("en")), _keys(_table("fr"))
    assert english <= french, english - french
    extra = {k for k in french - english if not k.startswith(("rules.", "why.", "reasons.", "terms_text.", "areas.",
                                                               "display.order_status."))}
    assert not extra, extra


def test_every_reason_of_the_placement_model_reads_in_french():
    known, french = knowledge(), _table("fr")
    tables = {"promotions": known.promotions.weights, "updates": known.updates,
              "spam_content": known.spam_content.weights, "spam_prior": known.spam_prior}
    for table, weights in tables.items():
        missing = {w.signal for w in weights} - set(french["reasons"][table])
        assert not missing, (table, missing)
    assert set(french["terms_text"]) == {known.promotions.name, known.spam_content.name}


def test_french_texts_follow_french_typography():
    for value in _french_values():
        assert "'" not in value, f"straight apostrophe: {value}"
        assert "« " not in value and " »" not in value, f"« » need no-break spaces: {value}"
        assert not re.search(r" :|[\d}] %(?!})", value), f"no-break space before : and %: {value}"
        assert not re.search(r" [;!?](\s|$)", value), f"narrow no-break space before ; ! ?: {value}"
    assert f"{NNBSP};" in _table("fr")["report"]["summary_other"]


def test_a_missing_text_falls_back_to_english():
    partial = Messages("fr", {"report": {"why_tab": "pourquoi :"}, "rules": {}})
    assert partial.text("report.why_tab") == "pourquoi :"
    assert partial.text("report.headline", tab="T", risk="R", percent="P", bulk="B").startswith("tab: T")
    rule = catalogue()["SPF001"]
    assert partial.rule(rule) == rule
    assert partial.message("a check's own English words") == "a check's own English words"
    assert messages("de").locale == "en" and messages("fr-CA").locale == "fr" and messages("fr_FR").locale == "fr"
    with pytest.raises(KeyError):
        partial.text("report.no_such_text")


def test_prices_dates_and_percentages_are_written_the_locales_way():
    fr, en = messages("fr"), messages("en")
    assert fr.price("89.00", "EUR") == f"89,00{NBSP}€" and en.price("89.00", "EUR") == "€89.00"
    assert fr.price("1234.5", "eur") == f"1{NNBSP}234,50{NBSP}€"
    assert fr.price("sur devis", "EUR") == "sur devis EUR" and fr.price("", "EUR") is None
    day = datetime.fromisoformat("2027-02-03T23:59:00+01:00")
    assert fr.date(day) == "3 févr." and en.date(day) == "3 Feb"
    assert fr.date(day, with_time=True) == "3 févr. à 23:59" and en.date(day, with_time=True) == "3 Feb 23:59"
    assert fr.percent(0.4) == f"40{NBSP}%" and en.percent(0.4) == "40%"
    assert fr.signed(1.43) == "+1,4" and en.signed(-1.43) == "-1.4"


def test_the_reader_locale_comes_from_the_flag_then_the_environment():
    assert reader_messages("fr", {"NEWSLETTER_LOCALE": "en"}).locale == "fr"
    assert reader_messages(None, {"NEWSLETTER_LOCALE": "fr", "LANG": "en_GB.UTF-8"}).locale == "fr"
    assert reader_messages(None, {"LANG": "fr_FR.UTF-8"}).locale == "fr"
    assert reader_messages(None, {"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}).locale == "en"  # LC_ALL wins, as in gettext
    assert reader_messages(None, {}).locale == "en"


ENGLISH_PHRASES = ("tab:", "spam risk", "why this tab", "bulk-sender rules", "not checked", "declared",
                   "promotional wording", "Gmail markup", "Inbox placement", "fix:", "forwarded copies",
                   "words typical", "links per 100 words", "a List-Id header", "promotional (")


@pytest.mark.parametrize("template", ["promotional/flash-sale.html", "promotional/newsletter.html",
                                      "transactional/order-confirmation.html"])
def test_the_french_check_report_of_a_starter_template_has_no_english_phrase(template):
    done = run_cli("check", ROOT / "templates" / template, "--offline", "--locale", "fr")
    text = done.stdout.decode()
    assert done.exit_code == 0, done.stderr
    assert f"onglet{NBSP}: " in text and f"risque de spam{NBSP}: " in text
    for phrase in ENGLISH_PHRASES:
        assert phrase not in text, f"{phrase!r} in\n{text}"


def test_the_check_report_follows_the_environment_when_no_flag_is_given():
    page = ROOT / "templates/transactional/password-reset.html"
    french = subprocess.run([sys.executable, "-m", "newsletter", "check", str(page), "--offline"],
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LANG": "fr_FR.UTF-8"})
    english = run_cli("check", page, "--offline")  # NEWSLETTER_LOCALE=en (conftest)
    assert f"onglet{NBSP}: Notifications" in french.stdout, french.stderr
    assert "tab: Updates" in english.stdout.decode()


def test_rules_lists_french_titles_with_locale_fr_and_english_ones_by_default():
    french = run_cli("rules", "SPF00", "P00", "--locale", "fr").stdout.decode()
    english = run_cli("rules", "SPF00", "P00").stdout.decode()
    assert "Pas d’enregistrement SPF" in french and "Risque de spam élevé" in french
    assert "Placement en boîte de réception" in french and "avertissement" in french
    assert "No SPF record" in english and "High spam risk" in english and "Inbox placement" in english
    as_json = run_cli("rules", "SPF001", "--format", "json", "--locale", "fr").stdout.decode()
    assert '"title": "No SPF record"' in as_json  # JSON stays English


def test_lint_reads_in_french_with_its_fixes():
    done = run_cli("lint", ROOT / "examples/mistakes", "--show-fixes", "--locale", "fr")
    text = done.stdout.decode()
    assert done.exit_code == 1
    assert "correction : Écrivez <html lang=\"fr\"> (ou la langue du message).".replace(" :", f"{NBSP}:") in text
    assert re.search(r"\d+ erreurs, \d+ avertissements, \d+ infos dans 1 sur 1 fichier\.", text), text
    assert "avertissement" in text and "warning" not in text
    for english in ("has no", "is not supported", "link text shows", "does not appear", "remote stylesheet",
                    "promotional message without"):  # the example's findings, each matched by a pattern
        assert english not in text, text


def test_every_message_pattern_compiles_and_fills_its_french_from_its_groups():
    for entry in _table("fr")["message"]:
        pattern = re.compile(entry["english"])
        assert set(re.findall(r"{(\w+)}", entry["french"])) <= set(pattern.groupindex), entry


def test_gmails_display_in_french_writes_prices_and_dates_the_french_way():
    sale = ROOT / "templates/promotional/flash-sale"
    order = ROOT / "templates/transactional/order-confirmation"
    french = run_cli("markup", f"{sale}.html", "--data", f"{sale}.json", "--locale", "fr").stdout.decode()
    assert f"Badge de l’offre{NBSP}: -30{NBSP}%, code HIVER30, expire le 31 janv." in french
    assert f"Gmail afficherait{NBSP}:" in french
    shown = run_cli("markup", f"{order}.html", "--data", f"{order}.json", "--locale", "fr").stdout.decode()
    english = run_cli("markup", f"{order}.html", "--data", f"{order}.json").stdout.decode()
    assert f"141,90{NBSP}€, statut en préparation" in shown and "bouton Voir la commande" in shown
    assert "Order card: Maison Lumière, order ML-2026-10482, €141.90, status Processing" in english


def test_every_rule_has_a_french_why_shown_by_rules_explain():
    french = messages("fr")
    assert set(_table("fr")["why"]) == set(catalogue()), "a rule without a French why, or a why without a rule"
    for rule in catalogue().values():
        assert french.rule(rule).why != rule.why, rule.id
    shown = run_cli("rules", "DMARC004", "--explain", "--locale", "fr").stdout.decode()
    assert f"pourquoi{NBSP}: p=none suffit au minimum de Gmail et de Yahoo" in shown
    assert f"correction{NBSP}: Quand les rapports agrégés" in shown
    english = run_cli("rules", "DMARC004", "--explain").stdout.decode()
    assert "why: p=none meets Gmail's and Yahoo's minimum" in english
    as_json = run_cli("rules", "DMARC004", "--format", "json", "--locale", "fr").stdout.decode()
    assert '"why": "p=none meets' in as_json  # JSON stays English


def test_message_patterns_quote_values_translate_nested_words_and_write_numbers_the_french_way():
    fr = messages("fr")
    def quoted(value: str) -> str:
        return f"«{NBSP}{value}{NBSP}»"
    # A quoted value stops at its own closing quote, whichever quote repr() chose.
    assert fr.message("invalid term 'foo' in 'v=spf1 foo -all'") == f"terme invalide {quoted('foo')} dans {quoted('v=spf1 foo -all')}"
    assert quoted("l'été") in fr.message("subject \"l'été\" looks like a reply but has no In-Reply-To or References")
    # `…_en` groups are the project's words: a placement finding's reasons read as the check report's.
    spam = fr.message("spam probability 53%: DMARC fails (neither SPF nor DKIM passes aligned with From) (+2.0); "
                      "no valid DKIM signature (+1.0)")
    assert spam == (f"probabilité de spam 53{NBSP}%{NBSP}: DMARC échoue (ni SPF ni DKIM ne passe aligné sur le From) "
                    f"(+2,0){NNBSP}; pas de signature DKIM valide (+1,0)")
    # `…_n` groups: numbers the French way.
    assert fr.message("14 of 1,201 TLS sessions to shop.example failed: certificate-expired (14)").startswith(
        f"14 sessions TLS sur 1{NNBSP}201 vers shop.example")
    assert messages("en").message("14 of 1,201 TLS sessions to shop.example failed: x (1)").startswith("14 of 1,201")
