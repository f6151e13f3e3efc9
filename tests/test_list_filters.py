"""The ticket list's filter in a real window: statuses in any combination, reply text, what the agent typed
kept whatever arrives, and new tickets dated by when the desk first saw them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.models.ticket_table import ACTIVITY
from gui.time_text import local_time
from tests.test_workspace import SPEC_TICKET, WAIT, Desk, shown_numbers

LISTED = 12


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def list_some(desk: Desk, sandbox, count: int = LISTED) -> list[int]:
    numbers = sandbox.store.ticket_numbers()[:count]
    desk.controller.learn(numbers)
    desk.qtbot.waitUntil(lambda: desk.window.model.total() == count, timeout=WAIT)
    return numbers


def type_filter(desk: Desk, text: str) -> None:
    """Keys into the filter, and the list once it has taken them in (it waits for a pause in typing)."""
    edit = desk.window.list_pane.filter_edit
    desk.qtbot.keyClicks(edit, text)
    desk.qtbot.waitUntil(lambda: desk.window.model.ticket_index.filter()[0] == edit.text().strip().casefold(),
                         timeout=WAIT)


def statuses_of(desk: Desk, sandbox) -> set[str]:
    return {sandbox.store.ticket(n)["status"] for n in shown_numbers(desk.window)}


# ------------------------------------------------------------ statuses


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard")  # the offscreen platform and a popup
def test_not_closed_and_any_ticked_statuses_show_just_those(desk, sandbox):
    numbers = list_some(desk, sandbox)
    every = {sandbox.store.ticket(n)["status"] for n in numbers}
    assert "CLOSED" in every and len(every) >= 3  # the seed has closed tickets and others
    box = desk.window.list_pane.status_box
    box.showPopup()
    view = box.view()
    desk.qtbot.waitUntil(view.isVisible, timeout=WAIT)

    def click(data: str) -> None:
        rect = view.visualRect(box.model().index(box.findData(data), 0))
        desk.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    click("\0not closed")  # a single choice: the list closes
    desk.qtbot.waitUntil(lambda: not view.isVisible(), timeout=WAIT)
    assert box.summary() == "Not closed" and statuses_of(desk, sandbox) == every - {"CLOSED"}

    box.setCurrentIndex(0)  # Any status
    assert len(shown_numbers(desk.window)) == LISTED
    wanted = sorted(every - {"CLOSED"})[:2]
    box.showPopup()
    desk.qtbot.waitUntil(view.isVisible, timeout=WAIT)
    click(wanted[0])  # ticked: the list stays open for the next one
    view.setCurrentIndex(box.model().index(box.findData(wanted[1]), 0))
    desk.qtbot.keyClick(view, Qt.Key.Key_Space)  # Space ticks too
    assert view.isVisible()
    assert statuses_of(desk, sandbox) == set(wanted) and box.summary() == "2 statuses"
    click(wanted[0])  # ticked off again
    assert statuses_of(desk, sandbox) == {wanted[1]}
    desk.qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert desk.window.list_pane.count_label.text().startswith(f"{len(shown_numbers(desk.window))} of {LISTED} ")


# ------------------------------------------------------------ reply text


def test_a_word_in_a_reply_finds_its_ticket_also_after_the_store_is_opened_again(qtbot, sandbox, tmp_path):
    desk = Desk(qtbot, sandbox, tmp_path)
    try:
        list_some(desk, sandbox)
        other = next(n for n in shown_numbers(desk.window) if n != SPEC_TICKET)
        desk.open(SPEC_TICKET)
        detail = desk.window.detail
        detail.composer.setPlainText("The Quokka adapter ships today.")
        with qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
            detail.send()  # the agent's own reply, through the real sandbox
        with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as customer:
            customer.add_reply(other, "customer@example.com", "My wombat chewed the cable.")
        with qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
            desk.window.refresh()
        type_filter(desk, "quokka")
        assert shown_numbers(desk.window) == [SPEC_TICKET]
        desk.window.list_pane.filter_edit.clear()
        type_filter(desk, "WOMBAT")
        assert shown_numbers(desk.window) == [other]
    finally:
        desk.close()
    again = Desk(qtbot, sandbox, tmp_path)  # the same data folder: the store opened again
    try:
        type_filter(again, "quokka adapter")
        assert shown_numbers(again.window) == [SPEC_TICKET]
    finally:
        again.close()


# ------------------------------------------------------------ what the agent typed stays


def hidden_by(desk: Desk, word: str) -> int:
    model = desk.window.model
    return next(row.number for row in model.rows() if word not in row.search)


def test_typing_in_the_filter_while_a_hidden_ticket_opens_by_number_keeps_every_key(desk, sandbox):
    list_some(desk, sandbox)
    pane = desk.window.list_pane
    pane.filter_edit.setFocus()
    type_filter(desk, "boo")
    hidden = hidden_by(desk, "boo")
    sandbox.faults.latency_ms = 300  # the ticket arrives while the agent goes on typing
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
        desk.window.open_ticket_number(str(hidden))  # Ctrl+L, the number, Return
        desk.qtbot.keyClicks(pane.filter_edit, "t")
    assert pane.filter_edit.text() == "boot"
    desk.qtbot.waitUntil(lambda: desk.window.model.ticket_index.filter()[0] == "boot", timeout=WAIT)
    assert hidden not in shown_numbers(desk.window) and desk.controller.current == hidden
    shown = len(shown_numbers(desk.window))
    assert pane.count_label.text() == f"{shown} of {LISTED} tickets · #{hidden} is open, hidden by the filter"
    assert pane.select(hidden) and pane.filter_edit.text() == "boot"  # choosing it keeps the filter too
    pane.filter_edit.setFocus()
    desk.qtbot.waitUntil(pane.filter_edit.hasFocus, timeout=WAIT)
    desk.qtbot.keyClick(pane.filter_edit, Qt.Key.Key_Escape)  # only the agent clears it
    desk.qtbot.waitUntil(lambda: len(shown_numbers(desk.window)) == LISTED, timeout=WAIT)
    assert "hidden" not in pane.count_label.text()


def test_esc_from_the_reply_box_of_a_ticket_the_filter_hides_goes_to_the_list_and_keeps_that_ticket(desk, sandbox):
    list_some(desk, sandbox)
    type_filter(desk, "boot")
    hidden = hidden_by(desk, "boot")
    desk.window.activateWindow()
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window, timeout=WAIT)
    desk.open(hidden)
    composer = desk.window.detail.composer
    desk.qtbot.waitUntil(composer.hasFocus, timeout=WAIT)
    desk.qtbot.keyClick(composer, Qt.Key.Key_Escape)
    table = desk.window.list_pane.table
    desk.qtbot.waitUntil(table.hasFocus, timeout=WAIT)
    desk.idle()
    assert desk.controller.current == hidden  # focus in the list picks no other ticket
    assert desk.window.list_pane.count_label.text().endswith(f"#{hidden} is open, hidden by the filter")
    first = shown_numbers(desk.window)[0]
    desk.qtbot.keyClick(table, Qt.Key.Key_Down)  # the agent's first move goes to the first ticket shown
    desk.qtbot.waitUntil(lambda: desk.controller.current == first, timeout=WAIT)


def test_a_ticket_filed_or_updated_while_the_filter_hides_it_leaves_the_filter_as_typed(desk, sandbox):
    list_some(desk, sandbox)
    pane = desk.window.list_pane
    type_filter(desk, "boot")
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    dialog.edits["email_address"].setText("jane@example.com")
    dialog.edits["subject"].setText("Docking station flickers")
    dialog.message.setPlainText("Since Monday.")
    dialog.activateWindow()
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT)
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT) as opened:
        desk.qtbot.keyClick(dialog.message, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    filed = opened.args[0]
    desk.qtbot.waitUntil(lambda: desk.window.model.holds(filed), timeout=WAIT)
    assert pane.filter_edit.text() == "boot" and filed not in shown_numbers(desk.window)
    assert pane.count_label.text().endswith(f"#{filed} is open, hidden by the filter")

    hidden = hidden_by(desk, "boot")
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as customer:
        customer.add_reply(hidden, "customer@example.com", "Any news?")
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()  # a live update of a ticket the filter hides
    assert desk.store.row("sandbox", hidden).unread
    model = desk.window.model
    assert pane.filter_edit.text() == "boot" and hidden not in shown_numbers(desk.window)
    assert all("boot" in model.ticket_index.row_at(r).search for r in range(model.rowCount()))


# ------------------------------------------------------------ new tickets: when first seen


def test_a_new_ticket_without_replies_shows_when_the_desk_first_saw_it_and_sorts_first_newest_first(desk, sandbox):
    list_some(desk, sandbox)
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as colleague:
        number = colleague.create_ticket("kim@example.com", "Projector shows no picture", "Room 4.")
    desk.open(number)
    model = desk.window.model
    header = desk.window.list_pane.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (ACTIVITY, Qt.SortOrder.DescendingOrder)
    at = model.row_of(number)  # newest first: above every ticket with replies, not sunk to the bottom
    assert at is not None and all(model.ticket_index.row_at(row).first_seen for row in range(at + 1))
    assert not model.ticket_index.row_at(model.rowCount() - 1).first_seen
    cell = model.index(at, ACTIVITY)
    first_seen = desk.repository.first_seen(number)
    assert first_seen and cell.data() == local_time(first_seen)
    assert cell.data(Qt.ItemDataRole.FontRole).italic()
    assert "first seen by this desk" in cell.data(Qt.ItemDataRole.ToolTipRole)
    font = model.index(model.rowCount() - 1, ACTIVITY).data(Qt.ItemDataRole.FontRole)
    assert not (font and font.italic())  # a ticket with replies: its own time
