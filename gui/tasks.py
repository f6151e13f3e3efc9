"""The one bridge from the UI thread to worker threads.

``TaskRunner.submit(fn, *args, on_done=slot, on_error=slot)`` runs ``fn`` on the app's
QThreadPool and delivers ``(result)`` or ``(ApiError)`` to the slots on the UI thread.
Connect bound ``@Slot`` methods, not lambdas capturing widgets: a bound slot is
disconnected when its widget dies, a lambda would touch a deleted C++ object.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from .api import ApiError

log = logging.getLogger(__name__)

DEFAULT_THREADS = 8


class _TaskSignals(QObject):
    """Lives on the UI thread; the worker's ``outcome`` is queued to it, then handed to the slots.

    The hand-over happens here on the UI thread, so a result that was already on its way
    when the runner shut down is dropped instead of reaching a window whose store is closed.
    """

    finished = Signal(object)
    failed = Signal(object)
    ended = Signal()
    outcome = Signal(object, bool)

    def __init__(self, runner: TaskRunner):
        super().__init__()
        self._runner = runner
        self._generation = runner.generation
        self.outcome.connect(self._deliver)

    @Slot(object, bool)
    def _deliver(self, value: object, ok: bool) -> None:
        if not self._runner.closing and self._generation == self._runner.generation:
            (self.finished if ok else self.failed).emit(value)


class _Task(QRunnable):
    def __init__(self, runner: TaskRunner, fn: Callable[..., Any], args: tuple, kwargs: dict):
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _TaskSignals(runner)
        self._runner = runner
        self._fn, self._args, self._kwargs = fn, args, kwargs

    def run(self) -> None:
        try:
            if self._runner.closing or self.signals._generation != self._runner.generation:
                return
            try:
                result = self._fn(*self._args, **self._kwargs)
            except ApiError as error:
                outcome = (error, False)
            except Exception as error:  # a bug, not a server problem: log it, show words
                log.exception("Task %s failed unexpectedly", getattr(self._fn, "__qualname__", self._fn))
                outcome = (ApiError(f"Something went wrong inside the app: {error}"), False)
            else:
                outcome = (result, True)
            if not self._runner.closing:
                self.signals.outcome.emit(*outcome)
        finally:
            self.signals.ended.emit()


class TaskRunner(QObject):
    """Owns the app's thread pool; reports how many tasks are in flight for the busy indicator."""

    busy_changed = Signal(int)

    def __init__(self, max_threads: int = DEFAULT_THREADS, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.closing = False
        self.generation = 0
        self._tasks: dict[_TaskSignals, _Task] = {}
        # Ended tasks are kept one more turn of the event loop: dropping the last reference
        # inside their own signal delivery would delete the QObject that is emitting.
        self._retired: list[_Task] = []
        self._release = QTimer(self)
        self._release.setSingleShot(True)
        self._release.setInterval(0)
        self._release.timeout.connect(self._retired.clear)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[ApiError], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Runs ``fn(*args, **kwargs)`` on a worker; must be called on the UI thread."""
        if self.closing:
            return
        task = _Task(self, fn, args, kwargs)
        if on_done is not None:
            task.signals.finished.connect(on_done)
        if on_error is not None:
            task.signals.failed.connect(on_error)
        task.signals.ended.connect(self._ended)
        self._tasks[task.signals] = task
        self.busy_changed.emit(len(self._tasks))
        self.pool.start(task)

    @Slot()
    def _ended(self) -> None:
        task = self._tasks.pop(self.sender(), None)
        if task is not None:
            self._retired.append(task)
            self._release.start()
        self.busy_changed.emit(len(self._tasks))

    def forget_pending(self) -> None:
        """Tasks submitted before now are skipped if not started, and their results not delivered.

        Used when the environment changes: an answer from the old server must never land in the new one.
        """
        self.generation += 1

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Drops pending results and waits (bounded) for running tasks; True if all ended."""
        self.closing = True
        self.pool.clear()
        done = self.pool.waitForDone(timeout_ms)
        if done:  # a task still running keeps its signals object alive until it ends
            self._tasks.clear()
            self._retired.clear()
        return done
