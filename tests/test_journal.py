"""Help > What this desk sent: every reply, change and new ticket with its outcome, including the unclear ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gui.sandbox import PASS, Fault
from tests.test_workspace import SPEC_TICKET, WAIT, Desk


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def rows(desk: Desk) -> list[tuple[str, str, str]]:
    desk.window.journal_action.trigger()
    table = desk.window.journal_dialog.table
    return [tuple(table.item(r, c).text() for c in (1, 2, 3)) for r in range(table.rowCount())]


def test_the_journal_lists_what_was_sent_newest_first_with_its_outcome(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("First <b>answer</b>.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send(status="REVIEW")
    sandbox.faults.script(Fault(400, method="POST", body=b'{"success": false, "error": "Message too long"}',
                                content_type="application/json"))
    detail.composer.setPlainText("Second answer.")
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT):
        detail.send()
    shown = rows(desk)
    assert shown[0][:2] == (f"Reply to #{SPEC_TICKET}: Second answer.", "Not done")
    assert "Message too long" in shown[0][2]
    assert shown[1] == (f"Change to #{SPEC_TICKET}: status = REVIEW", "Done", "Changed")
    assert shown[2] == (f"Reply to #{SPEC_TICKET}: First <b>answer</b>.", "Done", "Reply sent")  # as text


def test_a_reply_with_no_clear_answer_is_not_known_yet_and_checked_before_it_can_be_sent_again(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    text = "Are you still there?"
    sandbox.faults.script(Fault(PASS, method="GET"),  # the look for a colleague's news before sending
                          Fault(504, after=True, method="POST"),  # committed, then the gateway gave up
                          *[Fault(503, method="GET")] * 3)  # and the ticket cannot be read for the check
    detail.composer.setPlainText(text)
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT):
        detail.send()
    assert rows(desk)[0][1] == "Not known yet"
    desk.window.journal_dialog.close()
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send(force=True)  # the agent tries again: the earlier send is looked for first
    assert sum(r["message"] == text for r in sandbox.store.ticket(SPEC_TICKET)["replies"]) == 1
    assert "not sent again" in detail.banner.text()
    assert rows(desk)[0][1] == "Done"
