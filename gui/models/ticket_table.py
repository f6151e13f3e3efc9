"""The ticket list as a table model over plain ``TicketRow`` tuples.

Filtering and sorting happen here in Python over the tuples, then one model reset:
a QSortFilterProxyModel would call back into Python per row and per comparison
(measured 0.7-2 s per keystroke at 100,000 rows, against 6-19 ms this way).

At 100,000 rows the loops themselves matter, so no Python code runs per row: sort keys are
plain ints or strings made once per column (Python compares those far faster than tuples),
filtering is ``map``/``compress`` over search texts copied side by side in memory, and the
last few sorted orders and filter results are kept, so backspacing and flipping a column
back cost nothing (tests/benchmarks/run.py has the figures).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, repeat
from operator import and_, attrgetter, contains, eq
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from ..store import TicketRow

UNREAD, NUMBER, SUBJECT, REQUESTER, STATUS, PRIORITY, REPLIES, ACTIVITY = range(8)
HEADERS = ("", "#", "Subject", "Requester", "Status", "Priority", "Replies", "Last activity")
HEADER_TIPS = (
    "Unread: changed on the server since you last looked",
    "Ticket number", "Subject", "Name and e-mail of the requester", "Status", "Priority",
    "Number of replies", "Time of the latest reply",
)

NUMBER_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's ticket number (int)
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's TicketRow

STATUS_COLOURS = {  # (on a light background, on a dark one): readable in both palettes
    "NEW_TICKET": ("#1565c0", "#64b5f6"), "OPEN": ("#2e7d32", "#81c784"), "IN_PROGRESS": ("#e65100", "#ffb74d"),
    "AWAITING_USER": ("#6a1b9a", "#ce93d8"), "REVIEW": ("#00838f", "#4dd0e1"), "CLOSED": ("#616161", "#bdbdbd"),
}
UNKNOWN_STATUS_COLOUR = ("#37474f", "#cfd8dc")
PRIORITY_ORDER = {"HIGH": 0, "NORMAL": 1, "LOW": 2}
STATUS_ORDER = {name: i for i, name in enumerate(STATUS_COLOURS)}

def _status_key(status: str) -> tuple[int, str]:
    return STATUS_ORDER.get(status, 99), status


def _priority_key(priority: str) -> tuple[int, str]:
    return PRIORITY_ORDER.get(priority, 99), priority


_SORT_KEYS = {
    UNREAD: lambda r: (not r.unread, -r.number),
    NUMBER: lambda r: r.number,
    SUBJECT: lambda r: r.subject.casefold(),
    REQUESTER: lambda r: (r.requester.casefold(), r.email.casefold()),
    STATUS: lambda r: _status_key(r.status),
    PRIORITY: lambda r: _priority_key(r.priority),
    REPLIES: lambda r: r.replies,
    ACTIVITY: lambda r: r.last_activity,
}

_NUMBER, _SUBJECT, _REQUESTER, _EMAIL, _STATUS, _PRIORITY, _SEARCH = map(
    attrgetter, ("number", "subject", "requester", "email", "status", "priority", "search"))
_FIELD_OF = {NUMBER: _NUMBER, REPLIES: attrgetter("replies"), ACTIVITY: attrgetter("last_activity")}
_KEYS_OF_THE_WHOLE = (UNREAD, STATUS, PRIORITY)  # columns whose keys depend on every row, not one
_SEPARATOR = "\0"
ORDERS_KEPT = 2  # sorted orders kept (about 12 MB each at 100,000 rows): flipping back and forth is free
LAYOUT_SLICE = 5_000  # search texts copied per turn of the event loop (about 2 ms)
RESULTS_KEPT = 24  # filter results kept per order: backspacing to an earlier text is free


def local_time(iso: str) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


class TicketTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._all: dict[int, TicketRow] = {}
        self._base: list[TicketRow] = []  # the same rows in the dict's order
        self._position: dict[int, int] = {}  # ticket number -> position in _base
        self._keys: dict[int, list[Any]] = {}  # column -> each row's sort key, by position in _base
        # Rows and their search texts side by side: (column, descending) -> the rows in that order ...
        self._orders: dict[tuple[int, bool], tuple[list[TicketRow], list[str] | _LazySearch]] = {}
        # ... the current order (None = stale) ...
        self._sorted: tuple[list[TicketRow], list[str] | _LazySearch] | None = None
        self._results: dict[tuple[str, str, str], tuple[list[TicketRow], Any]] = {}  # ... and filter results
        self._shown: list[TicketRow] = []
        self._shown_search: list[str] | _LazySearch = []
        self._unread = 0
        self._layout_timer = QTimer(self)
        self._layout_timer.setInterval(0)
        self._layout_timer.timeout.connect(self._lay_out_texts)
        self._text = ""
        self._status = ""
        self._priority = ""
        self._sort_column = ACTIVITY
        self._sort_order = Qt.SortOrder.DescendingOrder
        self._bold = QFont()
        self._bold.setBold(True)

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
        if not index.isValid():
            return None
        row = self._shown[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == UNREAD:
                return "Unread: changed since you last looked" if row.unread else "Read"
            # Qt renders a tooltip that looks like markup as rich text: escape server text.
            return "<p>" + html.escape(self._display(row, column)) + "</p>"

        if role == Qt.ItemDataRole.FontRole and row.unread:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            dark = QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
            return QColor(STATUS_COLOURS.get(row.status, UNKNOWN_STATUS_COLOUR)[dark])
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (NUMBER, REPLIES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = self._display(row, column)
            return "unread" if column == UNREAD and row.unread else text
        if role == NUMBER_ROLE:
            return row.number
        if role == ROW_ROLE:
            return row
        return None

    @staticmethod
    def _display(row: TicketRow, column: int) -> str:
        if column == UNREAD:
            return "●" if row.unread else ""
        if column == NUMBER:
            return str(row.number)
        if column == SUBJECT:
            return row.subject
        if column == REQUESTER:
            return f"{row.requester} <{row.email}>" if row.email and row.requester != row.email else row.requester
        if column == STATUS:
            return row.status.replace("_", " ").title() if row.status else ""
        if column == PRIORITY:
            return row.priority.title()
        if column == REPLIES:
            return str(row.replies)
        if column == ACTIVITY:
            return local_time(row.last_activity)
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self._sorted = None
        self._apply()

    # ------------------------------------------------------------ our API

    def sort_key(self) -> tuple[int, bool]:
        """(column, descending) of the current order, for ``sorted_in_advance`` on a worker."""
        return self._order_key()

    def set_rows(self, rows: list[TicketRow], ready: SortedInAdvance | None = None) -> None:
        """All rows at once. ``ready``: these very rows already sorted on a worker (used if the order still holds)."""
        self._all = {row.number: row for row in rows}
        self._unread = sum(map(attrgetter("unread"), self._all.values()))
        self._rebuild()
        if ready is not None and ready.rows is rows and ready.key == self._order_key() and len(self._all) == len(rows):
            column, _descending = ready.key
            self._keys[column] = ready.keys
            self._orders[ready.key] = ready.ordered, _LazySearch(ready.ordered)
        self._apply()

    def upsert(self, row: TicketRow) -> None:
        """One changed ticket: a targeted dataChanged when it stays in place, else a re-filter."""
        old = self._all.get(row.number)
        self._all[row.number] = row
        if old == row:
            return
        self._unread += row.unread - (old is not None and old.unread)
        if old is None:
            self._rebuild()
            self._apply()
            return
        in_place = self._matches(old) == self._matches(row) and self._key(old) == self._key(row)
        position = self._index(self._shown, old) if in_place else None
        self._replace(old, row, keep_order=in_place)
        if position is not None:
            self._shown[position] = row
            if isinstance(self._shown_search, list):
                self._shown_search[position] = row.search
            self.dataChanged.emit(self.index(position, 0), self.index(position, len(HEADERS) - 1))
            return
        self._apply()

    def remove(self, number: int) -> None:
        old = self._all.pop(number, None)
        if old is not None:
            self._unread -= old.unread
            self._rebuild()
            self._apply()

    def set_filter(self, text: str = "", status: str = "", priority: str = "") -> None:
        text = text.strip().casefold()
        # Typing more of the same word can only narrow the list: scan what is shown, not everything.
        narrowing = (status, priority) == (self._status, self._priority) and text.startswith(self._text) \
            and self._sorted is not None
        self._text, self._status, self._priority = text, status, priority
        self._apply(narrowing=narrowing)

    def row_of(self, number: int) -> int | None:
        row = self._all.get(number)
        return None if row is None else self._index(self._shown, row)

    def number_at(self, row: int) -> int | None:
        return self._shown[row].number if 0 <= row < len(self._shown) else None

    def rows(self) -> list[TicketRow]:
        """Every row held, filtered or not (what the store gave us)."""
        return list(self._all.values())

    def total(self) -> int:
        return len(self._all)

    def unread_count(self) -> int:
        """Kept as rows change: the title and the count label ask after every keystroke."""
        return self._unread

    # ------------------------------------------------------------ internals

    def _matches(self, row: TicketRow) -> bool:
        return (
            (not self._status or row.status == self._status)
            and (not self._priority or row.priority == self._priority)
            and (not self._text or self._text in row.search)
        )

    def _key(self, row: TicketRow) -> Any:
        return _SORT_KEYS.get(self._sort_column, _SORT_KEYS[NUMBER])(row)

    @staticmethod
    def _index(rows: list[TicketRow], row: TicketRow) -> int | None:
        """Where ``row`` is in ``rows``: a C-level scan, about 2 ms at 100,000 rows."""
        try:
            return rows.index(row)
        except ValueError:
            return None

    def _rebuild(self) -> None:
        """Rows came or went: per-row lists in the dict's order afresh, every cached order and result dropped."""
        self._base = list(self._all.values())
        self._position = {row.number: i for i, row in enumerate(self._base)}
        self._keys.clear()
        self._orders.clear()
        self._sorted = None

    def _replace(self, old: TicketRow, row: TicketRow, *, keep_order: bool) -> None:
        """A changed row in its old place: patch the lists; the sorted order stays only if its sort key did not move."""
        self._base[self._position[row.number]] = row
        for column in list(self._keys):
            if column in _KEYS_OF_THE_WHOLE:  # ranks and offsets may shift: computed afresh when next needed
                del self._keys[column]
            else:
                self._keys[column][self._position[row.number]] = _column_keys(column, [row], [])[0]
        self._orders.clear()
        self._results.clear()  # other filters may see this row differently now
        if keep_order and self._sorted is not None:
            rows, searches = self._sorted
            at = self._index(rows, old)
            if at is not None:
                rows[at] = row
                searches[at] = row.search
                return
        self._sorted = None

    def _order_key(self) -> tuple[int, bool]:
        column = self._sort_column if self._sort_column in _SORT_KEYS else NUMBER
        return column, self._sort_order == Qt.SortOrder.DescendingOrder

    def _sorted_rows(self) -> tuple[list[TicketRow], list[str]]:
        """Every row in the current sort order with its search text; the last few orders are kept."""
        column, descending = self._order_key()
        cached = self._orders.pop((column, descending), None)
        if cached is None:
            keys = self._keys.get(column)
            if keys is None:
                keys = self._keys[column] = _column_keys(column, self._base, self._base)
            order = sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)
            rows = list(map(self._base.__getitem__, order))
            cached = rows, _LazySearch(rows)
        self._orders[(column, descending)] = cached
        while len(self._orders) > ORDERS_KEPT:
            del self._orders[next(iter(self._orders))]
        return cached

    def _apply(self, *, narrowing: bool = False) -> None:
        """Filters the sorted rows (sorting once per sort change or data change, not per keystroke).

        A new order's search texts are then copied side by side in memory a slice at a time
        while the event loop is idle; a keystroke before that is done scans them where they are.
        """
        if self._sorted is None:
            self._sorted = self._sorted_rows()
            self._results.clear()
            narrowing = False
        if isinstance(self._sorted[1], _LazySearch):
            self._layout_timer.start()
        wanted = (self._text, self._status, self._priority)
        found = self._results.pop(wanted, None)
        if found is None:
            if not any(wanted):
                found = self._sorted
            else:
                rows, searches = (self._shown, self._shown_search) if narrowing else self._sorted
                searches = searches.texts() if isinstance(searches, _LazySearch) else searches
                passed = list(self._mask(rows, searches))
                found = list(compress(rows, passed)), list(compress(searches, passed))
        self._results[wanted] = found
        while len(self._results) > RESULTS_KEPT:
            del self._results[next(iter(self._results))]
        self.beginResetModel()
        self._shown = list(found[0])
        self._shown_search = found[1] if isinstance(found[1], _LazySearch) else list(found[1])
        self.endResetModel()

    @Slot()
    def _lay_out_texts(self) -> None:
        searches = self._sorted[1] if self._sorted is not None else None
        if not isinstance(searches, _LazySearch):
            self._layout_timer.stop()
            return
        done = searches.step()
        if done is not None:
            self._sorted = self._sorted[0], done
            self._orders[self._order_key()] = self._sorted
            if self._shown_search is searches:
                self._shown_search = done
            self._layout_timer.stop()

    def _mask(self, rows: list[TicketRow], searches: list[str]) -> Iterator[bool]:
        """Whether each row passes the filter, in C-level loops (no Python code per row)."""
        tests: list[Iterator[bool]] = []
        if self._text:
            tests.append(map(contains, searches, repeat(self._text)))
        if self._status:
            tests.append(map(eq, map(_STATUS, rows), repeat(self._status)))
        if self._priority:
            tests.append(map(eq, map(_PRIORITY, rows), repeat(self._priority)))
        combined = tests[0]
        for test in tests[1:]:
            combined = map(and_, combined, test)
        return combined


