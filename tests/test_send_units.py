"""The pure parts of sending: what replies mean, the bytes DATA sends, settings and their
precedence, the journal read after a stop, and the schedule's order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.send.connection import wire_format
from newsletter.send.journal import read_journal
from newsletter.send.outgoing import Outgoing
from newsletter.send.replies import Attempt, Reply, Stage, Status, Verdict, judge, suppresses
from newsletter.send.schedule import Schedule
from newsletter.send.settings import parse_rate, parse_server, resolve_settings
from newsletter.suppressions import read_suppressions


@pytest.mark.parametrize("stage, code, text, verdict", [
    (Stage.END, 250, "2.0.0 OK: queued as 12", Verdict.SENT),
    (Stage.RCPT, 451, "4.3.0 Temporary System Problem", Verdict.RETRY),
    (Stage.MAIL, 421, "4.4.5 Server busy", Verdict.RETRY),
    (Stage.RCPT, 552, "Too many recipients", Verdict.RETRY),  # RFC 5321 4.5.3.1.10
    (Stage.END, 552, "5.3.4 Message too big", Verdict.BOUNCE),  # at the end, 552 is the message's size
    (Stage.RCPT, 550, "5.1.1 no such user", Verdict.BOUNCE),
    (Stage.RCPT, 421, "4.7.28 unusual rate of unsolicited mail", Verdict.SLOW_DOWN),
    (Stage.MAIL, 432, "4.3.2 Concurrent connections limit exceeded", Verdict.SLOW_DOWN),
    (Stage.MAIL, 553, "5.7.1 Sender address rejected", Verdict.SENDER_REFUSED),
    (Stage.DATA, 250, "OK", Verdict.RETRY),  # 250 where 354 was due: the server is confused
])
def test_what_a_reply_means(stage, code, text, verdict):
    assert judge(Attempt(stage, Reply(code, text))) is verdict


def test_a_lost_connection_is_uncertain_only_after_the_message_end():
    assert judge(Attempt(Stage.DATA, None)) is Verdict.RETRY
    assert judge(Attempt(Stage.RCPT, None)) is Verdict.RETRY
    assert judge(Attempt(Stage.END, None)) is Verdict.UNCERTAIN


def test_only_replies_about_the_address_suppress_it():
    assert suppresses(Reply(550, "5.1.1 The email account that you tried to reach does not exist"))
    assert suppresses(Reply(550, "5.1.10 RESOLVER.ADR.RecipientNotFound"))
    assert suppresses(Reply(550, "5.2.1 The email account that you tried to reach is disabled"))
    assert not suppresses(Reply(554, "5.7.1 Relay access denied"))  # the sender's problem, not the address's
    assert not suppresses(Reply(552, "5.2.2 mailbox full"))
    assert not suppresses(Reply(550, "Requested action not taken: mailbox unavailable"))  # no enhanced code
    assert not suppresses(Reply(550, "4.1.1 a 4yz code in a 5yz reply"))
    assert not suppresses(None)


def test_wire_format_ends_lines_with_crlf_and_doubles_leading_dots():
    assert wire_format(b"Subject: x\r\n\r\n.hidden\r\n..two\r\nend") == \
        b"Subject: x\r\n\r\n..hidden\r\n...two\r\nend\r\n.\r\n"
    assert wire_format(b"a\nb\rc\r\n") == b"a\r\nb\r\nc\r\n.\r\n"
    assert wire_format(b".first") == b"..first\r\n.\r\n"


@pytest.mark.parametrize("text, per_second", [
    ("20", 20.0), ("20/s", 20.0), ("600/min", 10.0), ("36000/h", 10.0), (" 1.5 / s ", 1.5), (5, 5.0),
])
def test_rates(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["fast", "0/s", "-3", "10/day", True])
def test_bad_rates(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_servers():
    assert parse_server("smtp.example.com") == ("smtp.example.com", None)
    assert parse_server("127.0.0.1:2525") == ("127.0.0.1", 2525)
    assert parse_server("[::1]:25") == ("::1", 25)
    for bad in ("smtp.example.com:99999", "a b", "host:port"):
        with pytest.raises(ValueError):
            parse_server(bad)


def test_settings_flags_over_the_file_over_the_defaults(tmp_path):
    config = Config(path=tmp_path / "newsletter.toml",
                    sections={"smtp": {"host": "relay.example:2525", "connections": 8, "rate": "600/min"}})
    settings = resolve_settings(config, {"connections": 2, "rate": None}, environ={})
    assert (settings.host, settings.port, settings.tls) == ("relay.example", 2525, "starttls")
    assert settings.connections == 2 and settings.rate == 10.0  # the flag; the file where no flag
    assert settings.command_timeout == 300 and settings.retry_delays == (5, 30, 120)  # checks/smtp.toml
    implicit = resolve_settings(Config(), {"host": "smtp.example.com:465"}, environ={})
    assert implicit.tls == "implicit"
    assert resolve_settings(Config(), {"host": "smtp.example.com"}, environ={}).port == 587
    assert resolve_settings(Config(), {"host": "smtp.example.com", "tls": "implicit"}, environ={}).port == 465


def test_the_password_comes_from_the_environment_and_stays_out_of_reprs():
    settings = resolve_settings(Config(), {"host": "smtp.example.com", "username": "shop",
                                           "password_env": "SHOP_PASSWORD"}, environ={"SHOP_PASSWORD": "m0t-de-passe"})
    assert settings.password == "m0t-de-passe" and "m0t-de-passe" not in repr(settings)


def test_an_option_error_names_the_option():
    with pytest.raises(NewsletterError, match="--smtp: not HOST"):
        resolve_settings(Config(), {"host": "a b"}, environ={})
    with pytest.raises(NewsletterError, match="--per-connection: must be a whole number"):
        resolve_settings(Config(), {"host": "x.example", "messages_per_connection": 0}, environ={})


def test_the_journal_after_a_stop(tmp_path):
    path = tmp_path / "send.jsonl"
    path.write_text(
        '{"row": 1, "try": 1}\n{"row": 1, "status": "sent", "reply": "250 ok"}\n'
        '{"row": 2, "try": 1}\n{"row": 2, "status": "deferred", "reply": "451 later"}\n'
        '{"row": 2, "try": 2}\n'  # killed here: uncertain
        '{"row": 3, "try": 1}\n{"row": 3, "status": "bounced", "reply": "550 5.1.1 no"}\n'
        '{"row": 4, "try": 1}\n{"row": 4, "status": "deferred", "reply": "451 later"}\n'
        '{"row": 5, "try": 1}\n{"row": 5, "sta',  # a line cut by the kill
        encoding="utf-8")
    state = read_journal(path)
    assert {row: e.status for row, e in state.items()} == {
        1: Status.SENT, 2: Status.UNCERTAIN, 3: Status.BOUNCED, 4: Status.DEFERRED, 5: Status.UNCERTAIN}
    assert state[3].reply == "550 5.1.1 no"


def test_suppressions_accept_bare_addresses_and_compare_like_duplicates(tmp_path):
    path = tmp_path / "suppressions.jsonl"
    path.write_text('{"email": "Zoe@Example.NET", "date": "2026-11-29", "reply": "550 5.1.1 no such user"}\n'
                    "old.customer@bücher.example\n# a comment\n\nnot an address\n", encoding="utf-8")
    suppressed = read_suppressions(path)
    assert suppressed == {"zoe@example.net": "bounced on 2026-11-29 (550 5.1.1 no such user)",
                          "old.customer@xn--bcher-kva.example": "listed in suppressions.jsonl"}
    assert read_suppressions(tmp_path / "none.jsonl") == {}


def _messages(*addresses: str) -> list[Outgoing]:
    return [Outgoing(i + 1, Path(f"{i + 1:06d}.eml"), a) for i, a in enumerate(addresses)]


def test_domains_take_turns_and_a_retry_goes_first_in_its_domain():
    schedule = Schedule(_messages("a@x.example", "b@x.example", "c@y.example", "d@z.example"),
                        rate=None, domain_rate=None, retry_delays=(0.0,), quota_pause=0)
    first = schedule.take(0)
    assert [first.recipient, schedule.take(0).recipient, schedule.take(0).recipient] == \
        ["a@x.example", "c@y.example", "d@z.example"]
    assert schedule.done(first, retry=True)  # tried again: one delay left
    assert schedule.take(0).recipient == "a@x.example"  # before b, in x.example's turn
    assert schedule.take(0).recipient == "b@x.example"
    assert schedule.done(first, retry=True) is False  # no delay left: deferred for good


def test_take_waits_for_the_pace_and_ends_when_nothing_can_come_back():
    schedule = Schedule(_messages(*(f"p{i}@x.example" for i in range(5))), rate=20, domain_rate=None,
                        retry_delays=(), quota_pause=0)
    started = time.monotonic()
    taken = []
    while (message := schedule.take(0)) is not None:
        taken.append(message)
        schedule.done(message)
    assert len(taken) == 5 and time.monotonic() - started >= 3 / 20


def test_after_a_quota_reply_only_connection_zero_goes_on():
    schedule = Schedule(_messages("a@x.example", "b@x.example", "c@x.example"), rate=None, domain_rate=None,
                        retry_delays=(0.0,), quota_pause=0.2)
    first = schedule.take(1)
    started = time.monotonic()
    assert schedule.done(first, slow_down=True)
    assert schedule.take(1) is None and not schedule.has_work(1)
    got = []
    thread = threading.Thread(target=lambda: got.append(schedule.take(0)))
    thread.start()
    thread.join()
    assert got[0] is not None and time.monotonic() - started >= 0.2
