"""Providers' replies about sender requirements, explained from checks/provider-replies.toml."""

from __future__ import annotations

from newsletter.send.explain import explain


def test_gmail_codes_are_explained_only_in_gmails_replies():
    deferral = explain("421 4.7.28 Gmail has detected an unusual rate of unsolicited email originating from your "
                       "IP address. - gsmtp")
    assert deferral.provider == "Gmail" and deferral.code == "4.7.28" and "Postmaster Tools" in deferral.fix
    assert explain("550 5.7.40 Your message was blocked because the sending domain doesn't have a DMARC record"
                   " - gsmtp").meaning.startswith("the sending domain has no DMARC record")
    assert explain("421 4.7.32 Your email has been rate limited because the From: header isn't aligned - gsmtp").code \
        == "4.7.32"
    assert explain("550 5.7.26 Multiple authentication checks failed") is None  # another server's 5.7.26
    assert explain("550 5.1.1 The email account that you tried to reach does not exist - gsmtp") is None
    assert explain(None) is None and explain("") is None


def test_every_code_the_issue_names_that_googles_page_has_is_explained():
    for code in ("4.7.23", "4.7.27", "4.7.28", "4.7.29", "4.7.30", "4.7.32", "4.7.40",
                 "5.7.25", "5.7.26", "5.7.27", "5.7.28", "5.7.29", "5.7.30"):
        found = explain(f"{'421' if code[0] == '4' else '550'} {code} text - gsmtp")
        assert found is not None and found.code == code and found.fix


def test_outlook_5_7_515():
    found = explain("550 5.7.515 Access denied, sending domain shop.example does not meet the required "
                    "authentication level.")
    assert found.provider == "Outlook.com" and "DMARC" in found.meaning
    assert str(found).startswith("Outlook.com 5.7.515: ")
