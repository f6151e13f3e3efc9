"""Assignment across desks: Take it, Give to..., Release on one desk show on the others within a second,
and the views Mine and Unassigned follow. Real PostgreSQL, real sandbox, two desk windows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from tests.test_team_desk import TeamDesk
from tests.test_workspace import SPEC_TICKET, WAIT, Desk, shown_numbers

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures


@pytest.fixture
def team(qtbot, sandbox, tmp_path, team_schema) -> Iterator[tuple[TeamDesk, TeamDesk]]:
    alice = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "alice")
    bob = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "bob")
    qtbot.waitUntil(lambda: alice.sync.online and bob.sync.online, timeout=WAIT)
    for desk in (alice, bob):
        desk.window.list_pane.set_me(f"{desk.name}@team.example")  # as the registry names them
    alice.open(SPEC_TICKET)
    qtbot.waitUntil(lambda: bob.lists(SPEC_TICKET) and alice.sync.waiting == 0, timeout=WAIT)
    yield alice, bob
    alice.close()
    bob.close()


def assignee_on(desk: TeamDesk, number: int) -> str:
    return desk.store.row("sandbox", number).assignee


def choose_view(desk: TeamDesk, view: str) -> None:
    box = desk.window.list_pane.view_box
    box.setCurrentIndex(box.findData(view))


def test_a_ticket_taken_on_one_desk_shows_as_theirs_on_the_other(team):
    alice, bob = team
    row = alice.window.detail.team_row
    assert row.isVisible() and row.assignee_label.text() == "Nobody in the team has taken this ticket."
    with alice.qtbot.waitSignal(alice.controller.assignment_told, timeout=WAIT) as told:
        alice.window.take_action.trigger()
    assert told.args[1:] == [f"#{SPEC_TICKET} is with you now.", True]
    assert row.assignee_label.text() == "You have this ticket." and row.release_button.isVisible()
    bob.qtbot.waitUntil(lambda: bob.window.model.ticket_index.row_at(0).assignee == "alice@team.example",
                        timeout=WAIT)  # in bob's list (a colleague's change, through the team's log)
    bob.open(SPEC_TICKET)
    assert bob.window.detail.team_row.assignee_label.text() == "alice@team.example has this ticket."


def test_two_desks_taking_one_ticket_at_once_one_wins_and_the_other_is_told_who(team):
    alice, bob = team
    bob.open(SPEC_TICKET)
    with alice.qtbot.waitSignals([alice.controller.assignment_told, bob.controller.assignment_told],
                                 timeout=WAIT):
        alice.window.take_action.trigger()
        bob.window.take_action.trigger()
    holders = {assignee_on(alice, SPEC_TICKET), assignee_on(bob, SPEC_TICKET)}
    assert len(holders) == 1 and holders <= {"alice@team.example", "bob@team.example"}
    winner, loser = (alice, bob) if holders == {"alice@team.example"} else (bob, alice)
    told = loser.window.detail.team_row.assignee_label.text()
    assert told == f"{winner.name}@team.example took #{SPEC_TICKET} first."
    assert winner.window.detail.team_row.assignee_label.text() == "You have this ticket."


def test_mine_and_unassigned_follow_a_ticket_given_and_released(team, sandbox):
    alice, bob = team
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    alice.open(other)
    bob.qtbot.waitUntil(lambda: bob.lists(other), timeout=WAIT)
    alice.open(SPEC_TICKET)
    choose_view(bob, "unassigned")
    assert sorted(shown_numbers(bob.window)) == sorted([SPEC_TICKET, other])

    offered: list[str] = []

    def give_to_bob() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, give_to_bob)  # the dialog opens once the team's names are in
            return
        offered.extend(dialog.comboBoxItems())
        dialog.setTextValue("bob@team.example")  # typed: bob has not written to the team's log yet
        dialog.accept()

    QTimer.singleShot(0, give_to_bob)
    with alice.qtbot.waitSignal(alice.controller.assignment_told, timeout=WAIT) as told:
        alice.window.give_action.trigger()
    assert told.args[1] == f"#{SPEC_TICKET} is with bob@team.example now."
    assert "alice@team.example" not in offered  # not herself
    bob.qtbot.waitUntil(lambda: shown_numbers(bob.window) == [other], timeout=WAIT)  # no longer unassigned
    choose_view(bob, "mine")
    assert shown_numbers(bob.window) == [SPEC_TICKET]

    bob.open(SPEC_TICKET)
    with bob.qtbot.waitSignal(bob.controller.assignment_told, timeout=WAIT):
        bob.window.release_action.trigger()
    assert shown_numbers(bob.window) == []  # not bob's any more
    label = alice.window.detail.team_row.assignee_label
    alice.qtbot.waitUntil(lambda: label.text() == "Nobody in the team has taken this ticket.", timeout=WAIT)
    assert assignee_on(alice, SPEC_TICKET) == ""


def test_a_solo_desk_has_no_assignment_anywhere(qtbot, sandbox, tmp_path):
    desk = Desk(qtbot, sandbox, tmp_path)
    try:
        desk.open(SPEC_TICKET)
        assert not desk.window.take_action.isVisible() and not desk.window.detail.team_row.isVisible()
        box = desk.window.list_pane.view_box
        assert not box.model().item(box.findData("unassigned")).isEnabled()
    finally:
        desk.close()
