"""The agent's own status or priority change can be undone from the status bar for a few seconds (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.test_workspace import SPEC_TICKET, WAIT, Desk


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def _choose(desk: Desk, box, value: str) -> None:
    box.setCurrentIndex(box.findData(value))
    box.activated.emit(box.currentIndex())  # as the agent picking it


def test_undo_in_the_status_bar_sends_the_previous_status_back(desk, sandbox):
    desk.open(SPEC_TICKET)
    detail, window = desk.window.detail, desk.window
    before = sandbox.store.ticket(SPEC_TICKET)["status"]
    with desk.qtbot.waitSignal(detail.undo_offered, timeout=WAIT):
        _choose(desk, detail.status_box, "CLOSED")
    assert sandbox.store.ticket(SPEC_TICKET)["status"] == "CLOSED"
    assert window.undo_button.isVisible() and "status set to Closed" in window.undo_label.text()
    with desk.qtbot.waitSignal(detail.undo_told, timeout=WAIT):
        window.undo_button.click()
    assert sandbox.store.ticket(SPEC_TICKET)["status"] == before
    assert not window.undo_button.isVisible()
    desk.qtbot.waitUntil(lambda: detail.status_box.currentData() == before, timeout=WAIT)
    assert "again" in window.statusBar().currentMessage()


def test_undo_goes_after_a_few_seconds_and_then_changes_nothing(desk, sandbox):
    desk.open(SPEC_TICKET)
    detail, window = desk.window.detail, desk.window
    detail.undo_timer.setInterval(200)
    with desk.qtbot.waitSignal(detail.undo_offered, timeout=WAIT):
        _choose(desk, detail.priority_box, "HIGH")
    with desk.qtbot.waitSignal(detail.undo_withdrawn, timeout=WAIT):
        pass
    assert not window.undo_button.isVisible()
    detail.undo_change()  # too late: nothing is sent
    desk.idle()
    assert sandbox.store.ticket(SPEC_TICKET)["priority"] == "HIGH"


def test_a_second_change_is_the_one_undone(desk, sandbox):
    desk.open(SPEC_TICKET)
    detail, window = desk.window.detail, desk.window
    with desk.qtbot.waitSignal(detail.undo_offered, timeout=WAIT):
        _choose(desk, detail.status_box, "REVIEW")
    with desk.qtbot.waitSignal(detail.undo_offered, timeout=WAIT):
        _choose(desk, detail.priority_box, "LOW")
    assert "priority set to Low" in window.undo_label.text()
    with desk.qtbot.waitSignal(detail.undo_told, timeout=WAIT):
        window.undo_button.click()
    ticket = sandbox.store.ticket(SPEC_TICKET)
    assert ticket["status"] == "REVIEW" and ticket["priority"] != "LOW"
