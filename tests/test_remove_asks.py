"""Ctrl+Del asks before the open ticket leaves the list (issue 17): Return removes it, Esc keeps it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests import test_workspace
from tests.test_workspace import SPEC_TICKET, WAIT, Desk, shown_numbers

desk = test_workspace.active_desk  # a desk whose window is active: keys and focus act as for the agent


def _ask(desk: Desk) -> QMessageBox:
    desk.window.list_pane.table.setFocus()
    desk.qtbot.keyClick(desk.window.list_pane.table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=WAIT)
    return QApplication.activeModalWidget()


def test_ctrl_del_asks_and_names_the_open_ticket_before_removing_anything(desk):
    desk.open(SPEC_TICKET)
    question = _ask(desk)
    assert f"#{SPEC_TICKET}" in question.text()
    assert SPEC_TICKET in shown_numbers(desk.window)  # nothing removed while it asks
    desk.qtbot.keyClick(question, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT)
    assert SPEC_TICKET in shown_numbers(desk.window)
    assert desk.controller.current == SPEC_TICKET


def test_return_in_the_question_removes_the_ticket_and_the_server_keeps_it(desk, sandbox):
    desk.open(SPEC_TICKET)
    question = _ask(desk)
    desk.qtbot.keyClick(question, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: SPEC_TICKET not in shown_numbers(desk.window), timeout=WAIT)
    assert sandbox.store.ticket_exists(SPEC_TICKET)


def test_a_hostile_subject_is_shown_as_plain_text_in_the_question(desk, sandbox):
    sandbox.store.update_ticket(SPEC_TICKET, {"subject": "<b>bold</b> <script>alert(1)</script>"})
    desk.open(SPEC_TICKET)
    desk.qtbot.waitUntil(lambda: "<script>" in (desk.window.detail.ticket.subject or ""), timeout=WAIT)
    question = _ask(desk)
    assert question.textFormat() == Qt.TextFormat.PlainText
    assert "<b>bold</b> <script>alert(1)</script>" in question.text()
    desk.qtbot.keyClick(question, Qt.Key.Key_Escape)


def test_ctrl_del_in_the_reply_box_deletes_the_next_word_and_removes_nothing(desk):
    desk.open(SPEC_TICKET)
    composer = desk.window.detail.composer
    composer.setFocus()
    desk.qtbot.waitUntil(composer.hasFocus, timeout=WAIT)
    composer.setPlainText("hello world")
    cursor = composer.textCursor()
    cursor.setPosition(0)
    composer.setTextCursor(cursor)
    desk.qtbot.keyClick(composer, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert composer.toPlainText() == " world"
    assert QApplication.activeModalWidget() is None and SPEC_TICKET in shown_numbers(desk.window)


def test_ctrl_del_in_the_filter_deletes_the_next_word_too(desk):
    desk.open(SPEC_TICKET)
    edit = desk.window.list_pane.filter_edit
    edit.setFocus()
    desk.qtbot.waitUntil(edit.hasFocus, timeout=WAIT)
    edit.setText("printer jam")
    edit.setCursorPosition(0)
    desk.qtbot.keyClick(edit, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() in (" jam", "jam")
    assert QApplication.activeModalWidget() is None
