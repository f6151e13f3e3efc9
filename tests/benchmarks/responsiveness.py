"""UI responsiveness: a 5 ms heartbeat in the real MainWindow, and how late it fires while the app works.

The heartbeat is a precise QTimer on the UI thread. Each tick notes how much later than
5 ms after the previous one it came: that lateness is what an agent feels as a stutter
(a 60 Hz frame is 16.7 ms). Each scenario starts its work from inside the event loop and
ends when the app's own signal says the work is done (plus a short quiet tail).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal, Slot

HEARTBEAT_MS = 5
TAIL_MS = 100  # keep measuring a little after the work ends: late repaints count too


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Heartbeat(QObject):
    """Records how late each 5 ms tick fires (ms beyond the interval)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.lateness: list[float] = []
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.lateness.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000 - HEARTBEAT_MS))
        self._last = now


class Done(QObject):
    """A scenario says it has finished by emitting ``finished``."""

    finished = Signal()


@dataclass
class Lateness:
    name: str
    ticks: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    work_s: float
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"name": self.name, "ticks": self.ticks, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms,
                "max_ms": self.max_ms, "work_s": self.work_s, **self.extra}


def measure(name: str, start_work: Callable[[Done], None], timeout_s: float = 120.0) -> Lateness:
    """Runs ``start_work(done)`` inside the event loop with the heartbeat on until ``done.finished``."""
    done = Done()
    loop = QEventLoop()
    beat = Heartbeat()
    ended: list[float] = []
    done.finished.connect(lambda: ended.append(time.perf_counter()))
    done.finished.connect(lambda: QTimer.singleShot(TAIL_MS, loop.quit))
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    beat.start()
    started = time.perf_counter()
    QTimer.singleShot(HEARTBEAT_MS * 4, lambda: start_work(done))  # a few quiet ticks first
    loop.exec()
    beat.stop()
    if not ended:
        raise TimeoutError(f"{name}: the work did not finish within {timeout_s:.0f} s")
    ticks = beat.lateness
    return Lateness(name, len(ticks), statistics.median(ticks), percentile(ticks, 0.99), max(ticks),
                    ended[0] - started)
