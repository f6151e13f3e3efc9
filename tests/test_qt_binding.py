"""The Qt binding itself: a desk runs all day, so Qt calls must not wear anything out.

PySide6-Essentials 6.12.0 on Python 3.11 returned None from every void Qt call, and True from
every emit(), without the reference the caller then drops: a few thousand calls later the
interpreter aborted ("Fatal Python error: none_dealloc"). That is why requirements.txt pins 6.11.3.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

CALLS = 2_000  # far fewer than the references None has at start-up, so a regression fails here, not aborts


class Emitter(QObject):
    value = Signal(object, bool)


def test_void_qt_calls_do_not_take_references_from_none():
    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        timer.setInterval(5)
    assert sys.getrefcount(None) > before - CALLS // 2


def test_emitting_a_signal_does_not_take_references_from_true_or_false():
    emitter = Emitter()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(CALLS):
        emitter.value.emit(1, False)
    assert sys.getrefcount(True) > before[0] - CALLS // 2
    assert sys.getrefcount(False) > before[1] - CALLS // 2
