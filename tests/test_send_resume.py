"""A campaign send killed with SIGKILL, then `--resume`: nothing the server took is sent again, the
messages that were mid-transaction are listed as uncertain (and left alone), all the others are
sent once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from send_helpers import ENV, make_project, manifest, render_campaign, write_list
from smtp_server import LoopbackSMTP

ROWS = 1500


def command(folder, *extra):
    return [sys.executable, "-m", "newsletter", "send", str(folder), *extra]


def test_kill_9_then_resume_sends_nothing_twice(tmp_path):
    env = {**os.environ, **ENV}
    with LoopbackSMTP(tmp_path, delay=0.004) as server:  # a transaction takes a few ms: kills land inside some
        project = make_project(tmp_path, server)
        folder = render_campaign(project, write_list(tmp_path / "list.csv", ROWS))
        process = subprocess.Popen(command(folder), cwd=tmp_path, env=env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while server.log.count < 300 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert process.poll() is None, "the send finished before it could be killed: make the list longer"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process.stderr.close()
        time.sleep(0.2)  # the server finishes with the dead connections
        before = server.log.count
        assert 300 <= before < ROWS

        refused = subprocess.run(command(folder), cwd=tmp_path, env=env, capture_output=True, text=True)
        resumed = subprocess.run(command(folder, "--resume", "--format", "json"), cwd=tmp_path, env=env,
                                 capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    report = json.loads(resumed.stdout)
    uncertain = {o["email"] for o in report["not_sent"] if o["status"] == "uncertain"}
    assert report["messages"] == ROWS and report["sent"] + report["uncertain"] == ROWS
    assert report["deferred"] == report["bounced"] == 0
    assert len(uncertain) <= 3  # at most one transaction a connection was under way
    assert resumed.returncode == (1 if uncertain else 0)

    ids = [r.message_id for r in server.log.received]
    assert len(ids) == len(set(ids))  # nothing was sent twice
    expected = {r["message_id"] for r in manifest(folder) if r["email"] not in uncertain}
    assert expected <= set(ids)  # everyone else was sent, once
    assert report["sent_before"] <= before
