"""A campaign killed with SIGKILL finishes with --resume: nobody missing, nobody twice,
no partial file."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

ROWS = 3000
# For the tests that must catch a run in the middle: long enough that it is still rendering when
# the test acts (a second interpreter starting takes about as long as 3,000 rows).
LONG = 20_000


def write_list(path: Path, rows: int = ROWS) -> None:
    people = list(csv.DictReader((ROOT / "examples/boutique/recipients.csv").open(encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(people[0]))
        writer.writeheader()
        for i in range(rows):
            writer.writerow({**people[i % len(people)], "email": f"client{i}@example.com"})


def command(recipients: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newsletter", "render", str(ROOT / "templates/promotional/newsletter.html"),
            "--data", str(ROOT / "examples/boutique/sale.json"), "--recipients", str(recipients),
            "--out-dir", str(out), "--jobs", "2", *extra]


def manifest_lines(out: Path) -> int:
    try:
        return (out / "manifest.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_kill_9_then_resume(tmp_path):
    recipients = tmp_path / "list.csv"
    write_list(recipients, LONG)
    out = tmp_path / "out"
    process = subprocess.Popen(command(recipients, out), cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while manifest_lines(out) < 400 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the run finished before it could be killed: make the list longer"
    os.killpg(process.pid, signal.SIGKILL)  # the parent and its worker processes
    process.wait()
    process.stderr.close()
    written_before = manifest_lines(out)
    assert 400 <= written_before < LONG

    refused = subprocess.run(command(recipients, out), cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = subprocess.run(command(recipients, out, "--resume"), cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{LONG:,} rows read, {LONG:,} rendered" in resumed.stderr and "by the earlier run" in resumed.stderr

    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["row"] for r in manifest) == list(range(1, LONG + 1))  # everyone, once
    assert len({r["email"] for r in manifest}) == LONG
    assert len({r["message_id"] for r in manifest}) == LONG
    files = sorted(p.name for p in out.iterdir() if p.suffix == ".eml")
    assert files == sorted(r["file"] for r in manifest)
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []  # no temporary file left
    for record in manifest:
        data = (out / record["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"]  # complete, as recorded
        assert data.endswith(b"--\r\n")
    assert (out / "rejects.jsonl").read_text() == ""


def test_progress_bar_on_a_terminal_only(tmp_path):
    import pty

    recipients = tmp_path / "list.csv"
    write_list(recipients)
    primary, secondary = pty.openpty()
    done = subprocess.run(command(recipients, tmp_path / "tty"), cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=secondary, timeout=120)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert done.returncode == 0
    text = shown.decode("utf-8", "replace")
    assert "\r[" in text and "rows/s" in text and "ETA" in text and f"{ROWS:,}/{ROWS:,}" in text

    quiet = subprocess.run(command(recipients, tmp_path / "pipe"), cwd=ROOT, capture_output=True, text=True)
    assert "\r" not in quiet.stderr and "ETA" not in quiet.stderr


def assert_manifest_exact(out: Path, rows: int = ROWS) -> None:
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["row"] for r in manifest) == list(range(1, rows + 1))  # everyone, once
    assert sorted(p.name for p in out.glob("*.eml")) == sorted(r["file"] for r in manifest)
    for record in manifest:
        assert hashlib.sha256((out / record["file"]).read_bytes()).hexdigest() == record["sha256"]


def test_a_second_run_on_the_same_folder_says_who_holds_it(tmp_path):
    # Issue 12, item 10: two --resume runs at once interleaved their manifests (8,336 lines for
    # 7,753 messages) and removed each other's files.
    recipients = tmp_path / "list.csv"
    write_list(recipients, LONG)
    out = tmp_path / "out"
    first = subprocess.Popen(command(recipients, out, "--resume"), cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while manifest_lines(out) < 100 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    second = subprocess.run(command(recipients, out, "--resume"), cwd=ROOT, capture_output=True, text=True)
    assert first.poll() is None, "the first run ended before the second started: make the list longer"
    assert second.returncode == 2
    [line] = second.stderr.strip().splitlines()
    assert "another run is writing to this output folder" in line
    assert f"pid {first.pid} on {socket.gethostname()}, started 20" in line and "--resume" in line
    assert first.wait() == 0, first.stderr.read()
    first.stderr.close()
    assert_manifest_exact(out, LONG)


def test_two_runs_started_together_one_renders_the_other_stops(tmp_path):
    recipients = tmp_path / "list.csv"
    write_list(recipients)
    out = tmp_path / "out"
    runs = [subprocess.Popen(command(recipients, out, "--resume"), cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [run.communicate()[1] for run in runs]
    assert sorted(run.returncode for run in runs) == [0, 2], errors
    assert "another run is writing" in errors[[run.returncode for run in runs].index(2)]
    assert_manifest_exact(out)


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _stopped_in_the_middle(recipients: Path, out: Path, stop) -> subprocess.CompletedProcess:
    """The run, with `stop(process)` done once it has written a few batches."""
    # SIGINT as a terminal gives it: not ignored (a shell starts background jobs with it ignored)
    process = subprocess.Popen(command(recipients, out), cwd=ROOT, start_new_session=True, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while manifest_lines(out) < 400 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the run finished before it could be stopped: make the list longer"
    stop(process)
    try:
        stdout, stderr = process.communicate(timeout=60)  # a hang here is the failure this guards against
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _one_line_then_resume(run: subprocess.CompletedProcess, recipients: Path, out: Path, *fragments: str) -> None:
    assert run.returncode == 2, run.stderr
    [line] = run.stderr.strip().splitlines()
    assert "Traceback" not in run.stderr and run.stdout == ""
    recorded = manifest_lines(out)
    assert 400 <= recorded < LONG
    for fragment in (*fragments, "run the same command with --resume", f"{recorded:,} messages are written"):
        assert fragment in line, (fragment, line)
    resumed = subprocess.run(command(recipients, out, "--resume"), cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert_manifest_exact(out, LONG)


def test_a_worker_killed_stops_the_run_with_one_line_not_a_hang(tmp_path):
    # multiprocessing.Pool waited forever for a killed worker's batch: the campaign hung.
    recipients = tmp_path / "list.csv"
    write_list(recipients, LONG)
    out = tmp_path / "out"
    run = _stopped_in_the_middle(recipients, out, lambda process: os.kill(_children(process.pid)[0], signal.SIGKILL))
    _one_line_then_resume(run, recipients, out, "a worker process was stopped by SIGKILL", "out of memory")


def test_ctrl_c_stops_the_run_with_one_line_and_no_worker_traceback(tmp_path):
    recipients = tmp_path / "list.csv"
    write_list(recipients, LONG)
    out = tmp_path / "out"
    run = _stopped_in_the_middle(recipients, out, lambda process: os.killpg(process.pid, signal.SIGINT))
    _one_line_then_resume(run, recipients, out, "interrupted")


def test_without_jobs_one_worker_a_core_the_process_may_use(tmp_path):
    """The Message-ID carries the process id of the process that wrote it: the run's own with one
    core (no worker), its workers' with more."""
    recipients = tmp_path / "list.csv"
    write_list(recipients, 1000)
    cores = sorted(os.sched_getaffinity(0))
    for allowed in [cores[:1], cores[:2]][: len(cores)]:
        out = tmp_path / f"out{len(allowed)}"
        without_jobs = command(recipients, out)[:-2]  # its last two: --jobs 2
        process = subprocess.Popen(without_jobs, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, preexec_fn=lambda: os.sched_setaffinity(0, allowed))
        assert process.wait(timeout=120) == 0, process.stderr.read()
        process.stderr.close()
        writers = {json.loads(line)["message_id"].split(".")[1]
                   for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()}
        if len(allowed) == 1:
            assert writers == {str(process.pid)}
        else:
            assert len(writers) == 2 and str(process.pid) not in writers
