"""The "Mine" view: the tickets the agent filed on this desk or answered, beside "All tickets"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.test_workspace import AGENT, SPEC_TICKET, WAIT, Desk, shown_numbers


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def choose_mine(desk: Desk) -> None:
    box = desk.window.list_pane.view_box
    box.setCurrentIndex(box.findData("mine"))


def test_mine_lists_a_ticket_the_agent_filed_and_one_they_answered_but_not_the_others(desk, sandbox):
    desk.open()  # the spec's ticket: filed by a customer, answered by others
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    dialog.edits["email_address"].setText("jane@example.com")
    dialog.edits["subject"].setText("Docking station flickers")
    dialog.message.setPlainText("Since Monday.")
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT) as opened:
        dialog.create_button.click()
    filed = opened.args[0]
    assert len(shown_numbers(desk.window)) >= 2

    choose_mine(desk)
    assert shown_numbers(desk.window) == [filed]

    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    detail.composer.setPlainText("I am looking into it.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    assert sorted(shown_numbers(desk.window)) == sorted([filed, SPEC_TICKET])  # answered: it joins at once

    desk.window.list_pane.filter_edit.setText("docking")
    desk.qtbot.waitUntil(lambda: shown_numbers(desk.window) == [filed], timeout=WAIT)


def test_without_an_email_in_settings_mine_cannot_be_chosen_and_says_why(desk):
    pane = desk.window.list_pane
    choose_mine(desk)
    assert pane.view_box.currentData() == "mine"
    pane.set_me("")
    assert pane.view_box.currentData() == "all"  # back to every ticket rather than an empty list
    mine = pane.view_box.model().item(pane.view_box.findData("mine"))
    assert not mine.isEnabled()
    assert "Settings" in mine.toolTip()
    pane.set_me(AGENT.email_address)
    assert mine.isEnabled()
