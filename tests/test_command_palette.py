"""Ctrl+K: every command by name with its shortcut, and "open #N" by typing a number (issue 18)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.views.command_palette import CommandPalette, ticket_number_in
from tests import test_workspace
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

desk = test_workspace.active_desk  # a desk whose window is active: keys and focus act as for the agent


def _palette(desk: Desk) -> CommandPalette:
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CommandPalette), timeout=WAIT)
    palette = QApplication.activeModalWidget()
    desk.qtbot.waitUntil(palette.query.hasFocus, timeout=WAIT)
    return palette


def test_the_palette_lists_every_enabled_command_of_the_menus_with_its_keys(desk):
    desk.open(SPEC_TICKET)
    palette = _palette(desk)
    names = palette.shown_names()
    for expected in ("New ticket", "Open ticket #", "Refresh", "Settings", "Send reply", "Edit ticket", "Reply",
                     "Keyboard shortcuts"):
        assert expected in names
    assert "Command palette" not in names  # it does not list itself
    texts = [palette.list.item(row).text() for row in range(palette.list.count())]
    assert any(t.startswith("New ticket") and "Ctrl+N" in t for t in texts)
    desk.qtbot.keyClick(palette.query, Qt.Key.Key_Escape)


def test_typing_narrows_the_list_and_return_runs_the_command(desk):
    desk.open(SPEC_TICKET)
    palette = _palette(desk)
    desk.qtbot.keyClicks(palette.query, "edit tick")
    assert palette.shown_names() == ["Edit ticket"]
    desk.qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: getattr(desk.window.detail, "edit_dialog", None) is not None
                         and desk.window.detail.edit_dialog.isVisible(), timeout=WAIT)
    desk.window.detail.edit_dialog.reject()


def test_down_chooses_the_next_command_without_leaving_the_query(desk):
    palette = _palette(desk)
    first = palette.list.currentRow()
    desk.qtbot.keyClick(palette.query, Qt.Key.Key_Down)
    assert palette.list.currentRow() == first + 1 and palette.query.hasFocus()
    desk.qtbot.keyClick(palette.query, Qt.Key.Key_Escape)


def test_a_number_typed_opens_that_ticket(desk):
    palette = _palette(desk)
    desk.qtbot.keyClicks(palette.query, f"#{SPEC_TICKET}")
    assert palette.shown_names()[0] == f"Open ticket #{SPEC_TICKET}"
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
        desk.qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    assert desk.controller.current == SPEC_TICKET


@pytest.mark.parametrize(("typed", "number"), [
    ("123", 123), ("#123", 123), ("open 42", 42), ("Open ticket #7", 7), ("0", None), ("12a", None),
    ("", None), ("١٢٣", None), ("9" * 19, None), (str(2**63 - 1), 2**63 - 1), ("refresh", None),
])
def test_what_counts_as_a_ticket_number_in_the_palette(typed, number):
    assert ticket_number_in(typed) == number


def test_unknown_text_lists_nothing_and_return_does_nothing(desk):
    palette = _palette(desk)
    desk.qtbot.keyClicks(palette.query, "<script>zzz")
    assert palette.shown_names() == []
    desk.qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    assert palette.isVisible()
    desk.qtbot.keyClick(palette.query, Qt.Key.Key_Escape)
