"""The Edit dialog: nothing counts as changed before the agent types; what is sent is exactly what was typed."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from gui.api import Ticket
from gui.views.edit_ticket_dialog import EditTicketDialog, normalised

AS_THE_SERVER_SENT_IT = Ticket(
    12345678, subject="Printer on fire ", message="Line one\r\nLine two  \r\n\r\nRegards\r\n",
    first_name="Zoë", last_name="Müller ", email_address="zoe@example.com", phone_number="(123) 456-7890",
)


class Recorder:
    """Stands in for the TicketController: keeps what the dialog asks it to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, dict[str, Any]]] = []

    def edit(self, number: int, changes: dict[str, Any], *, on_done, on_error) -> None:
        self.sent.append((number, changes))


@pytest.fixture
def dialog(qtbot):
    recorder = Recorder()
    window = EditTicketDialog(recorder, AS_THE_SERVER_SENT_IT)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.recorder = recorder
    return window


def test_a_crlf_message_and_trailing_spaces_are_not_a_change_before_the_agent_types(dialog):
    assert dialog.changes() == {}
    assert not dialog.save_button.isEnabled()
    assert not dialog.error.isVisibleTo(dialog)


def test_only_the_field_the_agent_changed_is_sent_exactly_as_typed(dialog, qtbot):
    dialog.edits["subject"].selectAll()
    qtbot.keyClicks(dialog.edits["subject"], "  Printer on fire, again  ")
    assert dialog.save_button.isEnabled()
    dialog.submit()
    assert dialog.recorder.sent == [(12345678, {"subject": "  Printer on fire, again  "})]


def test_a_message_edit_sends_the_editors_text_as_is(dialog, qtbot):
    dialog.message.moveCursor(dialog.message.textCursor().MoveOperation.End)
    qtbot.keyClicks(dialog.message, "PS: tried a restart.")
    qtbot.keyClick(dialog.message, Qt.Key.Key_Return)
    changes = dialog.changes()
    assert list(changes) == ["message"]
    assert changes["message"] == dialog.message.toPlainText()
    assert changes["message"].endswith("Regards\nPS: tried a restart.\n")


def test_typing_a_space_at_the_end_alone_is_not_a_change(dialog, qtbot):
    dialog.edits["first_name"].end(False)
    qtbot.keyClicks(dialog.edits["first_name"], " ")
    assert dialog.changes() == {}


@pytest.mark.parametrize(("a", "b"), [
    ("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a  \nb\t", "a\nb"), ("text ", "text"), ("a\u2029b", "a\nb"),
])
def test_normalised_text_ignores_line_endings_and_trailing_spaces(a, b):
    assert normalised(a) == normalised(b)


def test_normalised_text_keeps_what_the_agent_can_see():
    assert normalised("a b") != normalised("ab")
    assert normalised("a\n\nb") != normalised("a\nb")
