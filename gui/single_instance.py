"""One desk per data folder: a lock file taken at start, and a local socket a second launch hands over through.

Two desks on one folder would write one store and one draft from two processes (the second, quitting, would
save its empty composer over the first one's draft). So ``claim(folder)`` takes ``togadesk.lock`` in the folder
with ``QLockFile``; a lock left by a process that is gone (kill -9, a power cut) is taken over: Qt reads the pid
and host name written in the file and, on this host, finds that pid no longer running (or running another
program). The lock never goes stale by age (``setStaleLockTime(0)``): Qt's default of 30 s would let a second
launch steal the lock of a desk that has simply been open for more than 30 seconds.

The holder listens on a ``QLocalServer`` named after the folder (a short hash of its absolute path). A second
launch finds the lock held, connects, asks for the window and exits: ``hand_over(folder)`` prints one line and
returns 0 once the first has answered (within a second or two), or says on standard error that it did not.

No widgets here: the holder gives ``Claim.serve`` a callback (``bring_forward(window)`` for the main window).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

LOCK_FILE = "togadesk.lock"
REQUEST = b"raise\n"
ANSWER = b"raised\n"
HAND_OVER_MS = 1500  # a second launch waits this long at most for the first to answer
HANDED_OVER = "TOGaDesk Agent is already running for this data folder; its window was brought forward."


def server_name(folder: Path) -> str:
    """The local socket's name for ``folder``: the same for every launch on it, short enough for any platform."""
    key = os.path.normcase(os.path.abspath(folder))
    return "togadesk-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def bring_forward(window) -> None:
    """Shows ``window`` (restored if minimised or hidden in the tray), on top, with the keyboard focus."""
    window.showNormal()
    window.raise_()
    window.activateWindow()


class Claim(QObject):
    """This process's hold on a data folder: the lock, and the socket later launches hand over through."""

    def __init__(self, folder: Path, lock: QLockFile | None) -> None:
        super().__init__()
        self.folder = folder
        self.name = server_name(folder)
        self._lock = lock
        self._on_raise: Callable[[], None] | None = None
        self._pending = 0  # asks that came before serve(): answered then
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._listen()

    @property
    def held(self) -> bool:
        """False when the lock could not be taken at all (the folder cannot be written): nothing is guarded."""
        return self._lock is not None and self._lock.isLocked()

    def _listen(self) -> None:
        # The lock is ours, so a socket of that name is a stale one left by a killed desk (Unix keeps the file).
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            log.warning("A second launch cannot hand over to this desk: %s", self._server.errorString())

    def serve(self, on_raise: Callable[[], None]) -> None:
        """From now on a second launch calls ``on_raise`` (on this thread, in the event loop)."""
        self._on_raise = on_raise
        pending, self._pending = self._pending, 0
        for _ in range(pending):
            self._raise()

    def release(self) -> None:
        """Stops listening and frees the lock; safe to call more than once."""
        self._server.close()
        if self._lock is not None and self._lock.isLocked():
            self._lock.unlock()
        self._lock = None

    @Slot()
    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        if bytes(socket.readLine().data()) != REQUEST:
            socket.disconnectFromServer()
            return
        if self._on_raise is None:
            self._pending += 1
        else:
            self._raise()
        socket.write(ANSWER)
        socket.flush()
        socket.disconnectFromServer()

    def _raise(self) -> None:
        assert self._on_raise is not None
        self._on_raise()
        log.info("Another launch on this data folder handed over; the window was brought forward")


def claim(folder: Path) -> Claim | None:
    """This process's claim on ``folder``, or None when a desk that is running holds it (then ``hand_over``).

    A lock left by a process that has ended is taken over. When the lock cannot be written at all (a read-only
    folder), the desk still starts, unguarded, and the log says why: the store will say what it cannot do.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(folder / LOCK_FILE))
    lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
    if lock.tryLock(0):
        return Claim(folder, lock)
    error = lock.error()
    if error == QLockFile.LockError.LockFailedError:
        return None
    log.warning("Could not take the lock %s (%s): two desks could open this data folder at once",
                folder / LOCK_FILE, error.name)
    return Claim(folder, None)


def holder(folder: Path) -> int | None:
    """The process id written in ``folder``'s lock, if any."""
    info = QLockFile(str(folder / LOCK_FILE)).getLockInfo()  # PySide6: (pid, host, app), or False
    return info[0] or None if isinstance(info, tuple) else None


def ask_to_raise(folder: Path, timeout_ms: int = HAND_OVER_MS) -> bool:
    """Asks the desk holding ``folder`` to bring its window forward; True once it said it did.

    Blocking, for a second launch's main thread before it does anything else: PySide6 keeps the GIL through
    ``waitFor*``, so another Python thread of the same process would stall meanwhile."""
    socket = QLocalSocket()
    try:
        socket.connectToServer(server_name(folder))
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(REQUEST)
        if not socket.waitForBytesWritten(timeout_ms):
            return False
        answer = b""
        while not answer.endswith(b"\n"):
            if not socket.bytesAvailable() and not socket.waitForReadyRead(timeout_ms):
                return False
            answer += bytes(socket.readAll().data())
        return answer == ANSWER
    finally:
        socket.abort()


def hand_over(folder: Path) -> int:
    """For a second launch: asks the first to come forward, prints what happened, returns the exit code."""
    if ask_to_raise(folder):
        print(HANDED_OVER, flush=True)
        return 0
    pid = holder(folder)
    who = f" (process {pid})" if pid else ""
    print(f"TOGaDesk Agent is already running for this data folder{who} but did not answer. If it is stuck, "
          f"end it and start again; the lock is {folder / LOCK_FILE}.", file=sys.stderr, flush=True)
    return 1
