"""Canned replies in the desk: Ctrl+Shift+I, filled for the open ticket, its status set on send (issue 18)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.canned import Template
from gui.views.canned_library import CannedLibrary
from gui.views.canned_picker import CannedPicker
from tests import test_workspace
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

desk = test_workspace.active_desk  # a desk whose window is active: keys and focus act as for the agent


def _pick(desk: Desk) -> CannedPicker:
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_I,
                        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CannedPicker), timeout=WAIT)
    picker = QApplication.activeModalWidget()
    desk.qtbot.waitUntil(picker.query.hasFocus, timeout=WAIT)
    return picker


def test_ctrl_shift_i_inserts_a_canned_reply_filled_for_the_open_ticket(desk, sandbox):
    desk.store.save_template(Template("Greeting", "Hello {first_name}, about #{ticket_number}:"))
    desk.open(SPEC_TICKET)
    composer = desk.window.detail.composer
    desk.qtbot.keyClicks(composer, "Note. ")
    picker = _pick(desk)
    desk.qtbot.keyClicks(picker.query, "greet")
    desk.qtbot.keyClick(picker.query, Qt.Key.Key_Return)
    first = sandbox.store.ticket(SPEC_TICKET)["firstName"]
    desk.qtbot.waitUntil(lambda: composer.toPlainText() == f"Note. Hello {first}, about #{SPEC_TICKET}:",
                         timeout=WAIT)
    desk.qtbot.waitUntil(lambda: desk.window.focusWidget() is composer, timeout=WAIT)  # typing goes on there
    assert desk.controller.draft(SPEC_TICKET) == composer.toPlainText()  # kept as the draft, as typing is


def test_a_canned_reply_with_a_status_sets_it_when_the_reply_is_sent(desk, sandbox):
    desk.store.save_template(Template("Solved", "This is solved, closing.", "CLOSED"))
    desk.open(SPEC_TICKET)
    picker = _pick(desk)
    desk.qtbot.keyClick(picker.query, Qt.Key.Key_Return)
    detail = desk.window.detail
    desk.qtbot.waitUntil(lambda: detail.status_on_send() == "CLOSED", timeout=WAIT)
    assert "sets the status to Closed" in detail.banner.text()
    detail.banner.hide()  # the banner closed: the pending status stays in view beside Send
    assert "sending sets Closed" in detail.from_label.text()
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    desk.qtbot.waitUntil(lambda: sandbox.store.ticket(SPEC_TICKET)["status"] == "CLOSED", timeout=WAIT)
    assert sandbox.store.ticket(SPEC_TICKET)["replies"][-1]["message"] == "This is solved, closing."
    assert detail.status_on_send() == ""


def test_keep_the_status_sends_the_canned_reply_without_changing_it(desk, sandbox):
    desk.store.save_template(Template("Solved", "This is solved.", "CLOSED"))
    before = sandbox.store.ticket(SPEC_TICKET)["status"]
    desk.open(SPEC_TICKET)
    picker = _pick(desk)
    desk.qtbot.keyClick(picker.query, Qt.Key.Key_Return)
    detail = desk.window.detail
    desk.qtbot.waitUntil(lambda: detail.banner.isVisible(), timeout=WAIT)
    detail.banner.retry_button.click()  # "Keep the status"
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    assert sandbox.store.ticket(SPEC_TICKET)["status"] == before


def test_manage_from_the_picker_opens_the_library(desk):
    desk.open(SPEC_TICKET)
    picker = _pick(desk)
    next(b for b in picker.findChildren(type(picker.insert_button)) if b.text() == "&Manage…").click()
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CannedLibrary), timeout=WAIT)
    QApplication.activeModalWidget().reject()


def test_without_an_open_ticket_the_shortcut_says_what_to_do(desk):
    desk.window.pick_canned_reply()
    assert "Open a ticket first" in desk.window.statusBar().currentMessage()


def test_a_canned_status_chosen_while_an_earlier_reply_is_on_its_way_waits_for_its_own_reply(desk, sandbox):
    desk.store.save_template(Template("Solved", "Solved, closing.", "CLOSED"))
    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    detail.composer.setPlainText("First reply.")
    sandbox.faults.latency_ms = 300
    try:
        with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
            detail.send()
            picker = _pick(desk)
            desk.qtbot.keyClick(picker.query, Qt.Key.Key_Return)
            desk.qtbot.waitUntil(lambda: detail.status_on_send() == "CLOSED", timeout=WAIT)
    finally:
        sandbox.faults.latency_ms = 0
    assert detail.status_on_send() == "CLOSED"  # the first reply's answer did not take it
    assert sandbox.store.ticket(SPEC_TICKET)["status"] != "CLOSED"
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    desk.qtbot.waitUntil(lambda: sandbox.store.ticket(SPEC_TICKET)["status"] == "CLOSED", timeout=WAIT)


def test_undo_in_another_environment_is_gone(desk, sandbox):
    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    box = detail.status_box
    with desk.qtbot.waitSignal(detail.undo_offered, timeout=WAIT):
        box.setCurrentIndex(box.findData("REVIEW"))
        box.activated.emit(box.currentIndex())
    with desk.qtbot.waitSignal(detail.undo_withdrawn, timeout=WAIT):
        detail.set_service(detail.agent)  # what switching server does to the pane
    assert not desk.window.undo_button.isVisible()


def test_a_canned_reply_is_not_glued_to_the_word_before_the_cursor(desk):
    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    detail.composer.setPlainText("See you tomorrow")
    detail.composer.moveCursor(detail.composer.textCursor().MoveOperation.End)
    detail.insert_reply("Kind regards")
    assert detail.composer.toPlainText() == "See you tomorrow Kind regards"
    detail.composer.setPlainText("")
    detail.insert_reply("Hello")
    assert detail.composer.toPlainText() == "Hello"
