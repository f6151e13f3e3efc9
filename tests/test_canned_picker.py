"""Insert canned reply: type to find, the preview shows the filled text, Return inserts (issue 18)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.api import Ticket
from gui.canned import TEAM, Template, fill
from gui.services.tickets import Agent
from gui.views.canned_picker import CannedPicker

TICKET = Ticket(ticket_number=12345678, subject="Printer offline", first_name="Ann", email_address="ann@x.example")
AGENT = Agent("Jane", "Doe", "jane@desk.example")
LIBRARY = [Template("Greeting", "Hi {first_name},", id=1), Template("Printer reset", "Unplug the printer.", id=2),
           Template("Close politely", "Closing #{ticket_number}. {agent_name}", "CLOSED", TEAM, 3),
           Template("Typo", "Hi {frist_name}", id=4)]


def picker(qtbot, templates=LIBRARY, problem="") -> CannedPicker:
    dialog = CannedPicker(templates, lambda t: fill(t.text, TICKET, AGENT), problem)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.query.hasFocus)
    return dialog


def test_typing_narrows_the_list_and_the_preview_shows_the_filled_text(qtbot):
    dialog = picker(qtbot)
    qtbot.keyClicks(dialog.query, "close")
    assert dialog.shown_names() == ["Close politely"]
    preview = dialog.preview.toPlainText()
    assert preview.startswith("Closing #12345678. Jane Doe")
    assert "Sending sets the status to Closed." in preview
    assert "team" in dialog.list.item(0).text()


def test_return_inserts_the_highlighted_reply_and_down_chooses_another(qtbot):
    dialog = picker(qtbot)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Down)
    assert dialog.list.currentRow() == 1 and dialog.query.hasFocus()
    with qtbot.waitSignal(dialog.chosen) as chosen:
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert chosen.args[0].name == dialog.shown_names()[1]
    assert not dialog.isVisible()


def test_an_unknown_placeholder_is_pointed_out_in_the_preview(qtbot):
    dialog = picker(qtbot)
    qtbot.keyClicks(dialog.query, "typo")
    assert "Hi {frist_name}" in dialog.preview.toPlainText()
    assert "Not filled (unknown): {frist_name}." in dialog.preview.toPlainText()


def test_nothing_matches_nothing_is_inserted(qtbot):
    dialog = picker(qtbot)
    qtbot.keyClicks(dialog.query, "zzz")
    assert dialog.shown_names() == [] and not dialog.insert_button.isEnabled()
    with qtbot.assertNotEmitted(dialog.chosen):
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)


def test_an_empty_library_says_how_to_add_one_and_a_team_problem_is_shown(qtbot):
    dialog = picker(qtbot, [], problem="The team's canned replies are not available now: offline")
    assert dialog.empty.isVisible()
    assert "not available now" in dialog.banner.text()
    with qtbot.waitSignal(dialog.manage_requested):
        next(b for b in dialog.findChildren(type(dialog.insert_button)) if b.text() == "&Manage…").click()
