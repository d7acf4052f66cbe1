"""H007-H010 on .eml messages: Gmail's display-name guidelines and its Feedback-ID header."""

from __future__ import annotations

from newsletter.lint import lint_paths

SIGNED = "DKIM-Signature: v=1; a=rsa-sha256; d=boutique.example; s=s1;\n h=From:To:Subject:Feedback-ID; bh=x; b=y\n"


def message(from_: str, *, to: str = "Camille Durand <camille@example.net>", subject: str = "Nos nouveautés d'automne",
            extra: str = "") -> str:
    return (f"From: {from_}\nTo: {to}\nSubject: {subject}\nMessage-ID: <1@boutique.example>\n"
            f"Date: Sun, 29 Nov 2026 10:00:00 +0100\n{extra}Content-Type: text/plain; charset=utf-8\n\nBonjour.\n")


def findings(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "m.eml"
    path.write_text(text, encoding="utf-8")
    (result,) = lint_paths([path])
    return {f.rule: f.message for f in result.findings if f.rule in ("H007", "H008", "H009", "H010")}


def test_a_plain_shop_name_and_a_good_feedback_id_pass(tmp_path):
    good = message("Maison Lumière <bonjour@boutique.example>", extra=SIGNED + "Feedback-ID: automne:clients:shop:boutique01\n")
    assert findings(tmp_path, good) == {}
    assert findings(tmp_path, message("SNCF Connect <a@b.example>")) == {}  # one capital word is a brand


def test_subject_or_content_in_the_name(tmp_path):
    assert "repeats the subject" in findings(tmp_path, message("Nos nouveautés d'automne - Maison Lumière <a@b.example>"))["H007"]
    assert "'dernière chance'" in findings(tmp_path, message("Dernière chance ! Maison Lumière <a@b.example>"))["H007"]
    assert "'last chance'" in findings(tmp_path, message("Last Chance <a@b.example>"))["H007"]
    assert "capitals" in findings(tmp_path, message("MEGA PROMO FLASH <a@b.example>"))["H007"]


def test_recipient_name_thread_count_and_gmail_address(tmp_path):
    assert "recipient's name" in findings(tmp_path, message('"Camille, votre boutique" <a@b.example>'))["H008"]
    assert "thread" in findings(tmp_path, message("Maison Lumière (2) <a@b.example>"))["H008"]
    assert "@gmail.com" in findings(tmp_path, message('"promo@gmail.com" <a@b.example>'))["H008"]


def test_badge_symbols(tmp_path):
    assert "✅" in findings(tmp_path, message("Maison Lumière ✅ <a@b.example>"))["H009"]
    assert "H009" not in findings(tmp_path, message("Maison Lumière <a@b.example>"))


def test_feedback_id_rules(tmp_path):
    short = findings(tmp_path, message("Shop <a@b.example>", extra=SIGNED + "Feedback-ID: a:b:c:mc\n"))
    assert "'mc' is 2 characters" in short["H010"]
    unsigned = findings(tmp_path, message("Shop <a@b.example>", extra="Feedback-ID: a:b:c:boutique01\n"))
    assert "not covered by a DKIM signature" in unsigned["H010"]
    twice = message("Shop <a@b.example>", extra=SIGNED + "Feedback-ID: a:b:c:boutique01\nFeedback-ID: a:b:c:boutique01\n")
    assert "2 Feedback-ID headers" in findings(tmp_path, twice)["H010"]
    assert findings(tmp_path, message("Shop <a@b.example>")) == {}  # none at all: nothing to say
