"""The ticket list as a Qt table model: a thin layer over ``gui.ticket_index.TicketIndex``.

The index (no Qt) holds the rows, the sort orders and the filter results and does all of the
work in plain Python loops at C speed (its docstring says how); this model turns its answers
into display text, tooltips, colours and the signals a view needs: one model reset per
filter, sort or moved row (cheap: the view only asks for the rows it paints), a targeted
``dataChanged`` for a row that changed in place. A QSortFilterProxyModel would call back into
Python per row and per comparison (measured 0.7-2 s per keystroke at 100,000 rows).
Idle work the index has (laying out search texts, preparing sort keys) runs in its ``step()``
from a zero-interval timer, a slice at a time: one timer for every model, owned by the
application, so that a model holds no running timer of its own (a model freed by a garbage
collection on a worker thread would otherwise stop a timer from the wrong thread, which
Qt cannot do: it then crashes when the timer next fires).
"""

from __future__ import annotations

import html
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from ..plain_text import single_line
from ..store import TicketRow
from ..ticket_index import (  # noqa: F401  (re-exported for existing importers)
    _SORT_KEYS,
    ACTIVITY,
    NUMBER,
    PRIORITY,
    PRIORITY_ORDER,
    REPLIES,
    REQUESTER,
    STATUS,
    STATUS_ORDER,
    SUBJECT,
    UNREAD,
    Counting,
    Filter,
    SortedInAdvance,
    TicketIndex,
    Update,
    sorted_in_advance,
)
from ..time_text import local_time, when

HEADERS = ("", "#", "Subject", "Requester", "Status", "Priority", "Replies", "Last activity")
HEADER_TIPS = (
    "Unread: changed on the server since you last looked",
    "Ticket number", "Subject", "Name and e-mail of the requester", "Status", "Priority",
    "Number of replies", "Time of the latest reply (in italics: when this desk first saw a ticket without one)",
)

NUMBER_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's ticket number (int)
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's TicketRow

STATUS_COLOURS = {  # (on a light background, on a dark one): readable in both palettes
    "NEW_TICKET": ("#1565c0", "#64b5f6"), "OPEN": ("#2e7d32", "#81c784"), "IN_PROGRESS": ("#e65100", "#ffb74d"),
    "AWAITING_USER": ("#6a1b9a", "#ce93d8"), "REVIEW": ("#00838f", "#4dd0e1"), "CLOSED": ("#616161", "#bdbdbd"),
}
UNKNOWN_STATUS_COLOUR = ("#37474f", "#cfd8dc")

_DISPLAY, _TOOLTIP, _FONT, _ALIGNMENT, _FOREGROUND, _ACCESSIBLE = (int(role) for role in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.AccessibleTextRole))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _requester(row: TicketRow, limit: int | None = None) -> str:
    shown = f"{row.requester} <{row.email}>" if row.email and row.requester != row.email else row.requester
    return single_line(shown[:limit or CELL_CHARS])


CELL_CHARS = 300  # a cell shows no more; server text beyond it is never laid out per paint
TIP_CHARS = 2_000  # a tooltip shows the whole of any sensible subject or requester, and no more
FIRST_SEEN_TIP = "first seen by this desk (no reply yet)"


_SHOWN: tuple[Callable[[TicketRow], str], ...] = (  # each column's text, by column
    lambda r: "●" if r.unread else "",
    lambda r: str(r.number),
    lambda r: single_line(r.subject[:CELL_CHARS]),  # direction overrides and invisible characters shown
    _requester,
    lambda r: r.status.replace("_", " ").title() if r.status else "",
    lambda r: r.priority.title(),
    lambda r: str(r.replies),
    lambda r: local_time(r.last_activity),
)


REPLYING_MARK = "\u270e "  # a pencil before the subject: a colleague is writing a reply to it


