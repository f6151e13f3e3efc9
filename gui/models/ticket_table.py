"""The ticket list as a table model: one row per ticket, columns named by constants."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..api import Ticket

NUMBER, SUBJECT, REQUESTER, STATUS, PRIORITY, REPLIES = range(6)
HEADERS = ("#", "Subject", "Requester", "Status", "Priority", "Replies")

TICKET_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's Ticket object


class TicketTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._tickets: list[Ticket] = []
        self._rows: dict[int, int] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._tickets)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        ticket = self._tickets[index.row()]
        if role == TICKET_ROLE:
            return ticket
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            column = index.column()
            if column == NUMBER:
                return str(ticket.ticket_number)
            if column == SUBJECT:
                return ticket.subject or ""
            if column == REQUESTER:
                return ticket.requester
            if column == STATUS:
                return str(ticket.status or "")
            if column == PRIORITY:
                return str(ticket.priority or "")
            if column == REPLIES:
                return str(len(ticket.replies))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (NUMBER, REPLIES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def upsert(self, ticket: Ticket) -> None:
        """Adds the ticket, or replaces the row that has its number (one targeted dataChanged)."""
        row = self._rows.get(ticket.ticket_number)
        if row is None:
            row = len(self._tickets)
            self.beginInsertRows(QModelIndex(), row, row)
            self._tickets.append(ticket)
            self._rows[ticket.ticket_number] = row
            self.endInsertRows()
            return
        if self._tickets[row] != ticket:
            self._tickets[row] = ticket
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
