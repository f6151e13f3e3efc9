"""The ticket list's columns in a real window: widths from what they show, a Subject that never collapses,
the whole text in tooltips, and a saved header from an older version that cannot bring a collapse back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

from gui.models.ticket_table import (
    ACTIVITY,
    NUMBER,
    PRIORITY,
    REPLIES,
    REQUESTER,
    STATUS,
    SUBJECT,
    UNREAD,
    TicketTableModel,
)
from gui.views.ticket_columns import STATE_MARK, SUBJECT_MIN_TEXT
from tests.test_workspace import WAIT, Desk

LISTED = 30


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def list_some(desk: Desk, sandbox, count: int = LISTED) -> None:
    desk.controller.learn(sandbox.store.ticket_numbers()[:count])
    desk.qtbot.waitUntil(lambda: desk.window.model.total() == count, timeout=WAIT)


def sized(desk: Desk, width: int, height: int) -> QHeaderView:
    desk.window.resize(width, height)
    desk.qtbot.waitUntil(lambda: desk.window.size().toTuple() == (width, height), timeout=WAIT)
    return desk.window.list_pane.table.horizontalHeader()


def subject_minimum(table: QTableView) -> int:
    """Subject is never narrower than this sentence in bold (unread rows are bold)."""
    bold = QFont(table.font())
    bold.setBold(True)
    return QFontMetrics(bold).horizontalAdvance(SUBJECT_MIN_TEXT)


def cell_margin(table: QTableView) -> int:
    return 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)


def assert_cells_fit(table: QTableView, columns: tuple[int, ...]) -> None:
    """Every shown cell of ``columns`` lays out its whole text (in its own font: bold, italic) in its section."""
    model, header = table.model(), table.horizontalHeader()
    for row in range(model.rowCount()):
        for column in columns:
            index = model.index(row, column)
            font = index.data(Qt.ItemDataRole.FontRole) or table.font()
            needed = QFontMetrics(font).horizontalAdvance(index.data()) + cell_margin(table)
            assert needed <= header.sectionSize(column), (column, index.data(), needed, header.sectionSize(column))


@pytest.mark.parametrize("size", [(1024, 600), (1920, 1080)])
def test_subject_keeps_its_minimum_and_the_activity_time_fits_at_every_size(desk, sandbox, size):
    list_some(desk, sandbox)
    desk.window.list_pane.table.horizontalHeader().setSortIndicator(SUBJECT, Qt.SortOrder.AscendingOrder)
    header = sized(desk, *size)
    table = desk.window.list_pane.table
    assert header.sectionSize(SUBJECT) >= subject_minimum(table)
    assert header.sectionSize(REQUESTER) >= QFontMetrics(table.font()).horizontalAdvance("Maria Garcia")
    assert_cells_fit(table, (UNREAD, NUMBER, STATUS, PRIORITY, REPLIES, ACTIVITY))
    widths = sum(header.sectionSize(c) for c in range(header.count()))
    if widths > table.viewport().width():  # no room for every column: the table scrolls, Subject stays
        desk.qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() > 0, timeout=WAIT)
    else:  # room: Subject takes what the others leave, and nothing scrolls
        assert widths == table.viewport().width() and table.horizontalScrollBar().maximum() == 0
    if size == (1920, 1080):
        assert widths == table.viewport().width()
        assert header.sectionSize(SUBJECT) > 1.5 * subject_minimum(table)  # the list has 62% of the window
        assert_cells_fit(table, (REQUESTER,))  # the list's requesters are whole at this size


def test_a_column_dragged_wider_takes_room_from_subject_down_to_its_minimum_then_the_list_scrolls(desk, sandbox):
    list_some(desk, sandbox, 5)
    header = sized(desk, 1920, 1080)
    table = desk.window.list_pane.table
    before = header.sectionSize(SUBJECT) + header.sectionSize(REQUESTER)
    header.resizeSection(STATUS, header.sectionSize(STATUS) + 100)  # as the agent's drag does
    assert header.sectionSize(SUBJECT) + header.sectionSize(REQUESTER) == before - 100
    header.resizeSection(STATUS, 3000)
    assert subject_minimum(table) <= header.sectionSize(SUBJECT) < subject_minimum(table) + 20
    desk.qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() > 0, timeout=WAIT)


def test_a_header_saved_by_an_older_version_with_a_collapsed_subject_does_not_bring_the_collapse_back(
        qtbot, sandbox, tmp_path):
    old = QTableView()  # the header as the version before this one made and saved it
    qtbot.addWidget(old)
    old.setModel(TicketTableModel())
    header = old.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(SUBJECT, QHeaderView.ResizeMode.Stretch)
    for column, width in ((UNREAD, 20), (NUMBER, 75), (REQUESTER, 130), (STATUS, 90), (PRIORITY, 55),
                          (REPLIES, 45), (ACTIVITY, 110)):
        header.resizeSection(column, width)
    header.setSortIndicator(NUMBER, Qt.SortOrder.AscendingOrder)
    old.resize(700, 300)
    old.show()
    qtbot.waitExposed(old)
    old.resize(545, 300)  # narrower: the stretching Subject gives up all it had
    qtbot.waitUntil(lambda: header.sectionSize(SUBJECT) <= header.minimumSectionSize())  # collapsed to "…"
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("window/ticket-columns", header.saveState())
    settings.sync()

    desk = Desk(qtbot, sandbox, tmp_path)
    try:
        list_some(desk, sandbox, 5)
        header = sized(desk, 1024, 600)
        table = desk.window.list_pane.table
        assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (NUMBER, Qt.SortOrder.AscendingOrder)
        assert header.sectionSize(SUBJECT) >= subject_minimum(table)
        assert_cells_fit(table, (NUMBER, STATUS, ACTIVITY))  # its cut time (110 px) is not brought back either
    finally:
        desk.close()


def test_a_requester_width_the_agent_chose_comes_back_at_next_start_with_the_sort(desk, sandbox):
    list_some(desk, sandbox, 5)
    header = sized(desk, 1920, 1080)
    header.resizeSection(REQUESTER, 333)
    header.setSortIndicator(STATUS, Qt.SortOrder.DescendingOrder)
    desk.window.close()
    assert bytes(desk.settings.value("window/ticket-columns").data()).startswith(STATE_MARK)
    desk.window = desk.new_window()
    header = sized(desk, 1920, 1080)
    assert header.sectionSize(REQUESTER) == 333
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (STATUS, Qt.SortOrder.DescendingOrder)
    table = desk.window.list_pane.table
    assert header.sectionSize(SUBJECT) >= subject_minimum(table)
    assert sum(header.sectionSize(c) for c in range(header.count())) == table.viewport().width()


def test_a_cut_subject_and_requester_are_whole_in_their_tooltips(desk, sandbox):
    subject = "The docking station flickers whenever the second monitor wakes up after lunch on Mondays"
    number = sandbox.store.ticket_numbers()[0]
    sandbox.store.update_ticket(number, {"subject": subject})
    desk.open(number)
    sized(desk, 1024, 600)
    table, model = desk.window.list_pane.table, desk.window.model
    cell = model.index(model.row_of(number), SUBJECT)
    assert QFontMetrics(table.font()).horizontalAdvance(cell.data()) > table.horizontalHeader().sectionSize(SUBJECT)
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == f"<p>{subject}</p>"
    requester = model.index(model.row_of(number), REQUESTER)
    row = desk.store.row("sandbox", number)
    assert row.email in requester.data(Qt.ItemDataRole.ToolTipRole)
