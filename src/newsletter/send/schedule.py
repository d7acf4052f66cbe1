"""Which message goes next, and when: the pace of a run, shared by its connections (threads).

Messages wait in one queue per recipient domain; the domains take turns (a heap ordered by when
each may send next), so a slow or limited domain never holds up the others. A message the
server deferred waits its retry delay, then goes to the front of its domain's queue. A "slow
down" reply (a quota) pauses every connection, then lets only one go on. No I/O: the clock is
given, and `take` blocks on a condition until a message may go.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from typing import Callable, Iterable

from .outgoing import Outgoing


class Schedule:
    def __init__(self, messages: Iterable[Outgoing], *, rate: float | None, domain_rate: float | None,
                 retry_delays: tuple[float, ...], quota_pause: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._interval = 1 / rate if rate else 0.0
        self._domain_interval = 1 / domain_rate if domain_rate else 0.0
        self._delays = retry_delays
        self._quota_pause = quota_pause
        self._queues: dict[str, deque[Outgoing]] = {}
        self._turns: list[tuple[float, int, str]] = []  # (may send at, order, domain): queued domains
        self._domain_next: dict[str, float] = {}
        self._retries: list[tuple[float, int, Outgoing]] = []
        self._order = itertools.count()
        self._next = 0.0  # when the next message may go, at the overall rate
        self._paused_until = 0.0
        self.attempts: dict[int, int] = {}
        self.in_flight = 0
        self.one_connection = False
        self._stopped = False
        self._condition = threading.Condition()
        for message in messages:
            self._queue(message, front=False, now=0.0)

    def take(self, connection: int) -> Outgoing | None:
        """The next message for `connection` (0, 1, ...), waiting until one may go; None when none
        is left for it (all done, the run stopped, or only connection 0 goes on)."""
        with self._condition:
            while True:
                if self._stopped or (self.one_connection and connection > 0):
                    return None
                now = self._clock()
                self._release_retries(now)
                ready_at = self._ready_at()
                if ready_at is not None and ready_at <= now:
                    return self._pop(now)
                if ready_at is None and not self.in_flight and not self._retries:
                    return None  # nothing queued, waiting or being tried that could come back
                times = [t for t in (ready_at, self._retries[0][0] if self._retries else None) if t is not None]
                self._condition.wait(max(min(times) - now, 0.001) if times else None)

    def done(self, message: Outgoing, retry: bool = False, slow_down: bool = False) -> bool:
        """The message's transaction is over. With `retry` (or `slow_down`) it is tried again after
        its next delay, if it has one left: returns whether it will be."""
        with self._condition:
            self.in_flight -= 1
            now = self._clock()
            again = False
            if retry or slow_down:
                tries = self.attempts[message.key]
                again = tries <= len(self._delays)
                delay = self._delays[tries - 1] if again else 0.0
                if slow_down:
                    self._paused_until = max(self._paused_until, now + self._quota_pause)
                    self.one_connection = True
                    delay = max(delay, self._quota_pause)
                if again:
                    heapq.heappush(self._retries, (now + delay, next(self._order), message))
            self._condition.notify_all()
            return again

    def has_work(self, connection: int) -> bool:
        """Whether `connection` may still be given a message (so is worth opening)."""
        with self._condition:
            if self._stopped or (self.one_connection and connection > 0):
                return False
            return bool(self._turns or self._retries or self.in_flight)

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()

    def _queue(self, message: Outgoing, front: bool, now: float) -> None:
        domain = message.domain
        queue = self._queues.get(domain)
        if queue is None:
            queue = self._queues[domain] = deque()
        if not queue:
            heapq.heappush(self._turns, (max(now, self._domain_next.get(domain, 0.0)), next(self._order), domain))
        if front:
            queue.appendleft(message)
        else:
            queue.append(message)

    def _release_retries(self, now: float) -> None:
        while self._retries and self._retries[0][0] <= now:
            self._queue(heapq.heappop(self._retries)[2], front=True, now=now)

    def _ready_at(self) -> float | None:
        """When the next queued message may go (None: none is queued)."""
        if not self._turns:
            return None
        return max(self._turns[0][0], self._next, self._paused_until)

    def _pop(self, now: float) -> Outgoing:
        _, _, domain = heapq.heappop(self._turns)
        queue = self._queues[domain]
        message = queue.popleft()
        self._domain_next[domain] = now + self._domain_interval
        if queue:
            heapq.heappush(self._turns, (self._domain_next[domain], next(self._order), domain))
        self._next = max(self._next, now - self._interval) + self._interval  # keeps the cadence when woken late
        self.in_flight += 1
        self.attempts[message.key] = self.attempts.get(message.key, 0) + 1
        return message
