"""A demo desk that sends once, for the kill -9 tests: ``python tests/sending_desk.py FOLDER SERVER reply|new TEXT``.

It uses the sandbox already running at SERVER and keeps its data in FOLDER. ``reply``: opens the spec's
ticket, puts TEXT in the composer and presses Send; ``new``: fills the New ticket form (TEXT is
e-mail|subject|message) and presses Create. It prints ``opened`` when ready, then ``sending`` once the
request is on its way, and waits (the test kills it).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QSettings, QTimer

from gui.app import Desk, make_application
from gui.connection import SandboxFaults
from gui.settings import Secrets

SPEC_TICKET = 12345678
PAUSE_MS = 500  # after "opened": time for the test to set the sandbox's faults


def main(folder: str, server: str, mode: str, text: str) -> int:
    app = make_application(sys.argv[:1])
    data = Path(folder)
    settings = QSettings(str(data / "settings.ini"), QSettings.Format.IniFormat)
    desk = Desk(data, settings, Secrets(), demo=True, faults=SandboxFaults(server_url=server))

    def send() -> None:
        if mode == "reply":
            desk.window.detail.composer.setPlainText(text)
            desk.window.detail.send()
        else:
            email, subject, message = text.split("|")
            desk.window.new_ticket()
            dialog = desk.window.new_ticket_dialog
            dialog.edits["email_address"].setText(email)
            dialog.edits["subject"].setText(subject)
            dialog.message.setPlainText(message)
            dialog.submit()
        print("sending", flush=True)

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
