"""The list's status filter: any status, "Not closed", or any combination of statuses.

A combo box like its neighbours: choosing an entry (arrow keys, Return, a click on "Any status" or
"Not closed") shows that one choice; in the open list each status has a check box, and a click on it or
Space ticks it without closing the list, so several can be ticked (each tick applies at once; Esc closes
the list). Ticking from "Not closed" starts from the statuses it shows. The box shows a summary ("Not
closed", "Open", "3 statuses"); ``wanted()`` is the choice as ``ticket_index`` filters by it: empty for
any, ``NOT_CLOSED``, or the statuses shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPaintEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QStyle, QStyledItemDelegate, QStyleOptionComboBox, QStylePainter, QWidget

from ..api import Status
from ..ticket_index import EVERY_STATUS_BUT, NOT_CLOSED, statuses

_NOT_CLOSED_ITEM = "\0not closed"  # the data of the "Not closed" entry (a status is its own entry's data)


def status_name(status: str) -> str:
    """How the list names a status: "Awaiting User"."""
    return status.replace("_", " ").title()


class StatusFilter(QComboBox):
    """Which statuses the list shows; ``changed`` when that changed (the agent chose, or ``set_wanted``)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Status filter")
        self.setItemDelegate(QStyledItemDelegate(self))  # draws the entries' check boxes in every style
        self.addItem("Any status", "")
        self.addItem("Not closed", _NOT_CLOSED_ITEM)
        self.insertSeparator(2)
        # status -> its entry's row. Rows, not QStandardItem objects: a wrapper of an item (not a QObject) kept
        # after its model is gone would be handed out again for whatever Qt later makes at the same address.
        self._rows: dict[str, int] = {}
        for status in Status:
            self.addItem(status_name(status.value), status.value)
            row = self._rows[status.value] = self.count() - 1
            self._item(row).setFlags(self._item(row).flags() | Qt.ItemFlag.ItemIsUserCheckable)
        self._wanted: frozenset[str] = frozenset()
        self._summary = ""
        self.view().installEventFilter(self)  # after the popup's own filters: seen first
        self.view().viewport().installEventFilter(self)
        self.currentIndexChanged.connect(self._chosen)
        self._show()

    def wanted(self) -> frozenset[str]:
        return self._wanted

    def summary(self) -> str:
        """What the box shows: "Any status", "Not closed", a status, or how many."""
        return self._summary

    def set_wanted(self, wanted: str | Iterable[str]) -> None:
        """Shows ``wanted`` (as ``ticket_index.statuses`` reads it); ``changed`` if it differs."""
        self._take(statuses(wanted))

    # ------------------------------------------------------------ internals

    def _take(self, wanted: frozenset[str]) -> None:
        if wanted != self._wanted:
            self._wanted = wanted
            self._show()
            self.changed.emit()

    @Slot(int)
    def _chosen(self, index: int) -> None:
        """One entry chosen (keys, Return, a click on an entry without a check box, ``setCurrentIndex``)."""
        data = self.itemData(index) if index >= 0 else None
        if data is None:
            return
        self._take(NOT_CLOSED if data == _NOT_CLOSED_ITEM else statuses(data))

    def _item(self, row: int) -> QStandardItem:
        items: QStandardItemModel = self.model()
        return items.item(row)

    def _ticked(self, status: str) -> bool:
        return self._item(self._rows[status]).checkState() == Qt.CheckState.Checked

    def _tick(self, index: QModelIndex) -> bool:
        """A status entry's check box turned over; False for an entry without one."""
        status = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if status not in self._rows:
            return False
        row = index.row()
        self._item(row).setCheckState(Qt.CheckState.Unchecked if self._ticked(status) else Qt.CheckState.Checked)
        self._take(frozenset(filter(self._ticked, self._rows)))
        view = self.view()  # the box's own current entry changed: the list's highlight stays on the row ticked
        view.setCurrentIndex(self.model().index(row, 0))
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        view = self.view()
        if watched is view.viewport() and isinstance(event, QMouseEvent):
            if event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
                return self._tick(view.indexAt(event.position().toPoint()))  # a status: ticked, the list stays
        elif watched is view and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Space:
            return self._tick(view.currentIndex())
        return super().eventFilter(watched, event)

    def _show(self) -> None:
        wanted = self._wanted
        but = EVERY_STATUS_BUT in wanted
        for status, row in self._rows.items():
            self._item(row).setCheckState(Qt.CheckState.Checked if (status in wanted) is not but and wanted
                                          else Qt.CheckState.Unchecked)
        names = sorted(map(status_name, wanted - {EVERY_STATUS_BUT}))
        if not wanted:
            entry, self._summary, tip = 0, "Any status", "Tickets of every status"
        elif wanted == NOT_CLOSED:
            entry, self._summary, tip = 1, "Not closed", "Every ticket that is not closed"
        elif but:
            entry, self._summary = -1, "Not " + ", ".join(names)
            tip = self._summary
        else:
            entry = self.findData(next(iter(wanted))) if len(wanted) == 1 else -1
            self._summary = names[0] if len(names) == 1 else f"{len(names)} statuses"
            tip = "Only tickets that are " + " or ".join(names)
        blocked = self.blockSignals(True)
        self.setCurrentIndex(entry)
        self.blockSignals(blocked)
        self.setToolTip(f"{tip}. Choose one, or tick several in the list (a click or Space ticks, Esc closes)")
        self.setAccessibleDescription(tip)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self._summary  # several statuses are no one entry
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