class TicketTableModel(QAbstractTableModel):
    """The ticket list for a QTableView. ``ticket_index`` is the TicketIndex it shows (``index`` is Qt's)."""

    rows_changed = Signal()  # tickets came, went or changed (not a filter or a sort): counts of saved views are stale

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.ticket_index = TicketIndex()
        # What the view is shown: the index never changes this list in place, so during a reset's
        # modelAboutToBeReset the view still reads the rows it painted.
        self._base, self._shown = self.ticket_index.view()
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._bold_italic = QFont(self._bold)
        self._bold_italic.setItalic(True)
        self._colours: dict[tuple[str, bool], QColor] = {}
        self._replying: dict[int, str] = {}  # team mode: ticket -> the colleagues writing a reply to it now

    # ------------------------------------------------------------- Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A repaint asks seven roles of each visible cell: those not answered return at once.
        answer = _ANSWERS.get(role)
        if answer is None or not index.isValid():
            return None
        return answer(self, index)

    def _number(self, index: QModelIndex | QPersistentModelIndex) -> int:
        return self._base[self._shown[index.row()]].number

    def _row(self, index: QModelIndex | QPersistentModelIndex) -> TicketRow:
        return self._base[self._shown[index.row()]]

    def _display(self, index: QModelIndex | QPersistentModelIndex) -> str:
        row = self._base[self._shown[index.row()]]
        if index.column() == SUBJECT and self._replying and row.number in self._replying:
            return REPLYING_MARK + _SHOWN[SUBJECT](row)
        return _SHOWN[index.column()](row)

    def _font(self, index: QModelIndex | QPersistentModelIndex) -> QFont | None:
        row = self._base[self._shown[index.row()]]
        if index.column() == ACTIVITY and row.first_seen:
            return self._bold_italic if row.unread else self._italic
        return self._bold if row.unread else None

    def _alignment(self, index: QModelIndex | QPersistentModelIndex) -> int | None:
        return _RIGHT if index.column() in (NUMBER, REPLIES) else None

    def _foreground(self, index: QModelIndex | QPersistentModelIndex) -> QColor | None:
        if index.column() != STATUS:
            return None
        status = self._base[self._shown[index.row()]].status
        dark = QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
        colour = self._colours.get((status, dark))
        if colour is None:
            colour = self._colours[(status, dark)] = QColor(STATUS_COLOURS.get(status, UNKNOWN_STATUS_COLOUR)[dark])
        return colour

    def _tooltip(self, index: QModelIndex | QPersistentModelIndex) -> str:
        row, column = self._row(index), index.column()
        if column == UNREAD:
            return "Unread: changed since you last looked" if row.unread else "Read"
        if column == SUBJECT:
            shown = single_line(row.subject[:TIP_CHARS])
        elif column == REQUESTER:
            shown = _requester(row, TIP_CHARS)
        elif column == ACTIVITY:
            shown = when(row.last_activity) if row.last_activity else "No reply yet"
            if row.first_seen:
                shown += ": " + FIRST_SEEN_TIP
        else:
            shown = _SHOWN[column](row)
        # Qt renders a tooltip that looks like markup as rich text: escape server text.
        tip = "<p>" + html.escape(shown) + "</p>"
        if column == SUBJECT and row.number in self._replying:
            tip = f"<p>{html.escape(self._replying[row.number])} replying now</p>" + tip
        return tip

    def _accessible(self, index: QModelIndex | QPersistentModelIndex) -> str:
        row, column = self._row(index), index.column()
        if column == UNREAD and row.unread:
            return "unread"
        if column == ACTIVITY and row.first_seen:
            return f"{_SHOWN[column](row)}, {FIRST_SEEN_TIP}"
        return _SHOWN[column](row)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._show(self.ticket_index.sort(column, order == Qt.SortOrder.DescendingOrder))

    # ------------------------------------------------------------ our API

    def sort_key(self) -> tuple[int, bool]:
        """(column, descending) of the current order, for ``sorted_in_advance`` on a worker."""
        return self.ticket_index.sort_key()

    def set_rows(self, rows: list[TicketRow], ready: SortedInAdvance | None = None) -> None:
        """All rows at once. ``ready``: these very rows already sorted on a worker (used if the order still holds)."""
        self._show(self.ticket_index.set_rows(rows, ready))
        self.rows_changed.emit()

    def upsert(self, row: TicketRow) -> None:
        """One changed ticket: a targeted dataChanged when it stays in place, else a reset."""
        update = self.ticket_index.upsert(row)
        self._show(update)
        if update.reset or update.row is not None:  # NOTHING: the very row it held
            self.rows_changed.emit()

    def remove(self, number: int) -> None:
        held = self.ticket_index.holds(number)
        self._show(self.ticket_index.remove(number))
        if held:
            self.rows_changed.emit()

    def set_replying(self, replying: dict[int, str]) -> None:
        """Colleagues writing a reply now, per ticket: the list marks those tickets."""
        changed = self._replying.keys() ^ replying.keys()
        changed |= {n for n in replying.keys() & self._replying.keys() if replying[n] != self._replying[n]}
        self._replying = dict(replying)
        for number in changed:
            row = self.ticket_index.row_of(number)
            if row is not None:
                cell = self.index(row, SUBJECT)
                self.dataChanged.emit(cell, cell)

    def set_filter(self, text: str = "", status: str | Iterable[str] = "", priority: str = "",
                   person: str = "", unread: bool = False, older_than: str = "") -> None:
        """``status``: one status or several (``ticket_index.NOT_CLOSED``, say); the rest: see ``Filter``."""
        self._show(self.ticket_index.set_filter(text, status, priority, person, unread, older_than))

    def show_view(self, wanted: Filter, column: int, descending: bool) -> None:
        """A filter and a sort at once (a saved view): one model reset."""
        self._show(self.ticket_index.show(wanted, column, descending))

    def counts(self, wanted: Iterable[Filter]) -> list[int]:
        """How many tickets pass each filter, whatever is shown (``TicketIndex.counts``)."""
        return self.ticket_index.counts(wanted)

    def counting(self, wanted: Iterable[Filter]) -> Counting:
        """The same counts made a filter per ``step()`` (``TicketIndex.counting``), for idle turns of the loop."""
        return self.ticket_index.counting(wanted)

    def holds(self, number: int) -> bool:
        """Whether ``number`` is in the list, shown or hidden by the filter."""
        return self.ticket_index.holds(number)

    def row_of(self, number: int) -> int | None:
        return self.ticket_index.row_of(number)

    def number_at(self, row: int) -> int | None:
        return self.ticket_index.number_at(row)

    def rows(self) -> list[TicketRow]:
        """Every row held, filtered or not (what the store gave us)."""
        return self.ticket_index.rows()

    def total(self) -> int:
        return self.ticket_index.total()

    def unread_count(self) -> int:
        """Kept as rows change: the title and the count label ask after every keystroke."""
        return self.ticket_index.unread_count()

    # ------------------------------------------------------------ internals

    def _show(self, update: Update) -> None:
        if update.reset:
            self.beginResetModel()
            self._base, self._shown = self.ticket_index.view()
            self.endResetModel()
        elif update.row is not None:
            self._base, self._shown = self.ticket_index.view()
            self.dataChanged.emit(self.index(update.row, 0), self.index(update.row, len(HEADERS) - 1))
        if self.ticket_index.has_work():
            _IdleSteps.of_application().add(self)

    def _step(self) -> bool:
        """One slice of the index's idle work; False when it has none left."""
        more = self.ticket_index.step()
        self._base, self._shown = self.ticket_index.view()  # the same rows, perhaps now as a plain list
        return more


