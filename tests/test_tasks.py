"""The one bridge from the UI thread to workers: results and errors come back as signals on the UI thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot

from gui.api import ApiError, NotFoundError
from gui.tasks import TaskRunner


@pytest.fixture
def runner(qapp) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.shutdown(5000), "workers still running after shutdown"
    assert tasks.pool.activeThreadCount() == 0


class Sink(QObject):
    """Records what arrives and on which thread, as a widget's slots would."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []
        self.errors: list[ApiError] = []
        self.threads: list[QThread] = []

    @Slot(object)
    def done(self, result: object) -> None:
        self.results.append(result)
        self.threads.append(QThread.currentThread())

    @Slot(object)
    def failed(self, error: ApiError) -> None:
        self.errors.append(error)
        self.threads.append(QThread.currentThread())


def test_a_result_is_computed_on_a_worker_and_delivered_on_the_ui_thread(qtbot, runner):
    sink = Sink()
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
        runner.submit(lambda: threading.current_thread().name, on_done=sink.done, on_error=sink.failed)
    assert sink.results and sink.results[0] != threading.main_thread().name
    assert sink.threads == [QThread.currentThread()]


def test_an_api_error_is_delivered_as_it_is(qtbot, runner):
    sink = Sink()

    def fails() -> None:
        raise NotFoundError("Ticket 1 was not found (HTTP 404).", 404)

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
        runner.submit(fails, on_done=sink.done, on_error=sink.failed)
    assert isinstance(sink.errors[0], NotFoundError) and sink.errors[0].status == 404
    assert sink.results == []


def test_a_bug_in_a_task_becomes_an_api_error_in_words_not_a_crash(qtbot, runner, caplog):
    sink = Sink()
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
        runner.submit(lambda: {}["missing"], on_done=sink.done, on_error=sink.failed)
    assert type(sink.errors[0]) is ApiError
    assert sink.errors[0].message.startswith("Something went wrong inside the app")
    assert "Traceback" in caplog.text  # the details go to the log, not to the agent


def test_a_local_database_that_went_bad_after_start_is_told_in_words_with_what_to_do(qtbot, runner, tmp_path):
    import sqlite3

    from gui.store import LocalStore
    from tests.test_store import filled, garbage_in_one_page

    path = tmp_path / "togadesk.sqlite3"
    filled(path)
    store = LocalStore(path)  # opened while sound; a page goes bad later
    garbage_in_one_page("ticket")(path)
    sink = Sink()
    try:
        with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
            runner.submit(store.tickets, "sandbox", on_done=sink.done, on_error=sink.failed)
        words = sink.errors[0].message
        assert "could not be read or written (database disk image is malformed)" in words
        assert "moved aside (nothing is deleted)" in words and "Something went wrong" not in words

        def full() -> None:
            raise sqlite3.OperationalError("database or disk is full")

        with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
            runner.submit(full, on_done=sink.done, on_error=sink.failed)
        assert "Free some disk space" in sink.errors[1].message
    finally:
        store.close()


def test_busy_counts_tasks_in_flight(qtbot, runner):
    gate = threading.Event()
    counts: list[int] = []
    runner.busy_changed.connect(counts.append)
    runner.submit(gate.wait, 10)
    runner.submit(gate.wait, 10)
    assert runner.in_flight == 2
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
        gate.set()
    assert counts[:2] == [1, 2] and counts[-1] == 0


def test_after_shutdown_nothing_new_starts_and_no_result_is_delivered(qtbot, runner):
    sink = Sink()
    gate = threading.Event()
    runner.submit(gate.wait, 10, on_done=sink.done)
    gate.set()
    assert runner.shutdown(5000)
    runner.submit(lambda: "late", on_done=sink.done)
    assert runner.in_flight == 0
    QCoreApplication.processEvents()  # deliver anything queued; nothing may arrive
    assert sink.results == []


def test_a_result_already_queued_when_the_runner_shuts_down_is_dropped(qtbot, runner):
    sink = Sink()
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0):
        runner.submit(lambda: "queued", on_done=sink.done)
        # the worker has finished and its result waits in the event queue when we shut down
        runner.pool.waitForDone(5000)
        runner.shutdown(1000)
    assert sink.results == []


def test_what_the_agent_asked_for_starts_before_queued_background_work(qapp):
    from gui.tasks import BACKGROUND

    tasks = TaskRunner(max_threads=1)
    gate = threading.Event()
    started: list[str] = []
    tasks.submit(gate.wait, 5)  # the only worker is busy
    for i in range(5):
        tasks.submit(started.append, f"background {i}", priority=BACKGROUND)
    tasks.submit(started.append, "the agent's open")
    gate.set()
    assert tasks.pool.waitForDone(5000)
    assert started[0] == "the agent's open"
    assert tasks.shutdown(1000)


def test_work_asked_for_while_it_runs_runs_once_more_after_never_twice_at_once():
    from gui.tasks import OneAtATime

    work = OneAtATime()
    assert work.begin() is True
    assert work.begin() is False and work.begin() is False  # asked twice meanwhile: one more run
    assert work.end() is True
    assert work.begin() is True and work.end() is False
