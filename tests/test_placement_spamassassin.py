"""The spamc protocol client: pure request/response handling with plain bytes, then a real
spamd (Debian's spamassassin, rules shipped with the package, no network tests) on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from newsletter.errors import NewsletterError
from newsletter.placement import CheckOptions, check_paths, parse_address, parse_response, request, score_message
from newsletter.placement.spamassassin import ProtocolError

REPORT = (
    b"SPAMD/1.1 0 EX_OK\r\nContent-length: 400\r\nSpam: True ; 7.5 / 5.0\r\n\r\n"
    b"Spam detection software, running on the system \"host\",\nhas identified this incoming email as possible spam.\n\n"
    b"Content analysis details:   (7.5 points, 5.0 required)\n\n"
    b" pts rule name              description\n"
    b"---- ---------------------- --------------------------------------------------\n"
    b" 2.7 MISSING_DATE           Missing Date: header\n"
    b" 0.5 SUBJ_ALL_CAPS          Subject is all capitals\n"
    b"-0.0 NO_RELAYS              Informational: message was not relayed via\n"
    b"                            SMTP\n"
    b" 4.3 FREE_MONEY             Lots of money\n"
)


def test_request_has_the_protocol_line_and_exact_length():
    body = "Subject: é\r\n\r\nhé".encode("utf-8")
    data = request(body, user="nobody")
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [b"REPORT SPAMC/1.5", f"Content-length: {len(body)}".encode(), b"User: nobody"]
    assert rest == body


def test_report_answer_is_parsed_with_each_rule_and_wrapped_descriptions():
    result = parse_response(REPORT)
    assert (result.score, result.threshold, result.is_spam) == (7.5, 5.0, True)
    assert [(r.name, r.score) for r in result.rules] == [
        ("MISSING_DATE", 2.7), ("SUBJ_ALL_CAPS", 0.5), ("NO_RELAYS", -0.0), ("FREE_MONEY", 4.3)]
    assert result.rules[2].description == "Informational: message was not relayed via SMTP"


def test_symbols_answer():
    result = parse_response(b"SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.2 / 5.0\r\n\r\nMISSING_MID,SUBJ_ALL_CAPS")
    assert not result.is_spam and [r.name for r in result.rules] == ["MISSING_MID", "SUBJ_ALL_CAPS"]


@pytest.mark.parametrize("answer", [b"", b"HTTP/1.1 200 OK\r\n\r\n", b"SPAMD/1.1 76 Bad header line\r\n\r\n",
                                    b"SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n"])
def test_bad_answers_are_protocol_errors(answer):
    with pytest.raises(ProtocolError):
        parse_response(answer)


def test_address_parsing():
    assert parse_address("127.0.0.1:783") == ("127.0.0.1", 783)
    assert parse_address("[::1]:7830") == ("::1", 7830)
    for bad in ("localhost", "host:0", "host:port"):
        with pytest.raises(NewsletterError):
            parse_address(bad)


def test_unreachable_spamd_is_one_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NewsletterError, match="cannot reach spamd"):
        score_message(b"Subject: x\r\n\r\nx", "127.0.0.1", port, timeout=2)


# -- a real spamd ----------------------------------------------------------------------------------

def _spamd() -> str | None:
    return shutil.which("spamd") or next((p for p in ("/usr/sbin/spamd", "/usr/bin/spamd") if os.path.exists(p)), None)


@pytest.fixture(scope="module")
def spamd(tmp_path_factory):
    binary = _spamd()
    if binary is None:
        pytest.skip("spamd not installed (Debian package spamassassin; .ci/run installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("spamd")
    log = folder / "spamd.log"
    # -L: local tests only (no RBL or other network tests); the Debian package's own rules.
    command = [binary, "--listen", f"127.0.0.1:{port}", "--allowed-ips=127.0.0.1", "-L", "--max-children=1",
               f"--syslog={log}", "--nouser-config"]
    if os.geteuid() == 0:
        command += ["-u", "nobody"]
    os.chmod(folder, 0o755)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.skip(f"spamd did not start: {process.stderr.read().decode(errors='replace')[-300:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.skip("spamd did not listen within 60 s")
    yield "127.0.0.1", port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_spamd_scores_a_spammy_message_higher_than_a_clean_one(spamd):
    host, port = spamd
    spammy = (b"From: winner@example.com\r\nTo: you@example.com\r\nSubject: FREE MONEY NOW!!!\r\n\r\n"
              b"Congratulations you have been selected, 100% free, act now, click below.\r\n")
    clean = (b"From: camille@example.com\r\nTo: sam@example.com\r\nSubject: Notes from the workshop\r\n"
             b"Date: Mon, 12 Jan 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n"
             b"Hello Sam, here are the notes from our meeting.\r\n")
    bad, good = score_message(spammy, host, port), score_message(clean, host, port)
    assert bad.score > good.score
    assert "SUBJ_ALL_CAPS" in {r.name for r in bad.rules} and "MISSING_DATE" in {r.name for r in bad.rules}
    assert bad.threshold == 5.0


def test_check_joins_spamassassin_to_the_report(spamd, tmp_path):
    message = tmp_path / "msg.eml"
    message.write_bytes(b"From: news@example.com\r\nTo: you@example.com\r\nSubject: SOLDES -50 %\r\n"
                        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Soldes, profitez de -50 % !</p>\r\n")
    (report,) = check_paths([message], CheckOptions(offline=True, spamassassin=spamd))
    assert report.spamassassin is not None and report.spamassassin.rules
    assert any(r.signal == "spamassassin" for r in report.placement.reasons_for("spam"))
    assert report.to_json()["spamassassin"]["score"] == report.spamassassin.score