class _IdleSteps(QObject):
    """One zero-interval timer, a child of the application, giving each model with idle work a step per turn
    of the event loop; models are held weakly and may go away (on any thread) at any time."""

    _instance: _IdleSteps | None = None

    @classmethod
    def of_application(cls) -> _IdleSteps:
        steps = cls._instance
        if steps is None or not shiboken6.isValid(steps):
            steps = cls._instance = cls(QCoreApplication.instance())
        return steps

    def __init__(self, parent: QObject | None):
        super().__init__(parent)
        self._models: weakref.WeakSet[TicketTableModel] = weakref.WeakSet()
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    def add(self, model: TicketTableModel) -> None:
        self._models.add(model)
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _step(self) -> None:
        for model in list(self._models):
            if not shiboken6.isValid(model) or not model._step():
                self._models.discard(model)
        if not self._models:
            self._timer.stop()


# role -> how the model answers it (functions, not bound methods: the model holds no cycle through them)
_ANSWERS: dict[int, Callable[[TicketTableModel, QModelIndex | QPersistentModelIndex], Any]] = {
    _DISPLAY: TicketTableModel._display, _FONT: TicketTableModel._font, _ALIGNMENT: TicketTableModel._alignment,
    _FOREGROUND: TicketTableModel._foreground, _TOOLTIP: TicketTableModel._tooltip,
    _ACCESSIBLE: TicketTableModel._accessible, int(NUMBER_ROLE): TicketTableModel._number,
    int(ROW_ROLE): TicketTableModel._row,
}
