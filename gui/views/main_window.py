"""The main window. For now: the tracked tickets fetched from the server, with an error banner."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError, Ticket
from ..models.ticket_table import SUBJECT, TicketTableModel
from ..tasks import TaskRunner

ENVIRONMENT_COLOURS = {"Sandbox": "#2e7d32", "Production": "#c62828"}


class MainWindow(QMainWindow):
    ticket_loaded = Signal(int)
    load_failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        fetch_ticket: Callable[[int], Ticket] | None,
        environment: str,
        ticket_numbers: Sequence[int] = (),
        notice: str = "",
    ):
        super().__init__()
        self._runner = runner
        self._fetch_ticket = fetch_ticket
        self._ticket_numbers = list(ticket_numbers)
        self.setWindowTitle(f"TOGaDesk Agent — {environment}")
        self.resize(1000, 640)

        self.model = TicketTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Tickets")
        self.table.setToolTip("Tickets tracked on this workstation")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SUBJECT, QHeaderView.ResizeMode.Stretch)

        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Message")
        self.banner.setStyleSheet("QLabel { background: #fdecea; color: #611a15; padding: 8px; }")
        self.banner.setVisible(bool(notice))
        self.banner.setText(notice)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.table)
        self.setCentralWidget(central)

        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setToolTip("Fetch the tickets again (F5)")
        self.refresh_action.triggered.connect(self.refresh)
        self.refresh_action.setEnabled(fetch_ticket is not None)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.refresh_action)
        menu.addSeparator()
        menu.addAction(quit_action)

        self.environment_label = QLabel(f" {environment} ")
        self.environment_label.setAccessibleName("Environment")
        colour = ENVIRONMENT_COLOURS.get(environment, "#6a1b9a")
        self.environment_label.setStyleSheet(f"QLabel {{ background: {colour}; color: white; font-weight: bold; }}")
        self.busy_label = QLabel()
        self.busy_label.setAccessibleName("Activity")
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.environment_label)
        runner.busy_changed.connect(self._show_busy)

    @Slot()
    def refresh(self) -> None:
        if self._fetch_ticket is None:
            return
        self.banner.hide()
        for number in self._ticket_numbers:
            self._runner.submit(self._fetch_ticket, number, on_done=self._ticket_arrived, on_error=self._fetch_failed)

    @Slot(object)
    def _ticket_arrived(self, ticket: Ticket) -> None:
        self.model.upsert(ticket)
        self.ticket_loaded.emit(ticket.ticket_number)

    @Slot(object)
    def _fetch_failed(self, error: ApiError) -> None:
        self.banner.setText(f"Could not load a ticket: {error.message}")
        self.banner.show()
        self.load_failed.emit(error.message)

    @Slot(int)
    def _show_busy(self, count: int) -> None:
        self.busy_label.setText(f"Working… ({count})" if count else "Ready")
