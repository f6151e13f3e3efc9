"""``--smoke-test``: proves a build works end to end, in seconds, without touching the agent's data.

Starts offscreen with a temporary data folder and settings file, runs the demo (the built-in
sandbox), shows the main window, makes one signed round trip through the app's own worker pool
and client, and reports what a frozen build most often gets wrong: a missing resource, a missing
keyring backend, a Qt plugin that warns. Any Qt warning or Python exception fails it.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HARMLESS_QT_MESSAGES = (
    "This plugin does not support propagateSizeHints",  # offscreen cannot honour window-manager hints
)
SAMPLE_TICKET = 12345678


def keyring_backends() -> list[str]:
    """Every keyring backend class keyring could load (entry points included), usable here or not."""
    import keyring.backend

    keyring.backend.get_all_keyring()  # loads the entry-point plugins
    classes = keyring.backend.KeyringBackend._classes  # keyring keeps its registry of loaded backends here
    return sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)


def run(timeout_s: float = 60.0, out: Callable[[str], None] | None = None) -> int:
    """0 when every check passed; 1 otherwise. Report lines go to ``out`` (stdout by default)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    say = out or _print
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="togadesk-smoke-") as tmp:
        try:
            _run(Path(tmp), timeout_s, say, problems)
        finally:
            logging.shutdown()  # closes the log file before its folder goes (Windows)
            _close_log_handlers()
    for problem in problems:
        say(f"FAIL {problem}")
    say("smoke test " + ("failed" if problems else "passed"))
    return 1 if problems else 0


def _run(folder: Path, timeout_s: float, say: Callable[[str], None], problems: list[str]) -> None:
    from PySide6.QtCore import QSettings, QTimer, QtMsgType, qInstallMessageHandler

    from . import __version__, logs
    from .app import Desk, make_application
    from .resources import APP_ICON, base_dir, is_frozen, resource_path
    from .settings import Secrets

    def on_qt_message(kind: QtMsgType, _context: object, text: str) -> None:
        if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) or text.startswith(HARMLESS_QT_MESSAGES):
            return
        problems.append(f"Qt {kind.name}: {text}")

    def on_exception(kind: type[BaseException], error: BaseException, tb: object) -> None:
        sys.__excepthook__(kind, error, tb)
        problems.append(f"exception: {kind.__name__}: {error}")
        app.quit()

    previous_handler = qInstallMessageHandler(on_qt_message)
    previous_hook, sys.excepthook = sys.excepthook, on_exception
    try:
        app = make_application()
        log_file = logs.configure(folder / "logs", logging.INFO)
        say(f"TOGaDesk Agent {__version__} ({'frozen' if is_frozen() else 'source'}), resources in {base_dir()}")
        say(f"icon: {resource_path(APP_ICON).name}, {'ok' if not app.windowIcon().isNull() else 'EMPTY'}")
        if app.windowIcon().isNull():
            problems.append("the app icon did not render")
        secrets = Secrets()
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        desk = Desk(folder, settings, secrets, demo=True, log_file=log_file)
        first_paint = _first_paint_filter()(lambda: say("main window painted"))
        desk.window.installEventFilter(first_paint)
        try:
            desk.start()
            if desk.connection is None:
                problems.append("the demo did not connect to its sandbox")
                return
            say(f"main window shown: {desk.window.isVisible()}, sandbox at {desk.connection.client.base_url}")

            def done(ticket: object) -> None:
                number = getattr(ticket, "ticket_number", None)
                say(f"signed round trip: ticket #{number} fetched and stored")
                if number != SAMPLE_TICKET:
                    problems.append(f"the round trip returned {ticket!r}")
                app.quit()

            def failed(error: object) -> None:
                problems.append(f"the signed round trip failed: {error}")
                app.quit()

            def too_slow() -> None:
                problems.append(f"no answer within {timeout_s:.0f} s")
                app.quit()

            desk.runner.submit(desk.connection.tickets.open, SAMPLE_TICKET, on_done=done, on_error=failed)
            QTimer.singleShot(int(timeout_s * 1000), too_slow)
            app.exec()
            desk.window.close()
            # After the window, so build.py's start-up timing (to "main window painted") is the app's alone.
            say("keyring backends: " + ", ".join(keyring_backends()))
            say(f"keyring in use: {secrets.backend_name()} (usable: {secrets.keyring_usable()})")
        finally:
            desk.shutdown()
            settings.sync()  # written now, inside the folder, not when Python frees it after the folder is gone
    finally:
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_handler)


def _first_paint_filter():
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        """Says when the window first paints: build.py times start-up up to that line."""

        def __init__(self, then: Callable[[], None]):
            super().__init__()
            self.then: Callable[[], None] | None = then

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.then is not None:
                self.then()
                self.then = None
            return False

    return FirstPaint


def _print(line: str) -> None:
    if sys.stdout is not None:  # a windowed build on Windows has no console
        print(line, flush=True)


def _close_log_handlers() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler):
            handler.close()
            root.removeHandler(handler)
