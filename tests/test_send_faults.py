"""The server misbehaves, on loopback: 421/451/452 replies and 552 at RCPT are tried again, 550 and
552 at the end bounce with the reason (the address suppressed when the reply is about it), a
connection dropped while the message is sent is sent again and one dropped before the reply
leaves the message uncertain, a slow server is outpaced by parallel connections, a quota reply
pauses the run and leaves one connection, and the pace set is kept."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date

import pytest

from helpers import assert_one_line_error, run_cli
from send_helpers import journal, make_project, received_ids, render_campaign, send, write_list
from smtp_server import DROP, LoopbackSMTP


class Faults:
    """Replies to give instead of the normal ones, by stage and address ("*": any), each the first
    `times` it is asked (None: always); counts every question the server asked. The server asks
    with the recipient's address, but at MAIL with the sender's."""

    def __init__(self) -> None:
        self.rules: dict[str, tuple[str, int | None]] = {}
        self.asked: Counter = Counter()
        self.enabled = True
        self.given: list[tuple[str, str, float]] = []  # stage, address, when (time.monotonic) a fault was replied

    def add(self, stage: str, recipient: str, reply: str, times: int | None = 1) -> "Faults":
        self.rules[f"{stage} {recipient}"] = (reply, times)
        return self

    def __call__(self, stage: str, recipient: str) -> str | None:
        self.asked[stage, recipient] += 1
        for key in (f"{stage} {recipient}", f"{stage} *"):
            rule = self.rules.get(key)
            if self.enabled and rule:
                reply, times = rule
                if times is None or self.asked[stage, recipient] <= times:
                    self.given.append((stage, recipient, time.monotonic()))
                    return reply
        return None


def campaign(tmp_path, server, rows=6, **smtp):
    project = make_project(tmp_path, server, **smtp)
    return project, render_campaign(project, write_list(tmp_path / "list.csv", rows))


def attempts(folder, row):
    """The journal's story of one message: its tries and their outcomes, in order."""
    return [line.get("status", "begin") for line in journal(folder) if line["row"] == row]


@pytest.mark.parametrize("pipelining", [True, False])
@pytest.mark.parametrize("stage, reply", [
    ("mail", "421 4.4.5 Server busy, try again later"),  # and the server closes the connection
    ("rcpt", "451 4.3.0 Mail server temporarily rejected message"),
    ("rcpt", "452 4.2.2 The email account that you tried to reach is over quota"),
    ("rcpt", "552 Too many recipients"),  # RFC 5321 4.5.3.1.10: temporary at RCPT
    ("end", "451 4.3.0 Mail server temporarily rejected message"),
])
def test_temporary_refusals_are_tried_again_until_sent(tmp_path, stage, reply, pipelining):
    # Each recipient's first try; MAIL is asked with the sender's address: its first three (one a connection).
    faults = Faults().add(stage, "*", reply, times=3 if stage == "mail" else 1)
    with LoopbackSMTP(tmp_path, fault=faults, pipelining=pipelining) as server:
        _, folder = campaign(tmp_path, server)
        run = send(folder)
    assert run.exit_code == 0, run.text + run.stderr
    assert "6 messages: 6 sent, 0 deferred, 0 bounced, 0 uncertain" in run.text
    assert len(received_ids(server)) == len(set(received_ids(server))) == 6
    assert attempts(folder, 1) == ["begin", "deferred", "begin", "sent"]
    deferred = next(line for line in journal(folder) if line.get("status") == "deferred")
    assert deferred["reply"] == reply


