"""Builds the QApplication and the services, shows the main window, and shuts down cleanly."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QApplication

from . import __version__, logs
from .api import TogaClient
from .services.tickets import Agent, TicketService
from .store import LocalStore
from .tasks import TaskRunner
from .views.main_window import MainWindow

APP_NAME = "TOGaDesk Agent"
ORGANIZATION = "TOGaDesk"
STORE_FILE = "togadesk.sqlite3"

log = logging.getLogger(__name__)


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    return app


def data_dir() -> Path:
    """The platform's app-data folder (e.g. ~/.local/share/TOGaDesk/TOGaDesk Agent)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def saved_agent(settings: QSettings, default: Agent) -> Agent:
    """The agent's name and e-mail from the settings (the settings dialog comes with issue 4)."""
    return Agent(
        str(settings.value("agent/first_name", default.first_name)),
        str(settings.value("agent/last_name", default.last_name)),
        str(settings.value("agent/email_address", default.email_address)),
    )


def run(client: TogaClient | None, environment: str, env_key: str, *, agent: Agent | None = None,
        learn_numbers: Sequence[int] = (), notice: str = "") -> int:
    """Shows the main window until the agent quits; returns the exit code.

    ``learn_numbers`` are tickets to add to the list on first use (the demo's sandbox tickets).
    """
    app = make_application()
    logs.configure(data_dir() / "logs")
    log.info("TOGaDesk Agent %s starting against %s", __version__, environment)
    runner = TaskRunner()
    store = LocalStore(data_dir() / STORE_FILE)
    service = TicketService(client, store, env_key) if client is not None else None
    settings = QSettings()
    window = MainWindow(runner, service, environment, saved_agent(settings, agent or Agent()), notice, settings)
    window.show()
    if service is not None and learn_numbers and not store.ticket_numbers(env_key):
        window.learn(learn_numbers)
    try:
        return app.exec()
    finally:
        runner.shutdown()
        store.close()
        if client is not None:
            client.close()
