"""Renders the main window, the new-ticket dialog and an error banner to PNG files, offscreen.

    QT_QPA_PLATFORM=offscreen python tests/screenshots.py [OUT_DIR] [--dark] [--size WxH]

Runs against a fresh sandbox and a throwaway data folder; nothing of the agent's is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from gui import theme
from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.canned import Template, fill
from gui.controller import TicketController
from gui.crash import CrashReporter
from gui.sandbox import Fault, SandboxServer
from gui.services.orders import OrderService
from gui.services.tickets import Agent, TicketService
from gui.settings import PRODUCTION, Profile
from gui.spelling import Speller
from gui.store import LocalStore
from gui.tasks import TaskRunner, TaskScope
from gui.tickets import TicketRepository
from gui.views.about_dialog import AboutDialog, AboutFacts
from gui.views.canned_picker import CannedPicker
from gui.views.main_window import MainWindow
from gui.views.settings_dialog import SettingsDialog


def wait_for(signal, timeout_ms: int = 10_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default="screenshots")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--size", default="1280x760")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(n) for n in args.size.split("x"))
    suffix = ("-dark" if args.dark else "") + f"-{width}x{height}"

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    theme.apply(theme.DARK if args.dark else theme.LIGHT)  # what Settings > Appearance does
    with tempfile.TemporaryDirectory() as folder, SandboxServer() as sandbox:
        client = TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)
        store = LocalStore(Path(folder) / "store.sqlite3")
        service = TicketService(client, TicketRepository(store, "sandbox"))
        orders = OrderService(client, store, "sandbox")
        runner = TaskRunner()
        controller = TicketController(runner)
        agent = Agent("Sam", "Agent", "sam.agent@togadesk.example")
        client.add_reply(12345678, agent.email_address, "I'll send a technician. See https://status.example.com/"
                         " and write to help@togadesk.example.\n<b>Not bold</b> 🙂 שלום", first_name="Sam",
                         last_name="Agent")
        window = MainWindow(controller, "Sandbox", agent,
                            settings=QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        controller.connect_to(service, TaskScope("sandbox"))
        window.show_environment("Sandbox", agent, orders)
        window.resize(width, height)
        window.show()
        wait_for(controller.list_loaded)
        controller.learn(sandbox.store.ticket_numbers()[:30])
        while runner.in_flight:
            wait_for(runner.busy_changed)
        client.add_reply(sandbox.store.ticket_numbers()[3], "customer@example.com", "Any news?")
        window.refresh()
        wait_for(controller.refresh_finished)
        window.open_ticket_number("12345678")
        wait_for(controller.opened)
        window.composer_spelling.set_speller(Speller.load("en"))  # the desk loads it on a worker
        window.detail.composer.setPlainText("Thanks John, the technicain arrives at 10:00.")
        save(window, out / f"main-window{suffix}.png")

        for template in (Template("Technician visit", "Hi {first_name},\n\nA technician will call you tomorrow "
                                  "between 9 and 10 about #{ticket_number}.\n\n{agent_name}", "AWAITING_USER"),
                         Template("Printer reset", "Please unplug the printer for 30 seconds, then try again."),
                         Template("Closing: solved", "Glad it works again, {first_name}. Closing this ticket.",
                                  "CLOSED")):
            store.save_template(template)
        ticket = window.detail.ticket
        picker = CannedPicker(store.templates(), lambda t: fill(t.text, ticket, agent), "", window)
        picker.show()
        picker.query.setText("tech")
        save(picker, out / f"canned-replies{suffix}.png")
        picker.close()

        window.new_ticket()
        dialog = window.new_ticket_dialog
        dialog.edits["email_address"].setText("jane@")
        dialog.edits["subject"].setText("Docking station flickers")
        save(dialog, out / f"new-ticket-invalid{suffix}.png")
        dialog.reject()

        sandbox.faults.script(Fault(502, body=b"<html><h1>502 Bad Gateway</h1></html>"),
                              Fault(502), Fault(502))
        window.refresh()
        wait_for(controller.refresh_finished)
        sandbox.faults.clear()
        sandbox.faults.script(Fault(500, method="POST", content_type="application/json",
                                    body=b'{"success": false, "error": "Mail queue is full."}'))
        window.detail.send()
        wait_for(window.detail.send_failed)
        save(window, out / f"error-banner{suffix}.png")
        for number in [*sandbox.store.order_numbers()[:4], 12345678]:
            window.orders_tab.look_up(number)
            wait_for(window.orders_tab.order_shown)
        window.tabs.setCurrentWidget(window.orders_tab)
        save(window, out / f"orders{suffix}.png")
        window.add_diagnostic(window.orders_tab.order)
        diagnostic = window.diagnostic_dialog
        diagnostic.result_code.setEditText("HW-FAIL-DISK")
        diagnostic.no.setChecked(True)
        diagnostic.document_url.setText("https://reports.example.com/12345678.pdf")
        diagnostic.collect_info()
        wait_for(diagnostic.system_information_loaded)
        save(diagnostic, out / f"diagnostic-form{suffix}.png")
        diagnostic.review()
        save(diagnostic, out / f"diagnostic-review{suffix}.png")
        diagnostic.reject()
        window.close()

        welcome = MainWindow(TicketController(runner), "Not configured", Agent(),
                             settings=QSettings(str(Path(folder) / "w.ini"), QSettings.Format.IniFormat))
        welcome.resize(width, height)
        welcome.show()
        save(welcome, out / f"welcome{suffix}.png")
        dialog = SettingsDialog(runner, Profile(environment=PRODUCTION, public_key="1111AAAA-22BB-33CC",
                                                first_name="Sam", last_name="Agent",
                                                email_address="sam.agent@togadesk.example"),
                                "secret", keyring_usable=False, keyring_name="none", parent=welcome)
        dialog.show()
        save(dialog, out / f"settings{suffix}.png")
        dialog.close()
        about = AboutDialog(AboutFacts("0.1.0", Path(folder) / "data", Path(folder) / "data" / "logs" / "togadesk.log",
                                       "SecretService Keyring"), parent=welcome)
        about.show()
        save(about, out / f"about{suffix}.png")
        about.close()
        crashes = CrashReporter(Path(folder) / "data" / "logs" / "togadesk.log")
        box = crashes.show(KeyError("<script>alert(1)</script> " + "x" * 400))
        save(box, out / f"crash{suffix}.png")
        box.close()
        welcome.close()
        controller.connect_to(None)
        runner.shutdown()
        store.close()
        client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
