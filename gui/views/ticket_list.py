"""The ticket list pane: a filter bar over a table of the tickets this workstation tracks.

What the agent typed or chose in the filter bar changes only when the agent changes it (Esc, the clear
button): a ticket opened, filed or updated while the filter hides it stays hidden, and the count line
says that the open ticket is hidden by the filter. Above the filter bar, the saved views
(``saved_views_bar``): choosing one (or Alt+1 ... Alt+9) replaces every filter and the sort at once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..api import Priority
from ..models.ticket_table import ACTIVITY, NUMBER_ROLE, TicketTableModel
from ..saved_views import ALL, MINE, SHORTCUT_VIEWS, UNASSIGNED_VIEW, SavedView, SavedViews, older_than
from ..store import person
from ..ticket_index import UNASSIGNED, Counting, Filter
from .saved_views_bar import RECOUNT_AGE_MS, SavedViewsBar
from .status_filter import StatusFilter
from .ticket_columns import attach


class TicketListPane(QWidget):
    """Shows the list; the highlighted row is always the open ticket (``follow``), whatever re-sorts."""

    ticket_chosen = Signal(object)  # the agent moved to a ticket (click, keys); an int up to 2**63-1
    searched = Signal(str)  # the filter text the list now shows (the team's registry is asked too)
    reply_requested = Signal(object)  # Return or R on a row: open it and put the cursor in the reply box

    def __init__(self, model: TicketTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model

        self.view_box = QComboBox()
        self.view_box.addItem("All tickets", ALL)
        self.view_box.addItem("Mine", MINE)
        self.view_box.addItem("Unassigned", UNASSIGNED_VIEW)
        self.view_box.setAccessibleName("View")
        self._me = ""  # the agent's e-mail: "Mine" = the tickets they took, filed here or answered
        self._in_team = False
        self._unread_only = False  # conditions the filter bar cannot show (the saved views bar does)
        self._idle_hours = 0  # only tickets without activity for more than this (0: any)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: number, subject, requester, e-mail, text")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter tickets")
        self.filter_edit.setToolTip("Show only tickets containing this text (Ctrl+F)")
        self.status_box = StatusFilter()
        self.priority_box = QComboBox()
        self.priority_box.addItem("Any priority", "")
        for priority in Priority:
            self.priority_box.addItem(priority.value.title(), priority.value)
        self.priority_box.setAccessibleName("Priority filter")
        self.priority_box.setToolTip("Show only tickets with this priority")

        self.table = _TicketTable()
        self.table.setModel(model)
        self.columns = attach(self.table)  # widths from content; Subject never collapses
        self.table.setAccessibleName("Tickets")
        self.table.setToolTip("Tickets tracked on this workstation (J/K or Ctrl+Down/Up to move)")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # Shift/Ctrl-click, Ctrl+A
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.columns.setSortIndicator(ACTIVITY, Qt.SortOrder.DescendingOrder)
        self.table.installEventFilter(self)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list instead of walking its cells
        self.filter_edit.installEventFilter(self)

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Ticket count")

        self.views_bar = SavedViewsBar(self.current_view, self._count_views)
        self.views_bar.chosen.connect(self.apply_view)
        self.views_bar.conditions_changed.connect(self.set_conditions)
        model.rows_changed.connect(self.views_bar.rows_changed)
        self.columns.sortIndicatorChanged.connect(self.views_bar.state_changed)
        self.set_me("")
        self.set_team(False)
        for place in range(SHORTCUT_VIEWS):  # Alt+1 ... Alt+9: Ctrl+1, Ctrl+2 are the window's tabs
            key = QShortcut(QKeySequence(f"Alt+{place + 1}"), self, context=Qt.ShortcutContext.WindowShortcut)
            key.activated.connect(lambda place=place: self.views_bar.choose(place))
        self._aging = QTimer(self)  # a filter by age shows more tickets as time passes
        self._aging.setInterval(RECOUNT_AGE_MS)
        self._aging.timeout.connect(self._apply_filter)

        bar = QHBoxLayout()
        bar.addWidget(self.view_box)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.status_box)
        bar.addWidget(self.priority_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views_bar)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(60)
        self._debounce.timeout.connect(self._apply_filter)
        self.filter_edit.textChanged.connect(self._debounce.start)
        self.view_box.currentIndexChanged.connect(self._apply_filter)
        self.status_box.changed.connect(self._apply_filter)
        self.priority_box.currentIndexChanged.connect(self._apply_filter)

        self._open: int | None = None  # the ticket the detail pane shows: the highlighted row
        self._selected: set[int] = set()  # the rows the agent selected (the open one, or several): kept over resets
        self._choosing = False  # the agent's own click or key moved the current row: its selection stands
        model.modelReset.connect(self._restore_selection)
        model.modelReset.connect(self.show_count)
        model.dataChanged.connect(self.show_count)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.show_count()

    # ------------------------------------------------------------- actions

    def current_number(self) -> int | None:
        """The open ticket, which is the highlighted row when it is listed."""
        return self._open

    def select(self, number: int) -> bool:
        """Opens ``number`` as if the agent clicked it, shown or hidden by the filter (which stays as the agent
        left it); False if it is not listed at all."""
        if not self.model.holds(number):
            return False
        self.ticket_chosen.emit(number)
        return True

    def reveal(self, number: int) -> None:
        """Scrolls to ``number``'s row; when the filter hides it the count line says so (the filter stays)."""
        if self._open == number:
            self._restore_selection(scroll=True)
        self.show_count()

    def selected_numbers(self) -> list[int]:
        """The selected tickets in the order the list shows them (the open one alone, unless several)."""
        rows = sorted(r for n in self._selected if (r := self.model.row_of(n)) is not None)
        return [n for r in rows if (n := self.model.number_at(r)) is not None]

    def set_selected(self, numbers: list[int]) -> None:
        """Selects these (those shown); the open ticket stays the current row."""
        self._selected = set(numbers)
        self._restore_selection()

    @Slot(object)
    def follow(self, number: int | None) -> None:
        """The open ticket changed: highlight its row (without choosing it again), or nothing. Chosen by the
        agent's click or key in the list, the selection stays as they made it (Shift/Ctrl add to it)."""
        self._open = number
        if not self._choosing:
            self._selected = {number} if number is not None else set()
            self._restore_selection(scroll=True)
        self.show_count()

    def set_team(self, in_team: bool) -> None:
        """Assignment lives in the team's registry: without a team there is no "Unassigned" view."""
        index = self.view_box.findData(UNASSIGNED_VIEW)
        self.view_box.model().item(index).setEnabled(in_team)
        self.view_box.view().setRowHidden(index, not in_team)
        self._in_team = in_team
        if not in_team and self.view_box.currentData() == UNASSIGNED_VIEW:
            self.view_box.setCurrentIndex(0)
        self.views_bar.recount()

    def set_me(self, email: str) -> None:
        """The agent's e-mail (Settings); without one there is no "Mine" to show."""
        self._me = person(email)
        mine = self.view_box.model().item(1)
        mine.setEnabled(bool(self._me))
        mine.setToolTip("" if self._me else "Set your e-mail address in Settings to see your tickets")
        self.view_box.setToolTip("All: every ticket of this desk (in a team, the team's). Mine: the tickets you "
                                 "took, filed or answered" + ("" if self._me else " (set your e-mail in Settings)")
                                 + ". Unassigned: the team's tickets nobody has taken")
        if not self._me and self.view_box.currentData() == MINE:
            self.view_box.setCurrentIndex(0)
        elif self.view_box.currentData() == MINE:
            self._apply_filter()
        self.views_bar.recount()

    def set_saved_views(self, library: SavedViews | None) -> None:
        """The environment's saved views (None: no environment yet)."""
        self.views_bar.set_library(library)

    def current_view(self) -> SavedView:
        """The filters and the sort as the list shows them now, as a view without a name."""
        header = self.columns
        return SavedView("", self.filter_edit.text(), self.status_box.wanted(), self.priority_box.currentData(),
                         self.view_box.currentData(), header.sortIndicatorSection(),
                         header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder, self._unread_only,
                         self._idle_hours)

    @Slot(object)
    def apply_view(self, view: SavedView) -> None:
        """Every part of ``view`` at once: the filter bar shows it (the text typed before is replaced), the list
        is filtered and sorted in one go. Mine without an e-mail, or Unassigned out of a team, show All."""
        self._debounce.stop()
        who = view.who if (view.who != MINE or self._me) and (view.who != UNASSIGNED_VIEW or self._in_team) \
            else ALL
        widgets = (self.filter_edit, self.status_box, self.priority_box, self.view_box, self.columns)
        blocked = [widget.blockSignals(True) for widget in widgets]
        try:
            self.filter_edit.setText(view.text)
            self.status_box.set_wanted(view.statuses)
            self.priority_box.setCurrentIndex(max(0, self.priority_box.findData(view.priority)))
            self.view_box.setCurrentIndex(max(0, self.view_box.findData(who)))
            order = Qt.SortOrder.DescendingOrder if view.descending else Qt.SortOrder.AscendingOrder
            self.columns.setSortIndicator(view.sort_column, order)
        finally:
            for widget, was in zip(widgets, blocked, strict=True):
                widget.blockSignals(was)
        self._unread_only, self._idle_hours = view.unread, view.idle_hours
        self._age_filter()
        self.model.show_view(self._filter_now(), view.sort_column, view.descending)
        self.views_bar.state_changed()
        self.searched.emit(view.text)

    @Slot(bool, int)
    def set_conditions(self, unread: bool, idle_hours: int) -> None:
        """Only unread tickets, only those idle for more than ``idle_hours`` (0: any): beside the filter bar."""
        self._unread_only, self._idle_hours = unread, max(0, idle_hours)
        self._age_filter()
        self._apply_filter()

    def clear_filters(self) -> None:
        """Every ticket shown again: only ever at the agent's asking."""
        for box in (self.view_box, self.priority_box):
            box.blockSignals(True)
            box.setCurrentIndex(0)
            box.blockSignals(False)
        self.status_box.blockSignals(True)
        self.status_box.set_wanted("")
        self.status_box.blockSignals(False)
        self.filter_edit.blockSignals(True)
        self.filter_edit.clear()
        self.filter_edit.blockSignals(False)
        self._unread_only, self._idle_hours = False, 0
        self._aging.stop()
        self._apply_filter()

    def move(self, step: int) -> None:
        """Next (+1) or previous (-1) ticket in the list as shown, from the open one."""
        count = self.model.rowCount()
        if not count:
            return
        row = self.model.row_of(self._open) if self._open is not None else None
        target = 0 if row is None else max(0, min(count - 1, row + step))
        number = self.model.number_at(target)
        if number is not None and number != self._open:
            self.ticket_chosen.emit(number)

    def focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    # ------------------------------------------------------------- internals

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            if plain and event.key() in (Qt.Key.Key_J, Qt.Key.Key_K):
                self.move(+1 if event.key() == Qt.Key.Key_J else -1)
                return True
            if event.modifiers() == Qt.KeyboardModifier.ShiftModifier and event.key() in (Qt.Key.Key_J, Qt.Key.Key_K):
                arrow = Qt.Key.Key_Down if event.key() == Qt.Key.Key_J else Qt.Key.Key_Up  # Shift+arrow's own anchor
                QCoreApplication.sendEvent(self.table, QKeyEvent(QEvent.Type.KeyPress, arrow,
                                                                 Qt.KeyboardModifier.ShiftModifier))
                return True
            if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_R):
                index = self.table.currentIndex()  # not highlighted (the open one hidden): the open one
                chosen = index.isValid() and self.table.selectionModel().isRowSelected(index.row())
                number = index.data(NUMBER_ROLE) if chosen else self._open
                if number is not None:
                    if number != self._open:
                        self.ticket_chosen.emit(number)
                    self.reply_requested.emit(number)
                return True
        if watched is self.filter_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if self.filter_edit.text():
                self.filter_edit.clear()  # Esc clears the filter; a second Esc goes to the list
            else:
                self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return super().eventFilter(watched, event)

    @Slot()
    def _apply_filter(self) -> None:
        text = self.filter_edit.text()
        self.model.set_filter(phone_digits_query(text) or text, self.status_box.wanted(),
                              self.priority_box.currentData(), self._person(), self._unread_only,
                              older_than(self._idle_hours, datetime.now(UTC)))
        self.views_bar.state_changed()
        self.searched.emit(text)

    def _person(self) -> str:
        view = self.view_box.currentData()
        return self._me if view == MINE else UNASSIGNED if view == UNASSIGNED_VIEW else ""

    def _age_filter(self) -> None:
        """While the list shows tickets by age, it is filtered again each minute."""
        if self._idle_hours:
            self._aging.start()
        else:
            self._aging.stop()

    def _filter_now(self) -> Filter:
        return self._view_filter(self.current_view(), datetime.now(UTC))

    def _view_filter(self, view: SavedView, now: datetime) -> Filter:
        """The index's filter for ``view`` as this list applies it (a phone number searched as its digits)."""
        return view.filter_at(now, self._me, self._in_team, phone_digits_query(view.text) or view.text)

    def _count_views(self, views: list[SavedView]) -> Counting:
        now = datetime.now(UTC)
        return self.model.counting([self._view_filter(view, now) for view in views])

    @Slot()
    def _restore_selection(self, scroll: bool = False) -> None:
        """After a reset (filter, sort, a ticket that moved) the selected rows are selected again (those still
        shown: a ticket the filter hides is no longer selected) and the open ticket's row is current."""
        selection = self.table.selectionModel()
        row = self.model.row_of(self._open) if self._open is not None else None
        rows = sorted(r for n in self._selected if (r := self.model.row_of(n)) is not None)
        self._selected = {self.model.number_at(r) for r in rows}
        selection.blockSignals(True)
        try:
            selection.clear()
            if rows:
                chosen, last = QItemSelection(), self.model.columnCount() - 1
                start = previous = rows[0]
                for r in [*rows[1:], None]:  # contiguous runs: Ctrl+A over a long list is one range
                    if r is not None and r == previous + 1:
                        previous = r
                        continue
                    chosen.select(self.model.index(start, 0), self.model.index(previous, last))
                    if r is not None:
                        start = previous = r
                selection.select(chosen, QItemSelectionModel.SelectionFlag.Select)
            if row is None:
                return
            index = self.model.index(row, 0)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            selection.blockSignals(False)
        self.table.viewport().update()
        if scroll:
            self.table.scrollTo(index)

    @Slot()
    def show_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        unread = self.model.unread_count()
        noun = "ticket" if total == 1 else "tickets"
        text = f"{shown} of {total} {noun}" if shown != total else f"{total} {noun}"
        text += f" · {unread} unread" if unread else ""
        if self._open is not None and self.model.row_of(self._open) is None and self.model.holds(self._open):
            text += f" · #{self._open} is open, hidden by the filter"
        self.count_label.setText(text)

    @Slot()
    def _current_changed(self) -> None:
        index = self.table.currentIndex()
        number = index.data(NUMBER_ROLE) if index.isValid() else None
        if number is not None and number != self._open:
            self._choosing = True
            try:
                self.ticket_chosen.emit(number)
            finally:
                self._choosing = False

    @Slot()
    def _selection_changed(self) -> None:
        """The agent changed the selection (click, Shift/Ctrl-click, Shift+J/K, Ctrl+A): kept by number."""
        selected = set()
        for span in self.table.selectionModel().selection():
            numbers = (self.model.number_at(r) for r in range(span.top(), span.bottom() + 1))
            selected.update(n for n in numbers if n is not None)
        self._selected = selected


class _TicketTable(QTableView):
    """Focus coming to the list (Esc from the ticket, Tab) chooses no ticket: where no row is current (the open
    ticket is hidden by the filter, or none is open) Qt makes the first row current, which would open it. The
    first arrow key or J then goes to the first row."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        selection = self.selectionModel()
        if selection is None or self.currentIndex().isValid():
            super().focusInEvent(event)
            return
        selection.blockSignals(True)
        try:
            super().focusInEvent(event)
            selection.clearCurrentIndex()
        finally:
            selection.blockSignals(False)


_PHONE = re.compile(r"[0-9 ().+/-]+")


def phone_digits_query(text: str) -> str:
    """A phone number typed any way ("(123) 456-7890", "456 7890") as the digits the list searches;
    '' for anything else (a ticket number stays as typed)."""
    text = text.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) >= 4 and digits != text and _PHONE.fullmatch(text) else ""
