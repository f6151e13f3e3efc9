"""Bulk changes (issue 18): select several tickets (Shift+J/K, Shift/Ctrl-click, Ctrl+A) and set their status or
priority (one PUT at a time, in list order, through the single change's path), mark them read or unread, or remove
them from the list; a progress line with Cancel, a summary naming what failed (which stays selected), and Undo
for the local-only actions. PUTs are counted at the sandbox."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.api import Status
from gui.sandbox import Fault
from tests.test_workspace import WAIT, Desk, shown_numbers

LISTED = 6


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    workstation.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is workstation.window, timeout=WAIT)
    for number in sandbox.store.ticket_numbers()[:LISTED]:
        workstation.open(number)
    workstation.idle()
    yield workstation
    workstation.close()


def _puts(sandbox, since: int = 0) -> list[int]:
    return [int(r.path.rsplit("/", 1)[1]) for r in list(sandbox.recent)[since:] if r.method == "PUT"]


def _select_all(desk: Desk) -> list[int]:
    table = desk.window.list_pane.table
    table.setFocus()
    desk.qtbot.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    return desk.window.list_pane.selected_numbers()


def _status_action(desk: Desk, words: str):
    desk.window.menuBar().actions()[1].menu().aboutToShow.emit()  # the Ticket menu, as it opens
    return next(a for a in desk.window.status_many_menu.actions() if a.text() == words)


def _finish(desk: Desk, start) -> tuple[str, list[int], bool]:
    with desk.qtbot.waitSignal(desk.controller.bulk_finished, timeout=WAIT) as finished:
        start()
    return tuple(finished.args)


def test_shift_j_extends_the_selection_and_the_open_ticket_is_the_current_row(desk):
    pane = desk.window.list_pane
    first = shown_numbers(desk.window)[0]
    desk.controller.open(first)
    pane.table.setFocus()
    for _ in range(3):
        desk.qtbot.keyClick(pane.table, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    assert pane.selected_numbers() == shown_numbers(desk.window)[:4]
    assert desk.controller.current == shown_numbers(desk.window)[3]  # the detail pane shows the current row
    assert pane.table.currentIndex().row() == 3
    desk.qtbot.keyClick(pane.table, Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
    assert pane.selected_numbers() == shown_numbers(desk.window)[:3]
    desk.qtbot.keyClick(pane.table, Qt.Key.Key_J)  # plain J: one ticket again
    assert pane.selected_numbers() == [shown_numbers(desk.window)[3]] == [desk.controller.current]


def test_ctrl_click_adds_a_row_and_the_selection_survives_a_re_sort(desk):
    pane, window = desk.window.list_pane, desk.window
    numbers = shown_numbers(window)
    desk.controller.open(numbers[0])
    rect = pane.table.visualRect(window.model.index(2, 1))
    desk.qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                          rect.center())
    assert set(pane.selected_numbers()) == {numbers[0], numbers[2]}
    assert desk.controller.current == numbers[2]
    window.model.sort(0, Qt.SortOrder.AscendingOrder)  # a reset of the model
    assert set(pane.selected_numbers()) == {numbers[0], numbers[2]}
    assert desk.controller.current == numbers[2]


def test_ctrl_a_selects_every_shown_row_and_the_menus_say_how_many(desk):
    assert _select_all(desk) == shown_numbers(desk.window) and len(shown_numbers(desk.window)) == LISTED
    window = desk.window
    window.menuBar().actions()[1].menu().aboutToShow.emit()
    assert window.status_many_menu.title() == f"Set &status of {LISTED} tickets"
    assert window.status_many_menu.menuAction().isEnabled()
    assert window.remove_many_action.text() == f"Remove {LISTED} from &list"
    desk.qtbot.keyClick(window.list_pane.table, Qt.Key.Key_J)  # one selected: the bulk entries wait
    window.menuBar().actions()[1].menu().aboutToShow.emit()
    assert not window.status_many_menu.menuAction().isEnabled() and not window.remove_many_action.isEnabled()


def test_setting_the_status_of_several_sends_one_put_per_ticket_in_list_order_one_at_a_time(desk, sandbox):
    numbers = shown_numbers(desk.window)
    sandbox.store.update_ticket(numbers[3], {"status": "CLOSED"})
    desk.open(numbers[3])  # this desk knows it is closed: it is not sent
    already = [n for n in numbers if desk.repository.row(n).status == "CLOSED"]
    assert _select_all(desk) == numbers
    lines: list[str] = []
    desk.controller.bulk_progress.connect(lines.append)
    since = len(sandbox.recent)
    summary, not_changed, failed = _finish(desk, _status_action(desk, "Closed").trigger)
    sent = [n for n in numbers if n not in already]
    assert _puts(sandbox, since) == sent
    requests = [(r.method, r.path) for r in list(sandbox.recent)[since:] if r.method in ("PUT", "GET")]
    puts = [i for i, (method, _) in enumerate(requests) if method == "PUT"]
    for before, after in itertools.pairwise(puts):  # the ticket's own GET comes back before the next PUT
        assert ("GET", requests[before][1]) in requests[before + 1:after]
    assert all(sandbox.store.ticket(n)["status"] == "CLOSED" for n in numbers)
    assert lines[0] == f"Setting status to Closed: 1 of {LISTED}\u2026" and lines[-1] == ""
    assert f"{len(sent)} changed to Closed" in summary
    assert (f"{len(already)} was Closed already" if len(already) == 1 else f"{len(already)} were Closed") in summary
    assert not failed and not_changed == []
    changes = [e for e in desk.controller.journal() if e.kind == "change"]
    assert sorted(e.ticket_number for e in changes) == sorted(sent)  # journalled like a single change


def test_a_ticket_the_server_refuses_is_named_in_the_summary_and_stays_selected(desk, sandbox):
    numbers = _select_all(desk)
    refused = [n for n in numbers if desk.repository.row(n).priority != "HIGH"][1]
    sandbox.faults.script(Fault(400, method="PUT", path_prefix=f"/ticket/{refused}"))
    before = sandbox.store.ticket(refused)["priority"]
    window = desk.window
    window.menuBar().actions()[1].menu().aboutToShow.emit()
    high = next(a for a in window.priority_many_menu.actions() if a.text() == "High")
    summary, not_changed, failed = _finish(desk, high.trigger)
    assert failed and not_changed == [refused]
    assert f"#{refused} (the server refused: Injected fault" in summary and "1 not" in summary
    assert window.list_pane.selected_numbers() == [refused]
    assert window.list_banner.isVisible() and window.list_banner.kind() == "error"
    assert window.list_banner.text() == summary
    assert sandbox.store.ticket(refused)["priority"] == before
    assert all(sandbox.store.ticket(n)["priority"] == "HIGH" for n in numbers if n != refused)
    since = len(sandbox.recent)
    summary, not_changed, failed = _finish(desk, window.list_banner.retry_button.click)  # Try 1 again
    assert _puts(sandbox, since) == [refused] and not failed
    assert sandbox.store.ticket(refused)["priority"] == "HIGH"


def test_cancel_midway_leaves_the_rest_unsent_and_selected(desk, sandbox):
    numbers = _select_all(desk)
    target = next(s for s in Status if all(desk.repository.row(n).status != s for n in numbers))  # every one is sent
    words = target.value.replace("_", " ").title()
    statuses = {n: sandbox.store.ticket(n)["status"] for n in numbers}
    sandbox.faults.latency_ms = 150
    window = desk.window
    lines: list[str] = []
    desk.controller.bulk_progress.connect(lines.append)
    since = len(sandbox.recent)
    _status_action(desk, words).trigger()
    desk.qtbot.waitUntil(lambda: window.bulk_bar.label.text().startswith(f"Setting status to {words}: 2 of"),
                         timeout=WAIT)
    assert window.bulk_bar.isVisible()
    summary, not_changed, _failed = _finish(desk, window.bulk_bar.cancel_button.click)
    sent = _puts(sandbox, since)
    assert sent == numbers[:2]  # the one on its way answered; nothing after it left
    assert not_changed == numbers[2:] == window.list_pane.selected_numbers()
    assert f"cancelled: {LISTED - 2} not sent" in summary
    assert any(line.startswith("Cancelling") for line in lines) and not window.bulk_bar.isVisible()
    assert {n: sandbox.store.ticket(n)["status"] for n in numbers[2:]} == {n: statuses[n] for n in numbers[2:]}


def test_the_progress_line_does_not_move_the_panes(desk, sandbox):
    window = desk.window
    _select_all(desk)
    sandbox.faults.latency_ms = 100
    before = (window.list_pane.geometry(), window.detail.geometry(), window.statusBar().height())
    _status_action(desk, "Open").trigger()
    desk.qtbot.waitUntil(window.bulk_bar.isVisible, timeout=WAIT)
    QApplication.processEvents()
    assert (window.list_pane.geometry(), window.detail.geometry(), window.statusBar().height()) == before
    with desk.qtbot.waitSignal(desk.controller.bulk_finished, timeout=WAIT):
        pass


def test_mark_read_of_several_sends_nothing_and_undo_makes_them_unread_again(desk, sandbox):
    numbers = _select_all(desk)
    unread = numbers[1:4]
    desk.controller.mark_many(unread, unread=True)
    assert desk.window.model.unread_count() == 3
    window = desk.window
    since = len(sandbox.recent)
    window.menuBar().actions()[1].menu().aboutToShow.emit()
    window.mark_read_action.trigger()
    assert window.model.unread_count() == 0
    assert window.undo_button.isVisible() and window.undo_label.text() == "3 tickets marked read."
    window.undo_button.click()
    assert window.model.unread_count() == 3
    assert {r.number for r in window.model.rows() if r.unread} == set(unread)
    assert {r.number for r in desk.repository.rows() if r.unread} == set(unread)  # on disk too
    assert not window.undo_button.isVisible()
    assert [r for r in list(sandbox.recent)[since:] if r.method in ("PUT", "POST")] == []


def test_removing_several_asks_nothing_and_undo_lists_them_again_as_they_were(desk, sandbox):
    pane, window = desk.window.list_pane, desk.window
    numbers = shown_numbers(window)
    desk.controller.open(numbers[1])
    pane.table.setFocus()
    desk.qtbot.keyClick(pane.table, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    desk.qtbot.keyClick(pane.table, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    desk.controller.mark_many([numbers[2]], unread=True)  # opened on the way (Shift+J shows each): unread again
    chosen = pane.selected_numbers()
    assert chosen == numbers[1:4]
    first_seen = {n: desk.controller.first_seen(n) for n in chosen}
    desk.qtbot.keyClick(pane.table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert not isinstance(QApplication.activeModalWidget(), QMessageBox)  # no question: Undo instead
    assert shown_numbers(window) == [n for n in numbers if n not in chosen]
    assert desk.store.removed("sandbox") >= set(chosen) and all(sandbox.store.ticket_exists(n) for n in chosen)
    assert window.undo_label.text() == "3 tickets removed from this list (the server keeps them)."
    window.undo_button.click()
    assert sorted(shown_numbers(window)) == sorted(numbers)
    assert not desk.store.removed("sandbox") & set(chosen)
    assert {n: desk.controller.first_seen(n) for n in chosen} == first_seen
    assert [r.number for r in window.model.rows() if r.unread] == [numbers[2]]  # unread as it was
    assert "back in the list" in window.statusBar().currentMessage()
    desk.controller.refresh()  # listed again: refreshed like any other
    desk.idle()
    assert sorted(shown_numbers(window)) == sorted(numbers)


def test_a_status_change_after_a_bulk_mark_is_what_the_one_undo_button_undoes(desk, sandbox):
    window, detail = desk.window, desk.window.detail
    numbers = _select_all(desk)
    desk.controller.mark_many(numbers, unread=True)
    assert window.undo_button.isVisible() and "marked unread" in window.undo_label.text()
    desk.open(numbers[0])
    before = sandbox.store.ticket(numbers[0])["status"]
    target = "REVIEW" if before != "REVIEW" else "OPEN"
    with desk.qtbot.waitSignal(detail.undo_offered, timeout=WAIT):
        detail.status_box.setCurrentIndex(detail.status_box.findData(target))
        detail.status_box.activated.emit(detail.status_box.currentIndex())
    assert "status set to" in window.undo_label.text()
    with desk.qtbot.waitSignal(detail.undo_told, timeout=WAIT):
        window.undo_button.click()
    assert sandbox.store.ticket(numbers[0])["status"] == before
    assert window.model.unread_count() == LISTED - 1  # the mark was not undone (the open one was read)


def test_a_ticket_whose_own_change_is_on_its_way_is_not_sent_twice(desk, sandbox):
    window, detail = desk.window, desk.window.detail
    numbers = shown_numbers(window)
    busy = numbers[0]
    desk.open(busy)
    sandbox.faults.latency_ms = 300
    target = next(s for s in Status if all(desk.repository.row(n).status != s for n in numbers))
    detail.status_box.setCurrentIndex(detail.status_box.findData(target.value))
    detail.status_box.activated.emit(detail.status_box.currentIndex())  # the agent's own change, on its way
    assert desk.controller.is_changing(busy)
    since = len(sandbox.recent)
    assert _select_all(desk) == numbers
    words = target.value.replace("_", " ").title()
    summary, not_changed, failed = _finish(desk, _status_action(desk, words).trigger)
    assert _puts(sandbox, since).count(busy) == 1  # the detail pane's PUT only
    assert failed and not_changed == [busy] and f"#{busy} (another change to its status was on its way)" in summary
    desk.idle()


def test_switching_server_midway_ends_the_progress_line(desk, sandbox):
    window = desk.window
    _select_all(desk)
    sandbox.faults.latency_ms = 200
    _status_action(desk, "Review").trigger()
    desk.qtbot.waitUntil(window.bulk_bar.isVisible, timeout=WAIT)
    desk.connect()  # another connection: the rest is never sent into it
    assert not window.bulk_bar.isVisible() and not desk.controller.bulk_running
    desk.idle()


def test_a_change_to_several_leaves_the_unread_mark_of_those_the_agent_is_not_looking_at(desk, sandbox):
    numbers = _select_all(desk)
    with desk.qtbot.waitSignal(desk.controller.local_undo_offered, timeout=WAIT):
        desk.window.mark_selected(unread=True)
    open_one = desk.controller.current
    _finish(desk, _status_action(desk, "Review").trigger)
    assert all(sandbox.store.ticket(n)["status"] == "REVIEW" for n in numbers)
    unread = {n for n in numbers if desk.repository.row(n).unread}
    assert unread == set(numbers) - {open_one}  # the open one is read: the agent sees it changed
