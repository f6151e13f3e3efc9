"""Unexpected errors: logged with their traceback, and shown to the agent with the log's path.

A packaged app has no console, so an exception that only reached stderr would look like the
window silently ignoring a click, or the app vanishing at start. Drafts are saved as they are
typed, so the message can say that nothing typed is lost.
"""

from __future__ import annotations

import logging
import sys
import textwrap
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from .logs import redact

log = logging.getLogger(__name__)

FULL_TRACEBACKS = 3  # of one and the same error; then one line each, so a fault in a repaint cannot flood the log


def message(error: BaseException, log_file: Path | None) -> str:
    """What the agent reads: short, with the error's kind and where the details are."""
    where = f"The details are in the log file:\n{log_file}" if log_file else "No log file is being written."
    summary = redact(f"{type(error).__name__}: {error}")
    if len(summary) > 240:
        summary = summary[:240] + "…"
    summary = "\n".join(textwrap.wrap(summary, 80)) or summary  # long words too: the box must not overflow
    return (f"TOGaDesk Agent ran into an unexpected error.\n\n{summary}\n\n"
            f"What you typed is saved as a draft. {where}\n"
            "If it happens again, send that file to your IT support.")


class CrashReporter(QObject):
    """Installed as ``sys.excepthook`` (and ``threading.excepthook``) for the app's lifetime.

    Create it on the UI thread: an exception raised on a worker thread (PySide reports those
    through ``sys.excepthook`` too) is logged there and its dialog is shown on the UI thread.
    """

    _show_later = Signal(object)

    def __init__(self, log_file: Path | None):
        super().__init__()
        self.log_file = log_file
        self.box: QMessageBox | None = None
        self._seen: dict[tuple[str, str], int] = {}
        self._previous: tuple[object, object] | None = None
        self._show_later.connect(self.show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashReporter:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def handle(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        if self._log(kind, error, tb) > 1:
            return  # shown once: a fault that fires on every repaint must not bring the dialog straight back
        self._show_later.emit(error)  # queued: shown by the UI thread's event loop, whichever thread raised

    def _log(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None,
             where: str = "") -> int:
        """Logs the error (its traceback the first few times); returns how often it has been seen."""
        key = (kind.__name__, str(error)[:200])
        if key not in self._seen and len(self._seen) >= 100:
            self._seen.clear()  # bounded: a stream of distinct errors cannot grow it without end
        seen = self._seen[key] = self._seen.get(key, 0) + 1
        if seen <= FULL_TRACEBACKS:
            log.critical("Unexpected error%s", where, exc_info=(kind, error, tb))
            if sys.stderr is not None:  # a console, when there is one, gets the (redacted) traceback too
                sys.stderr.write(redact("".join(traceback.format_exception(kind, error, tb))))
        else:
            log.critical("Unexpected error%s again (%d times): %s", where, seen, redact(f"{kind.__name__}: {error}"))
        return seen

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        """Python threads (the sandbox's, the webhook listener's): logged; their owners report failures."""
        if args.exc_type is SystemExit:
            return
        self._log(args.exc_type, args.exc_value, args.exc_traceback,
                  f" in thread {getattr(args.thread, 'name', '?')}")

    @Slot(object)
    def show(self, error: BaseException) -> QMessageBox | None:
        """A non-blocking dialog (one at a time); None when there is no QApplication to show it in."""
        if QApplication.instance() is None:
            return None
        if self.box is not None and self.box.isVisible():
            return self.box  # one dialog, not a cascade, when the same fault fires on every repaint
        box = QMessageBox(QMessageBox.Icon.Critical, "TOGaDesk Agent: unexpected error", message(error, self.log_file))
        box.setTextFormat(Qt.TextFormat.PlainText)  # the error's text may hold anything
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setEscapeButton(QMessageBox.StandardButton.Ok)  # else Esc and the title bar's X do nothing
        if self.log_file is not None:
            folder = box.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
            folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent))))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(self._forget)
        self.box = box
        box.open()
        return box

    @Slot()
    def _forget(self) -> None:
        self.box = None

    def fatal(self, error: BaseException) -> None:
        """The app could not start: log it and wait for the agent to read the message."""
        log.critical("TOGaDesk Agent could not start", exc_info=error)
        if sys.stderr is not None:
            sys.stderr.write(redact("".join(traceback.format_exception(error))))
        if QApplication.instance() is not None:
            box = QMessageBox(QMessageBox.Icon.Critical, "TOGaDesk Agent could not start",
                              message(error, self.log_file))
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.exec()
