"""Batches in forked workers (`render/workers.py`): in order, and a clear stop when one ends early."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest

from newsletter.render import workers
from newsletter.render.workers import WorkerStopped, in_workers


def finished_within(seconds: float, function):
    """`function()`'s value, or the exception it raised; a failure if it has not ended in time
    (a deadlock)."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(function())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"no answer in {seconds} s"
    return outcome[0]


def slow_square(batch: list[int]) -> list[tuple[int, int]]:
    time.sleep(0.02 * (batch[0] % 3))  # uneven: later batches often finish first
    return [(n, n * n) for n in batch]


def test_results_come_back_in_the_order_of_the_batches():
    batches = [[i, i + 100] for i in range(40)]
    results = list(in_workers(slow_square, batches, 3))
    assert results == [[(n, n * n) for n in batch] for batch in batches]
    assert multiprocessing.active_children() == []


def test_each_batch_is_done_by_a_worker_not_the_parent():
    pids = {pid for pid, in in_workers(lambda batch: [os.getpid()], [[i] for i in range(20)], 2)}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_batches_and_results_bigger_than_the_pipe_do_not_wait_forever():
    big = "é" * (3 * workers._PIPE_ROOM)  # a batch and its result each three times the room
    batches = [[big, str(i)] for i in range(12)]
    results = finished_within(60, lambda: list(in_workers(lambda batch: batch[1] + batch[0], batches, 2)))
    assert results == [str(i) + big for i in range(12)]


def failing(batch: list[int]) -> int:
    if batch[0] == 5:
        raise ValueError("no fives")
    return batch[0]


def test_a_failure_in_a_worker_is_raised_in_the_parent_with_its_traceback():
    with pytest.raises(RuntimeError, match="(?s)a worker process failed.*Traceback.*ValueError: no fives"):
        list(in_workers(failing, [[i] for i in range(10)], 2))
    assert multiprocessing.active_children() == []


def killed_at_seven(batch: list[int]) -> int:
    if batch[0] == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    return batch[0]


def test_a_worker_killed_stops_the_run_instead_of_waiting_forever():
    done: list[int] = []
    stopped = finished_within(60, lambda: done.extend(in_workers(killed_at_seven, [[i] for i in range(50)], 2)))
    assert isinstance(stopped, WorkerStopped)
    assert str(stopped) == "a worker process was stopped by SIGKILL (the system may have run out of memory)"
    assert done == list(range(len(done))) and len(done) <= 7  # in order, and nothing after the lost batch
    assert multiprocessing.active_children() == []


def test_a_worker_that_exits_is_named_by_its_status():
    def exits(batch: list[int]) -> int:
        os._exit(3)

    stopped = finished_within(60, lambda: list(in_workers(exits, [[1], [2]], 1)))
    assert isinstance(stopped, WorkerStopped) and str(stopped) == "a worker process ended with status 3"


def test_stopping_early_stops_the_workers():
    results = in_workers(lambda batch: batch, [[i] for i in range(1000)], 2)
    assert next(results) == [0]
    assert len(multiprocessing.active_children()) == 2
    results.close()
    assert multiprocessing.active_children() == []


# --- how many workers by default --------------------------------------------------------------

def cgroups(tmp_path, memberships: str, files: dict[str, str]):
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    own = tmp_path / "self-cgroup"
    own.write_text(memberships)
    return root, own


def test_a_cgroup_v2_limit_on_the_process_or_a_parent_caps_the_workers(tmp_path):
    root, own = cgroups(tmp_path, "0::/kubepods/pod1/box\n", {
        "cpu.max": "max 100000\n",
        "kubepods/pod1/cpu.max": "150000 100000\n",  # the pod's limit: 1.5 cores
        "kubepods/pod1/box/cpu.max": "max 100000\n",
    })
    assert workers._cpu_quota(root, own) == 1.5
    (root / "kubepods/pod1/box/cpu.max").write_text("50000 100000\n")  # tighter below
    assert workers._cpu_quota(root, own) == 0.5
    assert workers.default_processes(root, own) == 1


def test_a_cgroup_v1_quota_is_read_where_docker_mounts_it(tmp_path):
    root, own = cgroups(tmp_path, "4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n", {
        "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "-1\n",  # none here
        "cpu,cpuacct/docker/cpu.cfs_quota_us": "200000\n",
        "cpu,cpuacct/docker/cpu.cfs_period_us": "100000\n",
        "memory/docker/abc/cpu.cfs_quota_us": "10000\n",  # not the cpu controller's: ignored
    })
    assert workers._cpu_quota(root, own) == 2.0


def test_no_cgroup_or_an_unreadable_one_means_no_cap(tmp_path):
    root, own = cgroups(tmp_path, "0::/\n", {"cpu.max": "garbage\n"})
    assert workers._cpu_quota(root, own) is None
    own.write_text("nonsense\n4:cpu:relative/path\n\n")
    assert workers._cpu_quota(root, own) is None
    assert workers._cpu_quota(root, tmp_path / "missing") is None
    assert workers.default_processes(root, own) == len(os.sched_getaffinity(0))


def test_the_cores_a_process_may_run_on_bound_the_workers():
    import subprocess
    import sys

    code = ("import os; from newsletter.render.workers import default_processes; "
            "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); print(default_processes())")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "1\n"
