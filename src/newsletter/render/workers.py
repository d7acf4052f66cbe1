"""Batches done by forked worker processes, results back in the batches' order.

`multiprocessing.Pool` waits forever for the batch of a worker the system killed (out of memory,
`kill -9`): the campaign hung with no word. Here each worker has its own pipe and the parent
waits on the pipes and the processes together, so a worker's end stops the run at once
(`WorkerStopped`). Workers ignore Ctrl-C, which the parent alone handles: it stops them when
the run ends for any reason. No thread runs in the parent: it reads the list, sends batches and
takes results in one loop. How many workers by default: one a core the process may use
(`default_processes`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import pickle
import signal
import traceback
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator

# A batch is sent to a busy worker only while what it has not yet read fits in its pipe: a send
# that had to wait for a worker itself waiting to send its result would wait forever. Far below
# the kernel's socket buffer (208 KiB by default on Linux).
_PIPE_ROOM = 64 * 1024


def default_processes(cgroups: Path = Path("/sys/fs/cgroup"), own: Path = Path("/proc/self/cgroup")) -> int:
    """One worker a core this process may use: the cores it may run on (`taskset`, a container's
    cpuset), fewer when a cgroup caps its CPU time (`docker run --cpus`, a Kubernetes limit).
    `os.cpu_count()` counts every core of the machine: in a container given two cores of
    sixty-four, it would start sixty-four workers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1  # not on macOS
    quota = _cpu_quota(cgroups, own)
    return max(1, min(cores, math.ceil(quota))) if quota else cores


def _cpu_quota(cgroups: Path, own: Path) -> float | None:
    """The tightest CPU quota, in cores, of this process's cgroups and their parents (v2's
    `cpu.max`, v1's `cpu.cfs_quota_us`), or None."""
    try:
        memberships = own.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    quotas = []
    for membership in memberships:  # "hierarchy:controllers:/path"
        controllers, _, path = membership.partition(":")[2].partition(":")
        if controllers == "":  # cgroup v2: one hierarchy
            mounts, read = [cgroups], _quota_v2
        elif "cpu" in controllers.split(","):  # v1, mounted as "cpu" or "cpu,cpuacct"
            mounts, read = [cgroups / controllers, cgroups / "cpu"], _quota_v1
        else:
            continue
        own_path = PurePosixPath("/", path)
        for folder in (mount / ancestor.relative_to("/") for mount in mounts
                       for ancestor in (own_path, *own_path.parents)):
            with suppress(OSError, ValueError, ZeroDivisionError):
                quota = read(folder)
                if quota is not None:
                    quotas.append(quota)
    return min(quotas, default=None)


def _quota_v2(folder: Path) -> float | None:
    limit, period = (folder / "cpu.max").read_text(encoding="ascii").split()
    return None if limit == "max" else int(limit) / int(period)


def _quota_v1(folder: Path) -> float | None:
    limit = int((folder / "cpu.cfs_quota_us").read_text(encoding="ascii"))
    return None if limit < 0 else limit / int((folder / "cpu.cfs_period_us").read_text(encoding="ascii"))


class WorkerStopped(Exception):
    """A worker process ended before its batches were done (killed, or out of memory)."""


@dataclass
class _Worker:
    process: Any  # multiprocessing's Process (fork context)
    connection: Connection
    batches: deque[tuple[int, int]] = field(default_factory=deque)  # sent, not answered: (index, bytes)

    @property
    def unread(self) -> int:
        return sum(size for _, size in self.batches)


def in_workers(work: Callable[[Any], Any], batches: Iterable[Any], processes: int, ahead: int = 2) -> Iterator[Any]:
    """`map(work, batches)` over `processes` forked workers, at most `ahead` batches queued for
    each. Raises `WorkerStopped` if one ends early, and `work`'s own failure as a RuntimeError
    carrying its traceback."""
    context = multiprocessing.get_context("fork")
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(processes):
            ours, theirs = context.Pipe()
            inherited = [w.connection for w in workers] + [ours]  # closed in the child: EOF works both ways
            process = context.Process(target=_serve, args=(work, theirs, inherited), daemon=True)
            process.start()
            theirs.close()
            workers.append(_Worker(process, ours))
        yield from _in_order(workers, iter(batches), ahead)
        for worker in workers:
            with suppress(OSError):  # one that ended after its last batch needs no word
                worker.connection.send_bytes(_END)
        finished = True
    finally:
        for worker in workers:
            if not finished:  # the run stopped early: its batches are not wanted
                worker.process.terminate()
            worker.process.join()
            worker.connection.close()


_END = pickle.dumps(None)


def _in_order(workers: list[_Worker], batches: Iterator[Any], ahead: int) -> Iterator[Any]:
    sent = yielded = 0
    most = len(workers) * ahead  # batches out at once, answered or not: the memory is bounded
    early: dict[int, Any] = {}  # results that came before an earlier batch's

    def feed() -> None:
        nonlocal sent
        for worker in sorted(workers, key=lambda w: len(w.batches)):
            while sent - yielded < most and len(worker.batches) < ahead:
                if worker.batches and worker.unread >= _PIPE_ROOM:
                    break
                batch = next(batches, None)
                if batch is None:
                    return
                payload = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
                while worker.batches and worker.unread + len(payload) > _PIPE_ROOM:
                    wait([worker.connection, worker.process.sentinel])  # a big batch: its results first
                    _take(worker, early)
                _send(worker, sent, payload)
                sent += 1

    feed()
    while sent > yielded:
        busy = [w for w in workers if w.batches]
        ready = set(wait([w.connection for w in busy] + [w.process.sentinel for w in busy]))
        for worker in busy:
            if worker.connection in ready or worker.process.sentinel in ready:
                _take(worker, early)
        while yielded in early:
            yield early.pop(yielded)
            yielded += 1
        feed()


def _send(worker: _Worker, index: int, payload: bytes) -> None:
    try:
        worker.connection.send_bytes(payload)
    except ConnectionError:  # it has ended
        worker.process.join()
        raise WorkerStopped(_how_it_ended(worker.process.exitcode)) from None
    worker.batches.append((index, len(payload)))


def _take(worker: _Worker, early: dict[int, Any]) -> None:
    """The results the worker has sent; `WorkerStopped` if it has ended with batches left."""
    try:
        while worker.batches and worker.connection.poll():
            ok, result = worker.connection.recv()
            index, _ = worker.batches.popleft()
            if not ok:
                raise RuntimeError(f"a worker process failed:\n{result}")
            early[index] = result
    except (EOFError, ConnectionError):  # it has ended: its pipe is closed, or was reset with data unread
        pass
    if worker.batches and not worker.process.is_alive():
        worker.process.join()
        raise WorkerStopped(_how_it_ended(worker.process.exitcode))


def _how_it_ended(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        why = " (the system may have run out of memory)" if name == "SIGKILL" else ""
        return f"a worker process was stopped by {name}{why}"
    return f"a worker process ended with status {code}"


def _serve(work: Callable[[Any], Any], connection: Connection, inherited: list[Connection]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    for other in inherited:
        other.close()
    while True:
        try:
            batch = connection.recv()
        except EOFError:  # the parent is gone
            return
        if batch is None:
            return
        try:
            answer = (True, work(batch))
        except BaseException:
            answer = (False, traceback.format_exc())
        try:
            connection.send(answer)
        except OSError:  # the parent is gone (a broken pipe)
            return
