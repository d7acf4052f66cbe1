"""Offline, a received message says how its receiver judged it: the topmost
Authentication-Results, else the latest ARC-Authentication-Results (shapes from Gmail's headers
in The Markup's Takeout sample)."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.policy import default

from newsletter.placement import AuthStatus
from newsletter.placement.auth import received_auth

from helpers import run_cli

GMAIL_PASS = (
    b"Authentication-Results: mx.google.com;\r\n"
    b"       dkim=pass header.i=@aei.org header.s=m1 header.b=eq4xSYn5;\r\n"
    b"       dkim=pass header.i=@mktdns.com header.s=m1 header.b=j6eaI+2p;\r\n"
    b"       spf=pass (google.com: domain of 475-pbq@correspondence.aei.org designates 192.28.149.62 as permitted sender)"
    b" smtp.mailfrom=475-PBQ@correspondence.aei.org;\r\n"
    b"       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=aei.org\r\n"
)
SPOOFED = (
    b"Authentication-Results: mx.example.net;\r\n"
    b"       spf=softfail (domain of transitioning bank@paypal.com does not designate 203.0.113.9) smtp.mailfrom=bank@paypal.com;\r\n"
    b"       dkim=none; dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=paypal.com\r\n"
)


def message(headers: bytes, sender: bytes = b"AEI <mail@aei.org>") -> bytes:
    return (headers + b"From: " + sender + b"\r\nTo: a@example.com\r\nSubject: Weekly\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello, this week at the institute.</p></body></html>\r\n")


def parsed(data: bytes):
    return message_from_bytes(data, policy=default)


def test_receivers_results_are_read_with_alignment():
    auth = received_auth(parsed(message(GMAIL_PASS)), "aei.org")
    assert (auth.spf, auth.dkim, auth.dmarc, auth.aligned, auth.dmarc_policy, auth.source) == (
        AuthStatus.PASS, AuthStatus.PASS, AuthStatus.PASS, True, "none", "headers")
    assert all(v == 0 for v in auth.values().values())


def test_a_spoofed_message_fails_offline():
    auth = received_auth(parsed(message(SPOOFED, b"PayPal <service@paypal.com>")), "paypal.com")
    assert (auth.spf, auth.dkim, auth.dmarc, auth.dmarc_policy) == (AuthStatus.FAIL, AuthStatus.NONE, AuthStatus.FAIL, "reject")
    assert auth.values()["spf_fail"] == auth.values()["dmarc_fail"] == 1


def test_latest_arc_instance_when_there_is_no_authentication_results():
    arc = (b"ARC-Authentication-Results: i=1; mx.google.com; spf=pass smtp.mailfrom=a@aei.org\r\n"
           b"ARC-Authentication-Results: i=2; relay.example; spf=fail smtp.mailfrom=a@aei.org\r\n")
    assert received_auth(parsed(message(arc)), "aei.org").spf is AuthStatus.FAIL


def test_a_message_never_received_stays_unchecked():
    auth = received_auth(parsed(message(b"")), "aei.org")
    assert not auth.checked and auth.source is None


def test_check_offline_reports_the_messages_own_results(tmp_path):
    path = tmp_path / "spoofed.eml"
    path.write_bytes(message(SPOOFED, b"PayPal <service@paypal.com>"))
    (record,) = [json.loads(line) for line in run_cli("check", path, "--offline", "--format", "json").text.splitlines()]
    assert record["auth"]["source"] == "headers" and record["auth"]["dmarc"] == "fail"
    assert {"spf_fail", "dmarc_fail"} <= {r["signal"] for r in record["placement"]["reasons"]}


def test_failing_dmarc_weighs_more_under_an_enforced_policy():
    """p=reject and p=quarantine ask the receiver to reject or junk what fails DMARC: each adds
    its own signal to dmarc_fail; a failure under p=none, or a pass under p=reject, does not."""
    from newsletter.placement.auth import AuthSignals, AuthStatus

    def enforced(dmarc: AuthStatus, policy: str | None) -> tuple[float, float]:
        values = AuthSignals(dmarc=dmarc, dmarc_policy=policy).values()
        return values["dmarc_reject"], values["dmarc_quarantine"]

    assert enforced(AuthStatus.FAIL, "reject") == (1.0, 0.0)
    assert enforced(AuthStatus.FAIL, "quarantine") == (0.0, 1.0)
    assert enforced(AuthStatus.FAIL, "none") == (0.0, 0.0)
    assert enforced(AuthStatus.PASS, "reject") == (0.0, 0.0)
