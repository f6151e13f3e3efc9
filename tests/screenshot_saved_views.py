"""Renders the main window with saved views and their counts (the list of views open) to a PNG, offscreen.

    QT_QPA_PLATFORM=offscreen python tests/screenshot_saved_views.py OUT.png [--dark] [--size WxH]

Against a fresh sandbox and a throwaway data folder, as tests/screenshots.py does; the views are saved through
the store, one of them is chosen, and the open list of views is painted over the window where it shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication

from gui import theme
from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.controller import TicketController
from gui.models.ticket_table import PRIORITY
from gui.saved_views import SavedView, SavedViews
from gui.services.tickets import Agent, TicketService
from gui.store import LocalStore
from gui.tasks import TaskRunner, TaskScope
from gui.ticket_index import NOT_CLOSED
from gui.tickets import TicketRepository
from gui.views.main_window import MainWindow
from tests.screenshots import settle, wait_for

VIEWS = [
    SavedView("Awaiting user > 48 h", statuses=frozenset({"AWAITING_USER"}), idle_hours=48),
    SavedView("High, not closed", statuses=NOT_CLOSED, priority="HIGH", sort_column=PRIORITY),
    SavedView("Unread", unread=True),
    SavedView("Printers", text="printer", statuses=NOT_CLOSED),
    SavedView("Mine, not closed", statuses=NOT_CLOSED, who="mine"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    theme.apply(theme.DARK if args.dark else theme.LIGHT)
    from gui.sandbox import SandboxServer

    with tempfile.TemporaryDirectory() as folder, SandboxServer() as sandbox:
        client = TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)
        store = LocalStore(Path(folder) / "store.sqlite3")
        for view in VIEWS:
            SavedViews(store, "sandbox").save(view)
        service = TicketService(client, TicketRepository(store, "sandbox"))
        runner = TaskRunner()
        controller = TicketController(runner)
        agent = Agent("Sam", "Agent", "sam.agent@togadesk.example")
        window = MainWindow(controller, "Sandbox", agent,
                            settings=QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        controller.connect_to(service, TaskScope("sandbox"))
        window.show_environment("Sandbox", agent)
        window.resize(width, height)
        window.show()
        wait_for(controller.list_loaded)
        numbers = sandbox.store.ticket_numbers()[:40]
        controller.learn(numbers)
        while runner.in_flight:
            wait_for(runner.busy_changed)
        for number in numbers[2:7]:
            client.add_reply(number, "customer@example.com", "Any news?")
        window.refresh()
        wait_for(controller.refresh_finished)
        bar = window.list_pane.views_bar
        bar.recount()
        bar.choose(1)
        settle(300)
        bar.box.showPopup()
        settle(300)
        image = window.grab()
        popup = bar.box.view().window()
        painter = QPainter(image)
        at = popup.mapToGlobal(popup.rect().topLeft()) - window.mapToGlobal(window.rect().topLeft())
        painter.drawPixmap(at, popup.grab())
        painter.end()
        image.save(args.out)
        print(args.out)
        bar.box.hidePopup()
        window.close()
        controller.connect_to(None)
        runner.shutdown(5000)
        client.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
