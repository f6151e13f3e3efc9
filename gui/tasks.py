"""The one bridge from the UI thread to worker threads.

``TaskRunner.submit(fn, *args, on_done=slot, on_error=slot, scope=scope)`` runs ``fn`` on
the app's QThreadPool and delivers ``(result)`` or ``(ApiError)`` to the slots on the UI
thread. With ``on_progress=slot``, ``fn`` gets a ``progress`` keyword: what it reports on its
way (a phase of a long request) reaches the slot on the UI thread, before its result.
Connect bound ``@Slot`` methods, not lambdas capturing widgets: a bound slot is
disconnected when its widget dies, a lambda would touch a deleted C++ object.

Tasks belong to a ``TaskScope`` (one per connection to a server). Cancelling the scope
skips its tasks not started yet, drops the results of those running, and runs the scope's
cancel hooks (the client's ``cancel``, which interrupts requests between tries and closes
their sockets), so switching server or quitting never waits on a hung server.
"""

from __future__ import annotations

import logging
import sqlite3
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from .api import ApiError, CancelledError

log = logging.getLogger(__name__)

DEFAULT_THREADS = 8
BACKGROUND = -1  # priority of work nobody waits for (background refresh, the demo learning its tickets)


class OneAtATime:
    """A piece of background work that is never in flight twice: asked for while it runs, it runs once more
    after (a catch-up, a heartbeat, a read), however many times it was asked meanwhile."""

    def __init__(self) -> None:
        self.busy = self.again = False

    def begin(self) -> bool:
        """True: start it now. False: it is running; it will be started again when it ends."""
        if self.busy:
            self.again = True
            return False
        self.busy = True
        return True

    def end(self) -> bool:
        """It ended; True when it was asked for meanwhile (start it again)."""
        again, self.busy, self.again = self.again, False, False
        return again

    def reset(self) -> None:
        self.busy = self.again = False


class TaskScope:
    """The tasks of one connection, cancelled together. Plain Python: hooks may be called from the UI thread only."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.cancelled = False
        self._hooks: list[Callable[[], None]] = []

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """``hook`` runs once when the scope is cancelled (at once if it already is)."""
        if self.cancelled:
            hook()
        else:
            self._hooks.append(hook)

    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                hook()
            except Exception:  # one failing hook must not keep the others from stopping their work
                log.exception("Cancelling %s: a hook failed", self.name or "a task scope")


def damaged_store_words(error: Exception) -> str:
    """SQLite's own words ("database disk image is malformed") told so an agent knows what to do."""
    if isinstance(error, sqlite3.OperationalError):  # full disk, read-only folder, a lock held too long
        return (f"The ticket list on this computer could not be written ({error}). Free some disk space or "
                "check that the app's data folder can be written to; nothing already saved is lost.")
    return (f"The ticket list on this computer could not be read or written ({error}). Quit and start the app "
            "again: a damaged file is then moved aside (nothing is deleted) and a fresh one started; what is on "
            "the server is fetched again.")


class _TaskSignals(QObject):
    """Lives on the UI thread; the worker's ``outcome`` is queued to it, then handed to the slots.

    The hand-over happens here on the UI thread, so a result that was already on its way
    when the runner shut down is dropped instead of reaching a window whose store is closed.
    """

    finished = Signal(object)
    failed = Signal(object)
    progress = Signal(object)
    ended = Signal()
    outcome = Signal(object, bool)
    _reported = Signal(object)

    def __init__(self, runner: TaskRunner, scope: TaskScope):
        super().__init__()
        self._runner = runner
        self.scope = scope
        self.outcome.connect(self._deliver)
        self._reported.connect(self._deliver_progress)

    def report(self, value: object) -> None:
        """The task's ``progress`` callable, called on its worker: queued to the UI thread like the result."""
        if not self.dropped:
            self._reported.emit(value)

    @Slot(object)
    def _deliver_progress(self, value: object) -> None:
        if not self.dropped:
            self._runner.before_results()  # what the task stored so far is on screen with its news
            self.progress.emit(value)

    @property
    def dropped(self) -> bool:
        return self._runner.closing or self.scope.cancelled

    @Slot(object, bool)
    def _deliver(self, value: object, ok: bool) -> None:
        if not self.dropped:
            self._runner.before_results()
            (self.finished if ok else self.failed).emit(value)


