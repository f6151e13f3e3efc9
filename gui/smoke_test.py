"""``--smoke-test``: proves a build works end to end, in seconds, without touching the agent's data.

Starts offscreen (``TOGADESK_SMOKE_PLATFORM=xcb`` tries a real platform plugin instead) with a
temporary data folder and settings file, runs the demo (the built-in sandbox), shows and paints
the main window, makes one signed round trip through the app's own worker pool and client, waits
for the demo's background fetches, and reports what a frozen build most often gets wrong: a
missing resource, a missing keyring backend, a Qt plugin that warns. Any Qt warning, logged error
or Python exception fails it. Report lines go to stdout and, when ``TOGADESK_SMOKE_REPORT`` names
a file, to that file too (a windowed Windows build has no stdout).
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
PLATFORM_VARIABLE = "TOGADESK_SMOKE_PLATFORM"
REPORT_VARIABLE = "TOGADESK_SMOKE_REPORT"


def keyring_backends() -> list[str]:
    """Every keyring backend class keyring could load (entry points included), usable here or not."""
    import keyring.backend

    keyring.backend.get_all_keyring()  # loads the entry-point plugins
    classes = keyring.backend.KeyringBackend._classes  # keyring keeps its registry of loaded backends here
    return sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)


def run(timeout_s: float = 60.0, out: Callable[[str], None] | None = None) -> int:
    """0 when every check passed; 1 otherwise. Report lines go to ``out`` (stdout and the report file by default)."""
    os.environ["QT_QPA_PLATFORM"] = os.environ.get(PLATFORM_VARIABLE) or "offscreen"  # not the desktop's setting
    say = out or _reporter(os.environ.get(REPORT_VARIABLE))
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="togadesk-smoke-") as tmp:
        try:
            _run(Path(tmp), timeout_s, say, problems)
        except Exception as error:  # e.g. a resource the build left out: a failed check, reported as one
            problems.append(f"exception: {type(error).__name__}: {error}")
        finally:
            _close_log_handlers()  # closes the log file before its folder goes (Windows)
    for problem in problems:
        say(f"FAIL {problem}")
    say("smoke test " + ("failed" if problems else "passed"))
    return 1 if problems else 0


class _ErrorsAreProblems(logging.Handler):
    """Errors logged anywhere (a worker task's unexpected exception is logged, not raised) fail the test."""

    def __init__(self, problems: list[str]):
        super().__init__(logging.ERROR)
        self.problems = problems

    def emit(self, record: logging.LogRecord) -> None:
        self.problems.append(f"logged {record.levelname}: {record.getMessage()}")


def _run(folder: Path, timeout_s: float, say: Callable[[str], None], problems: list[str]) -> None:
    from PySide6.QtCore import QSettings, QTimer, QtMsgType, qInstallMessageHandler

    from . import __version__, logs
    from .app import Desk, make_application
    from .resources import base_dir, is_frozen
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
    errors = _ErrorsAreProblems(problems)
    logging.getLogger().addHandler(errors)
    try:
        app = make_application()
        log_file = logs.configure(folder / "logs", logging.INFO)
        say(f"TOGaDesk Agent {__version__} ({'frozen' if is_frozen() else 'source'}) on {app.platformName()}, "
            f"resources in {base_dir()}")
        secrets = Secrets()
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        desk = Desk(folder, settings, secrets, demo=True, log_file=log_file)
        say(f"icon: {'ok' if not app.windowIcon().isNull() else 'EMPTY'}")
        if app.windowIcon().isNull():
            problems.append("the app icon did not render")
        state = {"painted": False, "fetched": False}

        def finish_when_done() -> None:
            if state["painted"] and state["fetched"] and not desk.runner.in_flight:
                app.quit()

        def painted() -> None:
            say("main window painted")
            state["painted"] = True
            finish_when_done()

        desk.window.installEventFilter(_first_paint_filter()(painted, desk.window))
        try:
            def connected() -> None:
                if desk.connection is None:
                    problems.append("the demo did not connect to its sandbox")
                    app.quit()
                    return
                say(f"main window shown: {desk.window.isVisible()}, sandbox at {desk.connection.client.base_url}")
                desk.runner.busy_changed.connect(lambda _count: finish_when_done())
                desk.runner.submit(desk.connection.tickets.open, SAMPLE_TICKET, on_done=done, on_error=failed)

            def done(ticket: object) -> None:
                number = getattr(ticket, "ticket_number", None)
                say(f"signed round trip: ticket #{number} fetched and stored")
                if number != SAMPLE_TICKET:
                    problems.append(f"the round trip returned {ticket!r}")
                state["fetched"] = True
                finish_when_done()

            def failed(error: object) -> None:
                problems.append(f"the signed round trip failed: {error}")
                app.quit()

            def too_slow() -> None:
                problems.append(f"not done within {timeout_s:.0f} s: {state}, {desk.runner.in_flight} tasks running")
                app.quit()

            desk.ready.connect(connected)
            desk.start()
            QTimer.singleShot(int(timeout_s * 1000), too_slow)
            app.exec()
            if not state["painted"]:
                problems.append("the main window was never painted")
            listed = desk.window.model.total()
            say(f"ticket list: {listed} tickets, background refresh {'on' if desk.live.running else 'OFF'}")
            if not listed or not desk.live.running:
                problems.append("the demo's tickets were not listed and watched")
            desk.window.close()
            # After the window, so build.py's start-up timing (to "main window painted") is the app's alone.
            say("keyring backends: " + ", ".join(keyring_backends()))
            say(f"keyring in use: {secrets.backend_name()} (usable: {secrets.keyring_usable()})")
        finally:
            desk.shutdown()
            settings.sync()  # written now, inside the folder, not when Python frees it after the folder is gone
    finally:
        logging.getLogger().removeHandler(errors)
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_handler)


def _first_paint_filter():
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        """Says when the window has first painted: build.py times start-up up to that line."""

        def __init__(self, then: Callable[[], None], parent: QObject):
            super().__init__(parent)
            self.then: Callable[[], None] | None = then

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.then is not None:
                QTimer.singleShot(0, self.then)  # once this frame is done
                self.then = None
            return False

    return FirstPaint


def _reporter(report_file: str | None) -> Callable[[str], None]:
    def say(line: str) -> None:
        if sys.stdout is not None:  # a windowed build on Windows has no console
            print(line, flush=True)
        if report_file:
            with open(report_file, "a", encoding="utf-8") as report:
                report.write(line + "\n")

    return say


def _close_log_handlers() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler):
            handler.close()
            root.removeHandler(handler)