class _LazySearch:
    """The search texts of sorted rows while they are being copied side by side, a slice at a time."""

    def __init__(self, rows: list[TicketRow]):
        self._rows = rows
        self._copied: list[str] = []

    def texts(self) -> list[str]:
        """Every text now: the copies made so far, then the rows' own."""
        return self._copied + list(map(_SEARCH, self._rows[len(self._copied):]))

    def __setitem__(self, at: int, text: str) -> None:
        """A row changed in place (its row in ``rows`` is patched by the caller)."""
        if at < len(self._copied):
            self._copied[at] = text

    def step(self) -> list[str] | None:
        """Copies one more slice; the finished list once all are copied."""
        start = len(self._copied)
        self._copied.extend(_contiguous(list(map(_SEARCH, self._rows[start:start + LAYOUT_SLICE]))))
        return self._copied if len(self._copied) >= len(self._rows) else None


def _contiguous(texts: list[str]) -> list[str]:
    """Copies of ``texts`` laid out one after another in memory, which makes scanning them much faster.

    Falls back to the texts themselves if one contains the separator.
    """
    parts = _SEPARATOR.join(texts).split(_SEPARATOR)
    return parts if len(parts) == len(texts) else texts


@dataclass(frozen=True)
class SortedInAdvance:
    rows: list[TicketRow]
    key: tuple[int, bool]
    keys: list[Any]
    ordered: list[TicketRow]