@pytest.mark.parametrize("pipelining", [True, False])
def test_permanent_refusals_bounce_with_the_reason_once_and_only_bad_addresses_are_suppressed(tmp_path, pipelining):
    faults = (Faults().add("rcpt", "client1@example.net", "550 5.1.1 The email account that you tried to reach "
                           "does not exist", times=None)
              .add("end", "client2@example.org", "552 5.3.4 Your message exceeded Google's message size limits",
                   times=None)
              .add("end", "client3@example.com", "554 5.7.1 Message rejected as spam", times=None))
    with LoopbackSMTP(tmp_path, fault=faults, pipelining=pipelining) as server:
        project, folder = campaign(tmp_path, server)
        run = send(folder)
    assert run.exit_code == 1
    assert "6 messages: 3 sent, 0 deferred, 3 bounced, 0 uncertain" in run.text
    assert "000002.eml: bounced client1@example.net: 550 5.1.1 The email account that you tried to reach " \
           "does not exist" in run.text
    assert "1 address added to" in run.text and "suppressions.jsonl: later renders skip it" in run.text
    assert faults.asked["rcpt", "client1@example.net"] == 1 and faults.asked["end", "client2@example.org"] == 1
    [line] = (project / "suppressions.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {"email": "client1@example.net", "date": date.today().isoformat(),
                                "reply": "550 5.1.1 The email account that you tried to reach does not exist"}

    # The next campaign to the same list sets the suppressed address aside.
    again = run_cli("render", project / "templates/promotional/newsletter.html", "--data",
                    project / "templates/promotional/newsletter.json", "--recipients", tmp_path / "list.csv",
                    "--out-dir", project / "out/next", "--jobs", "1")
    assert again.exit_code == 1
    assert "6 rows read, 5 rendered, 1 rejected" in again.stderr
    [reject] = [json.loads(x) for x in (project / "out/next/rejects.jsonl").read_text().splitlines()]
    assert reject["email"] == "client1@example.net"
    assert reject["reason"] == (f"suppressed: bounced on {date.today().isoformat()} (550 5.1.1 The email account "
                                "that you tried to reach does not exist)")


def test_deferred_through_every_retry_then_sent_by_resume(tmp_path):
    faults = Faults().add("rcpt", "client4@example.net", "451 4.3.0 Temporary System Problem", times=None)
    with LoopbackSMTP(tmp_path, fault=faults) as server:
        _, folder = campaign(tmp_path, server)
        first = send(folder)
        assert faults.asked["rcpt", "client4@example.net"] == 3  # the first try and two retries
        faults.enabled = False
        resumed = send(folder, "--resume")
    assert first.exit_code == 1
    assert "6 messages: 5 sent, 1 deferred, 0 bounced, 0 uncertain" in first.text
    assert "deferred messages are sent by the same command with --resume" in first.text
    assert resumed.exit_code == 0 and "6 sent (5 by an earlier run)" in resumed.text
    assert len(received_ids(server)) == len(set(received_ids(server))) == 6


def test_a_connection_dropped_while_the_message_is_sent_sends_it_again(tmp_path):
    """The server reads the start of the message and drops the connection: it cannot have taken
    it. A 10 MB message, so that the drop reaches the client while it is still sending (a short
    one would be all in the kernel's buffers, and the loss seen only waiting for the reply)."""
    faults = Faults().add("data", "moi@example.com", DROP, times=1)
    with LoopbackSMTP(tmp_path, fault=faults) as server:
        project = make_project(tmp_path, server)
        message = project / "big.eml"
        line = b"x" * 76 + b"\r\n"
        message.write_bytes(b"From: Shop <bonjour@maison-lumiere.example>\r\nTo: moi@example.com\r\n"
                            b"Message-ID: <big@maison-lumiere.example>\r\nSubject: big\r\n\r\n" + line * 130_000)
        run = send(message, "--to", "moi@example.com")
    assert run.exit_code == 0, run.text + run.stderr
    assert faults.asked["data", "moi@example.com"] == 2
    [got] = server.log.received
    assert got.data == message.read_bytes()


def test_a_connection_dropped_before_the_reply_leaves_the_message_uncertain(tmp_path):
    faults = Faults().add("end", "client2@example.org", DROP, times=None)
    with LoopbackSMTP(tmp_path, fault=faults) as server:
        _, folder = campaign(tmp_path, server)
        first = send(folder)
        resumed = send(folder, "--resume")
        faults.enabled = False
        resent = send(folder, "--resume", "--resend-uncertain")
    assert first.exit_code == 1
    assert "6 messages: 5 sent, 0 deferred, 0 bounced, 1 uncertain" in first.text
    assert "000003.eml: uncertain client2@example.org: connection lost waiting for the reply to the message's " \
           "end: the server may have taken it" in first.text
    assert [r.rcpt for r in server.log.dropped_after_end] == ["client2@example.org"]  # read whole, once
    assert resumed.exit_code == 1 and "5 sent (5 by an earlier run), 0 deferred, 0 bounced, 1 uncertain" in resumed.text
    assert resent.exit_code == 0 and "6 sent (5 by an earlier run)" in resent.text
    assert len(received_ids(server)) == 6


