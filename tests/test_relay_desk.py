"""A team desk beside the team's relay: while a live relay polls, the desk checks only the ticket on screen;
when the relay dies (kill -9) and its health goes stale, the desk polls its tickets itself again."""

from __future__ import annotations

import signal

import pytest

from gui.services.refresh import RefreshPlanner, RefreshPolicy
from tests.test_relay_process import FIRST_LINE, finish, relay_url, start_relay  # noqa: F401  (relay_url: fixture)
from tests.test_team_desk import TeamDesk
from tests.test_workspace import SPEC_TICKET, WAIT

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures


def test_a_relayed_plan_hands_out_only_the_ticket_on_screen_and_catches_up_within_a_minute_after():
    planner = RefreshPlanner(RefreshPolicy())
    for number in range(1, 101):
        planner.track(number, "OPEN", 0.0, fresh=False)  # every ticket due now
    planner.set_on_screen(7, 0.0)
    planner.set_relayed(True, 0.0)
    assert planner.due(0.0) == [7]
    planner.finished(7, 1.0, status="OPEN", ok=True)
    assert planner.due(60.0) == []  # the relay and its webhooks bring the others; #7 every couple of minutes
    assert 7 in planner.due(121.0)
    planner.finished(7, 121.0, status="OPEN", ok=True)

    planner.set_relayed(False, 200.0)  # the relay went away: what it would have fetched is caught up, spread
    handed: list[int] = []
    for second in range(200, 261):
        for number in planner.due(float(second)):
            handed.append(number)
            planner.finished(number, float(second), status="OPEN", ok=True)
    assert len(set(handed)) == 100


@pytest.mark.slow
def test_the_desk_polls_only_its_screen_while_the_relay_lives_and_everything_again_when_it_dies(
        qtbot, sandbox, tmp_path, team_schema, relay_url, monkeypatch):  # noqa: F811
    monkeypatch.setattr("gui.controller.RELAY_CHECK_MS", 100)
    relay = start_relay(relay_url, sandbox.url)
    desk = None
    try:
        assert relay.stdout.readline().startswith(FIRST_LINE)
        desk = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "alice")
        desk.sync.relay_stale_s = 1.0  # the app's default is 20 s
        desk.open(SPEC_TICKET)
        planner = lambda: desk.controller.live.planner  # noqa: E731  (a new plan per list load)
        qtbot.waitUntil(lambda: planner().relayed, timeout=WAIT)
        qtbot.waitUntil(lambda: "relay" in desk.window.team_label.text() and "polls" in desk.window.team_label.text(),
                        timeout=WAIT)
        relay.send_signal(signal.SIGKILL)  # no goodbye: only its health row's age tells
        relay.wait(WAIT)
        qtbot.waitUntil(lambda: not planner().relayed, timeout=WAIT)
        qtbot.waitUntil(lambda: desk.window.team_label.text() == "Team: connected", timeout=WAIT)
    finally:
        if desk is not None:
            desk.close()
        finish(relay)
