"""The ticket list's header: column widths from what the columns show, and a Subject that never collapses.

Each column but Subject and Requester is as wide as the widest text it is likely to show, measured in the
table's font made bold (unread rows are bold) or bold italic (a first-seen time): a date such as
"2026-12-31 23:59", an eight-digit number, the longest status name, or its header with the sort arrow.
Subject takes what is left, never less than ``SUBJECT_MIN_TEXT``; Requester gives way first (down to
``REQUESTER_MIN_TEXT``), and when even that does not fit the table scrolls sideways rather than squeeze
Subject to "…". The whole text of a cut cell is in its tooltip (the model's).

The window saves and restores this header's state (``saveState``/``restoreState``, overridden here): a state
saved by this layout starts with ``STATE_MARK``; one saved before it (plain ``QHeaderView`` state, perhaps with
a collapsed Subject or a time cut short) keeps its column order and sort, and its widths are made afresh.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

from ..api import Priority, Status
from ..models.ticket_table import (
    ACTIVITY,
    NUMBER,
    PRIORITY,
    REPLIES,
    REQUESTER,
    STATUS,
    SUBJECT,
    UNREAD,
)
from ..time_text import local_time

STATE_MARK = b"togadesk-columns-2:"  # then one byte (1: the agent sized Requester), then Qt's own state
SUBJECT_MIN_TEXT = "Printer jams on every page"  # Subject is never narrower than this text
REQUESTER_MIN_TEXT = "Maria Garcia"  # Requester gives way down to this when room is short
REQUESTER_TEXT = "Hannah Schmidt <hannah.schmidt@northwind.example>"  # ... and is this wide when there is room
REQUESTER_SHARE = 0.45  # of the room Subject and Requester share, Requester takes at most this much
SAMPLES: dict[int, tuple[str, ...]] = {  # the widest texts a column is likely to show
    UNREAD: ("●",),
    NUMBER: ("12345678", "#1234567"),
    STATUS: tuple(status.value.replace("_", " ").title() for status in Status),
    PRIORITY: tuple(priority.value.title() for priority in Priority),
    REPLIES: ("999",),
    ACTIVITY: (local_time("2026-12-31T23:59:00+00:00"),),
}


class TicketColumns(QHeaderView):
    """The horizontal header of the ticket table; see the module docstring. Made before the table's sorting is
    turned on (``QTableView.setHorizontalHeader``)."""

    def __init__(self, table: QTableView):
        super().__init__(Qt.Orientation.Horizontal, table)
        self._table = table
        self.setSectionsClickable(True)
        self.setHighlightSections(False)
        self.setStretchLastSection(False)
        self._fitting = False
        self._requester_sized = False  # the agent dragged Requester's edge: its width is theirs from then on
        self._requester_width = 0
        self.sectionResized.connect(self._resized)

    # ------------------------------------------------------------ widths

    def content_width(self, column: int) -> int:
        """The widest likely text of ``column`` with the cell's margins (or its header's width, if wider)."""
        width = max((self._cell_width(text, italic=column == ACTIVITY) for text in SAMPLES.get(column, ())),
                    default=0)
        return max(width, self.sectionSizeFromContents(column).width())

    def subject_minimum(self) -> int:
        return self._cell_width(SUBJECT_MIN_TEXT)

    def requester_minimum(self) -> int:
        return self._cell_width(REQUESTER_MIN_TEXT)

    def reset_widths(self) -> None:
        """Every column as wide as its content; Requester's width the layout's again."""
        self._fitting = True
        try:
            for column in SAMPLES:
                self.resizeSection(column, self.content_width(column))
        finally:
            self._fitting = False
        self._requester_sized = False
        self.fit()

    def fit(self) -> None:
        """Subject takes the room the other columns leave (never less than its minimum); Requester has its
        share of it unless the agent sized it."""
        if self._fitting or self.count() <= max(SUBJECT, REQUESTER):
            return
        others = sum(self.sectionSize(c) for c in range(self.count())
                     if c not in (SUBJECT, REQUESTER) and not self.isSectionHidden(c))
        room = self.width() - others
        subject_minimum = self.subject_minimum()
        if self._requester_sized:
            requester = self._requester_width
        else:
            wanted = self._cell_width(REQUESTER_TEXT)
            requester = max(self.requester_minimum(), min(wanted, room - subject_minimum, int(room * REQUESTER_SHARE)))
        self._fitting = True
        try:
            self.resizeSection(REQUESTER, requester)
            self.resizeSection(SUBJECT, max(subject_minimum, room - requester))
        finally:
            self._fitting = False

    # ------------------------------------------------------------ saved state

    def saveState(self) -> QByteArray:
        return QByteArray(STATE_MARK + bytes([self._requester_sized]) + bytes(super().saveState().data()))

    def restoreState(self, state: QByteArray | bytes) -> bool:
        data = bytes(state.data() if isinstance(state, QByteArray) else state)
        ours = data.startswith(STATE_MARK) and len(data) > len(STATE_MARK)
        self._fitting = True
        try:
            restored = super().restoreState(QByteArray(data[len(STATE_MARK) + 1:] if ours else data))
        finally:
            self._fitting = False
        self.set_modes()  # a state holds resize modes too (an old one: a stretching Subject)
        if restored and ours and data[len(STATE_MARK)]:
            self._requester_sized, self._requester_width = True, self.sectionSize(REQUESTER)
        if restored and ours:
            self.fit()
        else:
            self.reset_widths()  # an older layout's widths (a collapsed Subject, a cut time) are not brought back
        return restored

    def set_modes(self) -> None:
        """Subject and the unread dot are sized by the layout; the agent may drag every other edge."""
        self.setStretchLastSection(False)
        self.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column in (UNREAD, SUBJECT):
            self.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)

    # ------------------------------------------------------------ internals

    def _cell_width(self, text: str, *, italic: bool = False) -> int:
        font = QFont(self._table.font())
        font.setBold(True)
        font.setItalic(italic)
        style = self._table.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self._table) + 1
        return QFontMetrics(font).horizontalAdvance(text) + 2 * margin + 2  # both margins, the grid line, a pixel

    def _resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting:
            return
        if column == REQUESTER:
            self._requester_sized, self._requester_width = True, new
        self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.reset_widths()  # measured in the new font


def attach(table: QTableView) -> TicketColumns:
    """``table`` gets a ``TicketColumns`` header, its modes set and its widths from content."""
    header = TicketColumns(table)
    table.setHorizontalHeader(header)
    header.set_modes()
    header.reset_widths()
    return header
