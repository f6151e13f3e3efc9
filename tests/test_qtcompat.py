"""PySide6 6.12 on Python 3.11 miscounts references to None and True; the app must survive any number of calls."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

import gui.tasks
from gui import qtcompat

CALLS = 50_000


class Emitter(QObject):
    value = Signal(object, bool)


def test_the_work_around_is_installed_by_the_app_s_qt_bridge():
    assert "gui.qtcompat" in sys.modules  # gui.tasks imports it before any task runs
    if sys.version_info < (3, 12):
        assert all(sys.getrefcount(obj) > qtcompat.MARGIN // 2 for obj in qtcompat.SINGLETONS)


def test_applying_twice_changes_nothing():
    assert qtcompat.immortalise() is False


def test_many_more_qt_calls_than_none_and_true_had_references_do_not_crash():
    emitter = Emitter()
    timer = QTimer()
    for _ in range(CALLS):  # each returned None or True without a reference on the buggy wheel
        timer.setInterval(5)
        emitter.value.emit(1, False)
    assert sys.getrefcount(None) > 0 and sys.getrefcount(True) > 0


def test_signals_still_deliver_their_arguments(qtbot):
    emitter = Emitter()
    received = []
    emitter.value.connect(lambda payload, flag: received.append((payload, flag)))
    with qtbot.waitSignal(emitter.value, timeout=1000):
        emitter.value.emit({"n": 1}, True)
    assert received == [({"n": 1}, True)]


def test_thousands_of_tasks_run_without_crashing_the_interpreter(qtbot):
    runner = gui.tasks.TaskRunner()
    done: list[int] = []
    try:
        for i in range(3_000):
            runner.submit(int, i, on_done=done.append)
        qtbot.waitUntil(lambda: len(done) == 3_000, timeout=20_000)
    finally:
        assert runner.shutdown(5000)
    assert sorted(done) == list(range(3_000))
