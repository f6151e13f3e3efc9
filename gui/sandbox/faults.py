"""Knobs that make the sandbox slow or unreliable on purpose, for tests and benchmarks.

Thread-safe: tests change them while clients are talking to the server.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass

DEFAULT_ERROR_STATUSES = (500, 502, 504, 408)
PASS = 0  # Fault(PASS): let one matching request through untouched (to aim at the next one)


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour.

    ``status`` None drops the connection without an answer. ``after`` carries the request
    out first and then fails, the case where a client cannot know whether it landed.
    ``body`` replaces the JSON answer with raw bytes (an HTML error page, broken JSON).
    ``method`` and ``path_prefix`` limit which requests it applies to. ``answer_delay_ms`` holds the answer
    back that long once the request was carried out: ``Fault(PASS, answer_delay_ms=800, method="POST")``
    answers the next POST normally but late (the change is committed while the client waits, and may give up).
    """

    status: int | None = None
    after: bool = False
    body: bytes | None = None
    content_type: str = "text/html; charset=utf-8"
    method: str | None = None
    path_prefix: str | None = None
    answer_delay_ms: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


class Faults:
    """``latency_ms`` delays each request before it is carried out (a slow server: nothing is done yet);
    ``answer_delay_ms`` delays the answer after it was carried out (a slow gateway: the change is committed,
    the client is still waiting, and may give up)."""

    def __init__(self, *, latency_ms: float = 0.0, answer_delay_ms: float = 0.0, error_rate: float = 0.0,
                 drop_rate: float = 0.0, error_statuses: tuple[int, ...] = DEFAULT_ERROR_STATUSES,
                 seed: int | None = None):
        self._lock = threading.Lock()
        self._scripted: deque[Fault] = deque()
        self._random = random.Random(seed)
        self.latency_ms = latency_ms
        self.answer_delay_ms = answer_delay_ms
        self.error_rate = error_rate
        self.drop_rate = drop_rate
        self.error_statuses = error_statuses

    def script(self, *faults: Fault) -> None:
        """Queue faults for the next matching requests, one request each, in order."""
        with self._lock:
            self._scripted.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
        self.latency_ms = self.answer_delay_ms = self.error_rate = self.drop_rate = 0.0

    def pending(self) -> int:
        with self._lock:
            return len(self._scripted)

    def next_fault(self, method: str, path: str) -> Fault | None:
        """The fault for this request: a scripted one first, else a random one by rate."""
        with self._lock:
            for i, fault in enumerate(self._scripted):
                if fault.matches(method, path):
                    del self._scripted[i]
                    return None if fault.status == PASS and not fault.answer_delay_ms else fault
            roll = self._random.random()
            if roll < self.drop_rate:
                return Fault(status=None)
            if roll < self.drop_rate + self.error_rate:
                return Fault(status=self._random.choice(self.error_statuses))
        return None