def sorted_in_advance(rows: list[TicketRow], key: tuple[int, bool]) -> SortedInAdvance:
    """The model's sort of ``rows`` done ahead, on a worker (plain Python, no Qt): a long list then reaches
    the UI thread ready to show. ``key`` is the model's ``sort_key()`` when the read began."""
    column, descending = key
    keys = _column_keys(column, rows, rows)
    order = sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)
    return SortedInAdvance(rows, key, keys, list(map(rows.__getitem__, order)))


def _column_keys(column: int, rows: list[TicketRow], every: list[TicketRow]) -> list[Any]:
    """Sort keys for ``rows`` that order exactly as ``_SORT_KEYS[column]`` does but compare as plain ints or str.

    Python's sort compares plain ints and strings much faster than tuples. ``every`` is all the
    rows, for keys that depend on the whole set (ranks of statuses, the largest number).
    """
    if column == UNREAD:  # unread first, then the newest number: (not unread, -number) as one int
        top = max(map(_NUMBER, every), default=0) + 1
        return [(0 if r.unread else top) - r.number for r in rows]
    if column == SUBJECT:
        return list(map(str.casefold, map(_SUBJECT, rows)))
    if column == REQUESTER:  # NUL sorts before every character: as (requester, e-mail) unless a name holds a NUL
        return list(map("{}\0{}".format, map(str.casefold, map(_REQUESTER, rows)),
                        map(str.casefold, map(_EMAIL, rows))))
    if column in (STATUS, PRIORITY):  # few distinct values: each one's rank in the original order
        field, key = (_STATUS, _status_key) if column == STATUS else (_PRIORITY, _priority_key)
        ranks = {value: i for i, value in enumerate(sorted(set(map(field, every)), key=key))}
        return list(map(ranks.__getitem__, map(field, rows)))
    return list(map(_FIELD_OF.get(column, _NUMBER), rows))
