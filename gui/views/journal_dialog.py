"""Help > What this desk sent: every reply, change and new ticket with its time and outcome, so "did my
reply go?" always has an answer. Read from the local journal (the outbox); text shown as text."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..store import JournalEntry
from ..time_text import local_time

STATES = {"open": "Sending… (or the app stopped)", "unknown": "Not known yet", "done": "Done", "failed": "Not done"}
HEADERS = ["When", "What", "Result", "Details"]


def describe(entry: JournalEntry) -> str:
    body = entry.body
    if entry.kind == "reply":
        text = " ".join(str(body.get("message", "")).split())
        return f"Reply to #{entry.ticket_number}: {text[:80]}{'…' if len(text) > 80 else ''}"
    if entry.kind == "change":
        fields = ", ".join(f"{key.replace('_', ' ')} = {value}" for key, value in body.items())
        return f"Change to #{entry.ticket_number}: {fields[:80]}"
    number = f" #{entry.ticket_number}" if entry.ticket_number else ""
    return f"New ticket{number}: {body.get('subject', '')}"


class JournalDialog(QDialog):
    def __init__(self, entries: list[JournalEntry], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("What this desk sent")
        self.resize(900, 420)
        note = QLabel("Every reply, change and new ticket this desk sent to this server, newest first. "
                      "\"Not known yet\": no clear answer came back; the desk checks it before you can send again.")
        note.setWordWrap(True)
        self.table = QTableWidget(len(entries), len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setAccessibleName("What this desk sent")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        for row, entry in enumerate(entries):
            for column, text in enumerate((local_time(entry.started_at, precise=True), describe(entry),
                                           STATES.get(entry.state, entry.state), entry.outcome)):
                item = QTableWidgetItem(text)  # plain text: a QTableWidgetItem never interprets markup
                item.setToolTip(text if column in (1, 3) else "")
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
