"""A demo desk that types steadily, for the kill -9 tests: ``python tests/typing_desk.py reply|new TEXT``.

It opens the spec's ticket (``reply``) or the New ticket form (``new``), then types TEXT one key
every 15 ms through Qt's own key events, printing ``typed N`` after each key, until killed.
The app's folders come from the ``XDG_*`` variables the test sets.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtTest import QTest

from gui.app import Desk, data_dir, make_application
from gui.settings import Secrets

SPEC_TICKET = 12345678
KEY_MS = 15


def main(mode: str, text: str) -> int:
    app = make_application(sys.argv[:1])
    desk = Desk(data_dir(), QSettings(), Secrets(), demo=True)
    typed = [0]

    def target():
        if mode == "reply":
            return desk.window.detail.composer
        dialog = desk.window.new_ticket_dialog
        return {0: dialog.edits["email_address"], 1: dialog.edits["subject"]}.get(field[0], dialog.message)

    field = [0]
    parts = text.split("|")  # new: e-mail|subject|message, typed field after field

    def key() -> None:
        if mode == "new" and typed[0] >= len(parts[field[0]]) and field[0] < 2:
            field[0] += 1
            typed[0] = 0
        source = parts[field[0]] if mode == "new" else text
        if typed[0] < len(source):
            QTest.keyClicks(target(), source[typed[0]])
            typed[0] += 1
            print("typed", field[0], typed[0], flush=True)

    timer = QTimer()
    timer.setInterval(KEY_MS)
    timer.timeout.connect(key)

    def opened(number: int) -> None:
        if number == SPEC_TICKET and not timer.isActive():
            timer.start()

    def ready() -> None:
        if mode == "reply":
            desk.controller.opened.connect(opened)
            desk.controller.open(SPEC_TICKET)
        else:
            desk.window.new_ticket()
            timer.start()

    desk.ready.connect(ready)
    desk.start()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
