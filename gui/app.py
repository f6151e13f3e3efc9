"""Builds the QApplication and the services, shows the main window, and shuts down cleanly."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication

from . import __version__, logs
from .api import TogaClient
from .tasks import TaskRunner
from .views.main_window import MainWindow

APP_NAME = "TOGaDesk Agent"
ORGANIZATION = "TOGaDesk"


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    return app


def data_dir() -> Path:
    """The platform's app-data folder (e.g. ~/.local/share/TOGaDesk/TOGaDesk Agent)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def run(client: TogaClient | None, environment: str, ticket_numbers: Sequence[int] = (), notice: str = "") -> int:
    """Shows the main window until the agent quits; returns the exit code."""
    app = make_application()
    logs.configure(data_dir() / "logs")
    runner = TaskRunner()
    window = MainWindow(runner, client.get_ticket if client else None, environment, ticket_numbers, notice)
    window.show()
    window.refresh()
    try:
        return app.exec()
    finally:
        runner.shutdown()
        if client is not None:
            client.close()