class _Task(QRunnable):
    def __init__(self, runner: TaskRunner, scope: TaskScope, fn: Callable[..., Any], args: tuple, kwargs: dict):
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _TaskSignals(runner, scope)
        self._runner = runner
        self._fn, self._args, self._kwargs = fn, args, kwargs

    def report_to(self, slot: Callable[[Any], None]) -> None:
        """``fn`` gets a ``progress`` callable whose values reach ``slot`` on the UI thread."""
        self.signals.progress.connect(slot)
        self._kwargs = {**self._kwargs, "progress": self.signals.report}

    def run(self) -> None:
        try:
            if self.signals.dropped:
                return
            try:
                result = self._fn(*self._args, **self._kwargs)
            except CancelledError:
                return  # its scope was cancelled: nobody waits for this answer
            except ApiError as error:
                outcome = (error, False)
            except sqlite3.DatabaseError as error:  # the local file went bad after the start-up check
                log.error("Task %s: the local database failed: %s", getattr(self._fn, "__qualname__", self._fn), error)
                outcome = (ApiError(damaged_store_words(error)), False)
            except Exception as error:  # a bug, not a server problem: log it, show words
                log.exception("Task %s failed unexpectedly", getattr(self._fn, "__qualname__", self._fn))
                outcome = (ApiError(f"Something went wrong inside the app: {error}"), False)
            else:
                outcome = (result, True)
            if not self.signals.dropped:
                self.signals.outcome.emit(*outcome)
        finally:
            self.signals.ended.emit()


class TaskRunner(QObject):
    """Owns the app's thread pool; reports how many tasks are in flight for the busy indicator."""

    busy_changed = Signal(int)
    alive: weakref.WeakSet[TaskRunner] = weakref.WeakSet()  # every runner not yet garbage: tests check none is busy

    def __init__(self, max_threads: int = DEFAULT_THREADS, parent: QObject | None = None):
        super().__init__(parent)
        TaskRunner.alive.add(self)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.closing = False
        self.scope = TaskScope("app")  # tasks that outlive any one connection (reading a file, the settings)
        self._before_results: list[Callable[[], None]] = []
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

    def on_results(self, hook: Callable[[], None]) -> None:
        """``hook`` runs on the UI thread before any task's result is handed over and when any task ends:
        what a worker left for the UI thread (the ticket owner's changes) is taken in before the result
        that follows from it, without a signal emitted per change from the workers."""
        self._before_results.append(hook)

    def before_results(self) -> None:
        for hook in self._before_results:
            hook()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[ApiError], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        scope: TaskScope | None = None,
        priority: int = 0,
        **kwargs: Any,
    ) -> None:
        """Runs ``fn(*args, **kwargs)`` on a worker; must be called on the UI thread.

        ``priority``: queued tasks with a higher one start first, so what the agent asked for does not wait
        behind ``BACKGROUND`` work. ``on_progress``: ``fn`` is called with ``progress=callable`` too; each
        value it reports reaches ``on_progress`` on the UI thread (none once the scope is cancelled)."""
        scope = scope or self.scope
        if self.closing or scope.cancelled:
            return
        task = _Task(self, scope, fn, args, kwargs)
        if on_done is not None:
            task.signals.finished.connect(on_done)
        if on_error is not None:
            task.signals.failed.connect(on_error)
        if on_progress is not None:
            task.report_to(on_progress)
        task.signals.ended.connect(self._ended)
        self._tasks[task.signals] = task
        self.busy_changed.emit(len(self._tasks))
        self.pool.start(task, priority)

    @Slot()
    def _ended(self) -> None:
        self.before_results()
        task = self._tasks.pop(self.sender(), None)
        if task is not None:
            self._retired.append(task)
            self._release.start()
        self.busy_changed.emit(len(self._tasks))

    def shutdown(self, timeout_ms: int = 1500) -> bool:
        """Drops pending results and waits (bounded) for running tasks; True if all ended.

        Cancel the connections' scopes first: their requests then stop within moments.
        """
        self.closing = True
        self.scope.cancel()
        self.pool.clear()
        done = self.pool.waitForDone(timeout_ms)
        if done:  # a task still running keeps its signals object alive until it ends
            self._tasks.clear()
            self._retired.clear()
        return done
