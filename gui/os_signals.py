"""Ctrl+C and SIGTERM close the window as the agent's Quit does: drafts kept, requests cancelled, no traceback.

Python runs its signal handlers only when the interpreter gets control, which it does not while
Qt's event loop waits in C++. ``signal.set_wakeup_fd`` writes a byte to a socket on every signal;
a ``QSocketNotifier`` on the other end wakes the loop, and the handler runs in that slot.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Slot

STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s)


class StopOnSignals(QObject):
    def __init__(self, stop: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._stop = stop
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {number: signal.signal(number, self._handle) for number in STOP_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._wake)

    def _handle(self, _number: int, _frame: object) -> None:
        QTimer.singleShot(0, self._stop)  # in the event loop, even when the signal came before it started

    @Slot()
    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # the byte only woke us; the handler has run already
            self._reader.recv(512)

    def uninstall(self) -> None:
        self._notifier.setEnabled(False)
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()