def test_parallel_connections_outpace_a_slow_server(tmp_path):
    with LoopbackSMTP(tmp_path, delay=0.3) as server:
        _, folder = campaign(tmp_path, server, rows=9)
        started = time.monotonic()
        run = send(folder)
        elapsed = time.monotonic() - started
    assert run.exit_code == 0
    assert len({r.peer for r in server.log.received}) == 3
    assert elapsed < 2.0  # one connection: 9 x 0.3 s = 2.7 s at least


def test_a_reply_slower_than_the_timeout_leaves_the_message_uncertain(tmp_path):
    with LoopbackSMTP(tmp_path, delay=1.0) as server:
        _, folder = campaign(tmp_path, server, rows=2, data_timeout=0.2)
        run = send(folder)
    assert run.exit_code == 1
    assert "2 messages: 0 sent, 0 deferred, 0 bounced, 2 uncertain" in run.text


def test_a_quota_reply_pauses_the_run_and_leaves_one_connection(tmp_path):
    quota = ("421 4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP "
             "address. To protect our users from spam, mail sent from your IP address has been temporarily "
             "rate limited.")
    faults = Faults().add("rcpt", "client0@example.com", quota, times=1)
    with LoopbackSMTP(tmp_path, fault=faults) as server:
        _, folder = campaign(tmp_path, server, rows=12, quota_pause=0.5)
        run = send(folder)
    assert run.exit_code == 0, run.text
    assert len(received_ids(server)) == 12
    (_, _, replied_at), = faults.given  # when the server gave the quota reply (the same clock as `at`)
    resent_at = next(r.at for r in server.log.received if r.rcpt == "client0@example.com")
    assert resent_at - replied_at >= 0.5  # paused
    # What the other connections had in flight ends at once; nothing starts in the pause.
    assert not [r for r in server.log.received if replied_at + 0.2 <= r.at < replied_at + 0.5]
    after = [r for r in server.log.received if r.at >= replied_at + 0.5]
    assert len({r.peer for r in after}) == 1  # one connection goes on


def test_a_refused_sender_stops_the_run_without_bouncing_anyone(tmp_path):
    faults = Faults().add("mail", "*", "553 5.7.1 Sender address rejected: not owned by user", times=None)
    with LoopbackSMTP(tmp_path, fault=faults) as server:
        project, folder = campaign(tmp_path, server)
        stopped = send(folder)
        faults.enabled = False
        resumed = send(folder, "--resume")
    assert_one_line_error(stopped, "the server refuses the sender bonjour@maison-lumiere.example: 553 5.7.1",
                          "--resume")
    assert not (project / "suppressions.jsonl").exists()
    assert resumed.exit_code == 0, resumed.text + resumed.stderr
    assert "6 messages: 6 sent" in resumed.text and len(received_ids(server)) == 6


def test_the_pace_is_kept_overall_and_per_domain(tmp_path):
    with LoopbackSMTP(tmp_path) as server:
        project = make_project(tmp_path, server, domain_rate="10/s")
        folder = render_campaign(project, write_list(tmp_path / "list.csv", 16,
                                                     domains=("a.example", "b.example", "c.example", "d.example")))
        run = send(folder)
        overall = render_campaign(project, write_list(tmp_path / "list2.csv", 16), name="overall")
        started = time.monotonic()
        paced = send(overall, "--rate", "40/s")
        paced_time = time.monotonic() - started
    assert run.exit_code == paced.exit_code == 0
    first = server.log.received[:16]
    for domain in ("a.example", "b.example", "c.example", "d.example"):
        times = sorted(r.at for r in first if r.rcpt.endswith("@" + domain))
        # 10/s to a domain: sends start 0.1 s apart; the server sees each message's end, a few ms
        # of jitter later or earlier on a busy machine, so each gap is held loosely and the span tightly
        assert len(times) == 4 and all(b - a >= 0.05 for a, b in zip(times, times[1:]))
        assert times[-1] - times[0] >= 3 * 0.1 - 0.03
    times = sorted(r.at for r in first)
    assert times[-1] - times[0] < 1.0  # the domains go side by side: one after the other takes 1.5 s
    assert paced_time >= 14 / 40  # 16 messages at 40/s
