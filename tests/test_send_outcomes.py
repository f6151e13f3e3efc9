"""What the agent is told when a write's answer does not prove it failed: the New ticket form after a 500, a 504,
a dropped connection or an unreadable success; copies are counted at the sandbox, never in the desk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from gui.sandbox import PASS, Fault
from gui.views.new_ticket_dialog import NewTicketDialog
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

SUBJECT = "Laptop will not charge"


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def copies(sandbox, subject: str = SUBJECT) -> int:
    return sum(1 for n in sandbox.store.ticket_numbers() if sandbox.store.ticket(n)["subject"] == subject)


def filled_form(desk: Desk) -> NewTicketDialog:
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    dialog.edits["email_address"].setText("jane@example.com")
    dialog.edits["subject"].setText(SUBJECT)
    dialog.message.setPlainText("The light stays off.")
    return dialog


def create_and_fail(desk: Desk, dialog: NewTicketDialog) -> None:
    with desk.qtbot.waitSignal(dialog.failed, timeout=WAIT):
        dialog.create_button.click()
    desk.idle()


ANSWERS_THAT_PROVE_NOTHING = {
    "500 after the commit": Fault(500, after=True, method="POST", path_prefix="/ticket"),
    "504 after the commit": Fault(504, after=True, method="POST", path_prefix="/ticket"),
    "503 after the commit": Fault(503, after=True, method="POST", path_prefix="/ticket"),
    "dropped after the commit": Fault(None, after=True, method="POST", path_prefix="/ticket"),
    "an unreadable 200": Fault(200, after=True, body=b"<html>OK</html>", method="POST", path_prefix="/ticket"),
}


@pytest.mark.parametrize("fault", ANSWERS_THAT_PROVE_NOTHING.values(), ids=ANSWERS_THAT_PROVE_NOTHING.keys())
def test_a_create_without_a_clear_answer_says_the_ticket_may_exist_and_keeps_the_form(desk, sandbox, fault):
    dialog = filled_form(desk)
    sandbox.faults.script(fault)
    create_and_fail(desk, dialog)
    assert copies(sandbox) == 1  # the server has it
    text = dialog.banner.text()
    assert "may have been created" in text and "cannot search tickets" in text and "check" in text
    assert "was not created" not in text
    assert dialog.isVisible() and dialog.edits["subject"].text() == SUBJECT
    assert dialog.message.toPlainText() == "The light stays off."
    assert dialog.create_button.text() == "Create &anyway" and dialog.may_exist
    assert desk.repository.draft("new", 0)["subject"] == SUBJECT  # the form survives a restart too
    dialog.reject()


def test_create_is_offered_again_only_as_an_explicit_create_anyway_never_by_enter(desk, sandbox):
    dialog = filled_form(desk)
    sandbox.faults.script(Fault(500, after=True, method="POST", path_prefix="/ticket"))
    create_and_fail(desk, dialog)
    assert not dialog.create_button.isDefault() and not dialog.create_button.autoDefault()
    dialog.edits["subject"].setFocus()
    desk.qtbot.keyClick(dialog.edits["subject"], Qt.Key.Key_Return)  # Enter in a field files nothing
    assert desk.runner.in_flight == 0 and dialog.isVisible() and copies(sandbox) == 1
    with desk.qtbot.waitSignal(dialog.created, timeout=WAIT):
        dialog.create_button.click()  # the agent checked and chose to file it again
    assert copies(sandbox) == 2


def test_a_second_try_refused_after_an_unclear_first_still_says_the_first_may_exist(desk, sandbox):
    dialog = filled_form(desk)
    sandbox.faults.script(Fault(502, after=True, method="POST", path_prefix="/ticket"))
    create_and_fail(desk, dialog)
    sandbox.faults.script(Fault(400, method="POST", path_prefix="/ticket"))
    create_and_fail(desk, dialog)
    assert "the earlier one may have" in dialog.banner.text()
    assert dialog.create_button.text() == "Create &anyway" and copies(sandbox) == 1
    dialog.reject()


def test_a_create_refused_in_words_says_not_created_and_offers_create_again(desk, sandbox):
    dialog = filled_form(desk)
    sandbox.faults.script(Fault(400, method="POST", path_prefix="/ticket"))
    create_and_fail(desk, dialog)
    assert copies(sandbox) == 0
    assert dialog.banner.text().startswith("The ticket was not created:")
    assert dialog.create_button.text() == "&Create" and not dialog.may_exist
    dialog.reject()


def test_discarding_the_draft_after_an_unclear_create_makes_create_plain_again(desk, sandbox):
    dialog = filled_form(desk)
    sandbox.faults.script(Fault(None, after=True, method="POST", path_prefix="/ticket"))
    create_and_fail(desk, dialog)
    dialog.discard_button.click()
    assert dialog.create_button.text() == "&Create" and dialog.create_button.isDefault()
    dialog.reject()


def test_a_reply_whose_answer_comes_after_the_client_gave_up_is_found_on_the_ticket_and_sent_once(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    desk.client.timeout = (5, 0.3)  # the desk gives up before the gateway answers
    desk.idle()
    sandbox.faults.script(Fault(PASS, answer_delay_ms=1500, method="POST"))  # committed, then answered late
    detail.composer.setPlainText("Answered late, sent once")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    desk.idle()
    messages = [r["message"] for r in sandbox.store.ticket(SPEC_TICKET)["replies"]]
    assert messages.count("Answered late, sent once") == 1  # counted at the sandbox
    assert detail.composer.toPlainText() == ""
    assert [r.method for r in sandbox.recent].count("POST") == 1  # the landed check looked; nothing was re-sent
