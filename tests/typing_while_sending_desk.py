"""A demo desk that sends a reply and types the next one meanwhile, for the kill -9 tests:
``python tests/typing_while_sending_desk.py FOLDER SERVER SENT TYPED``.

It uses the sandbox already running at SERVER and keeps its data in FOLDER. It opens the spec's ticket
and prints ``opened``; then puts SENT in the reply box, presses Send and prints ``sending``; then types
TYPED into the reply box one key every 15 ms through Qt's own key events, printing ``typed N`` after
each key, and waits (the test kills it).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtTest import QTest

from gui.app import Desk, make_application
from gui.connection import SandboxFaults
from gui.settings import Secrets

SPEC_TICKET = 12345678
PAUSE_MS = 500  # after "opened": time for the test to set the sandbox's faults
KEY_MS = 15


def main(folder: str, server: str, sent: str, typed: str) -> int:
    app = make_application(sys.argv[:1])
    data = Path(folder)
    settings = QSettings(str(data / "settings.ini"), QSettings.Format.IniFormat)
    desk = Desk(data, settings, Secrets(), demo=True, faults=SandboxFaults(server_url=server))
    count = [0]
    timer = QTimer()
    timer.setInterval(KEY_MS)

    def key() -> None:
        if count[0] < len(typed):
            QTest.keyClicks(desk.window.detail.composer, typed[count[0]])
            count[0] += 1
            print("typed", count[0], flush=True)

    timer.timeout.connect(key)

    def send() -> None:
        detail = desk.window.detail
        detail.composer.setPlainText(sent)
        detail.send()
        print("sending", flush=True)
        detail.composer.setFocus()
        timer.start()

    def opened(number: int) -> None:
        if number == SPEC_TICKET:
            desk.controller.opened.disconnect(opened)
            print("opened", flush=True)
            QTimer.singleShot(PAUSE_MS, send)

    def ready() -> None:
        desk.controller.opened.connect(opened)
        desk.controller.open(SPEC_TICKET)

    desk.ready.connect(ready)
    desk.start()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:5]))
