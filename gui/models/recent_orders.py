"""Recent order lookups as a small table model, filtered in Python (a few hundred rows at most)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..store import OrderRow
from ..time_text import local_time, when

NUMBER, CUSTOMER, TYPE, WHEN = range(4)
HEADERS = ("Order #", "Customer", "Type", "Looked up")
NUMBER_ROLE = Qt.ItemDataRole.UserRole + 1


class RecentOrdersModel(QAbstractTableModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._all: list[OrderRow] = []
        self._shown: list[OrderRow] = []
        self._text = ""

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._shown[index.row()]
        if role == NUMBER_ROLE:
            return row.number
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (str(row.number), row.customer or row.email, row.type, local_time(row.looked_up_at))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == WHEN:
            return when(row.looked_up_at)  # with how long ago, as the ticket list's times
        return None

    def set_rows(self, rows: list[OrderRow]) -> None:
        self._all = rows
        self._apply()

    def set_filter(self, text: str) -> None:
        self._text = text.strip().casefold()
        self._apply()

    def _apply(self) -> None:
        text = self._text
        self.beginResetModel()
        self._shown = [r for r in self._all
                       if not text or text in f"{r.number} {r.customer} {r.email} {r.type}".casefold()]
        self.endResetModel()
