"""Start-up to first paint: a launcher that prints when the main window's first frame is painted.

    python tests/benchmarks/startup.py app    # the app as gui.app.run(demo=True) builds it
    python tests/benchmarks/startup.py bare   # the reference: a bare PySide6 QMainWindow

Either prints one line ``FIRST_PAINT <time.time()>`` once the first paint of a main window
has been handled, then quits. ``first_paint_seconds(command, env)`` starts any command and
times process start to that line, so another executable (the packaged app) can be timed the
same way as long as it prints the same line. The app's folders (data, settings, logs) are
whatever ``XDG_*`` variables the caller sets: ``isolated_env`` points them (and the keyring,
and Python's bytecode cache) at a temporary folder, so nothing touches the agent's real data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

MARK = "FIRST_PAINT"
ROOT = Path(__file__).resolve().parents[2]


def first_paint_seconds(command: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60.0) -> float:
    """Seconds from starting ``command`` to its ``FIRST_PAINT`` line (the child's own clock stamp)."""
    started = time.time()
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=dict(env) if env is not None else None)
    try:
        deadline = started + timeout
        for line in process.stdout:
            if line.startswith(MARK):
                return float(line.split()[1]) - started
            if time.time() > deadline:
                break
        raise RuntimeError(f"{command!r} never reported its first paint")
    finally:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def isolated_env(home: Path) -> dict[str, str]:
    """The current environment with the app's folders and keyring pointed away from the real ones."""
    env = dict(os.environ)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(home / name.lower())
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    # Bytecode cached as an installed app has it (this machine sets PYTHONDONTWRITEBYTECODE, which would make
    # every start compile every module from source), kept in the temporary folder rather than the work tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def launcher_command(kind: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), kind]


def _report_first_paint() -> None:
    """Installs an application-wide filter: the first Paint of a main window, then the rest of that frame."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not self.seen and event.type() == QEvent.Type.Paint and watched.isWidgetType() \
                    and isinstance(watched.window(), QMainWindow):
                self.seen = True
                QTimer.singleShot(0, self.report)  # after the whole frame has been painted
            return False

        def report(self) -> None:
            print(MARK, repr(time.time()), flush=True)
            QApplication.instance().quit()

    app = QApplication.instance()
    app._first_paint = FirstPaint(app)
    app.installEventFilter(app._first_paint)


def run_bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    _report_first_paint()
    window = QMainWindow()
    window.resize(1200, 760)
    window.show()
    return app.exec()


def run_app() -> int:
    """Exactly what ``main.py --demo`` does: gui.app.run builds the Desk; we only watch for the paint."""
    sys.path.insert(0, str(ROOT))
    import main

    main.import_non_qt_layers()  # as main.py does before the app
    from gui.app import make_application, run

    make_application(sys.argv[:1])
    _report_first_paint()
    return run(demo=True)


if __name__ == "__main__":
    raise SystemExit(run_app() if sys.argv[1:] == ["app"] else run_bare())
