"""Assignment in the team registry: taking, giving and releasing a ticket is atomic and logged.

The vendor API has no assignee; this is the registry's own state."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest

from gui.api import Ticket
from gui.team import TeamRegistry

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures


@pytest.fixture
def env() -> str:
    return f"https://assign-{uuid.uuid4().hex[:8]}.example"


def registries(url: str, *agents: str) -> list[TeamRegistry]:
    return [TeamRegistry(url, agent=agent) for agent in agents]


def test_taking_an_unassigned_ticket_makes_it_mine_and_logs_an_assigned_event(team_schema, env):
    ann, = registries(team_schema, "ann@team.example")
    with ann:
        ann.publish(env, Ticket(11, subject="Printer"), datetime.now(UTC))
        outcome = ann.assign(env, 11, "ann@team.example", expected=None)
        assert (outcome.done, outcome.assignee) == (True, "ann@team.example")
        assert ann.snapshot(env, 11).assignee == "ann@team.example"
        events, _ = ann.events_after(env, 0)
        assert [(e.kind, e.assignee) for e in events] == [("added", None), ("assigned", "ann@team.example")]
        assert ann.assign(env, 11, "ann@team.example", expected=None).done  # already mine: nothing to do
        assert len(ann.events_after(env, 0)[0]) == 2


def test_two_agents_taking_one_ticket_at_once_one_wins_and_the_other_learns_who(team_schema, env):
    ann, bob = registries(team_schema, "ann@team.example", "bob@team.example")
    def take(registry: TeamRegistry, number: int, start: threading.Barrier, outcomes: dict) -> None:
        start.wait()
        outcomes[registry.agent] = registry.assign(env, number, registry.agent, expected=None)

    with ann, bob:
        for rounds in range(5):  # several races, each on a ticket of its own
            number = 100 + rounds
            ann.publish(env, Ticket(number), datetime.now(UTC))
            start, outcomes = threading.Barrier(2), {}
            threads = [threading.Thread(target=take, args=(r, number, start, outcomes)) for r in (ann, bob)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
            winners = [agent for agent, outcome in outcomes.items() if outcome.done]
            assert len(winners) == 1
            loser = next(outcome for agent, outcome in outcomes.items() if not outcome.done)
            assert loser.assignee == winners[0]
            assigned = [e for e in ann.events_after(env, 0)[0] if e.number == number and e.kind == "assigned"]
            assert len(assigned) == 1


def test_giving_and_releasing_need_the_holder_the_desk_saw(team_schema, env):
    ann, bob = registries(team_schema, "ann@team.example", "bob@team.example")
    with ann, bob:
        ann.publish(env, Ticket(13), datetime.now(UTC))
        assert ann.assign(env, 13, "ann@team.example", expected=None).done
        stale = bob.assign(env, 13, "bob@team.example", expected=None)  # bob's desk thought it was free
        assert (stale.done, stale.assignee) == (False, "ann@team.example")
        assert ann.assign(env, 13, "bob@team.example", expected="ann@team.example").done  # given to bob
        assert bob.assign(env, 13, None, expected="bob@team.example").done  # released
        assert ann.snapshot(env, 13).assignee is None
        kinds = [(e.kind, e.agent, e.assignee) for e in ann.events_after(env, 0)[0] if e.kind == "assigned"]
        assert kinds == [("assigned", "ann@team.example", "ann@team.example"),
                         ("assigned", "ann@team.example", "bob@team.example"),
                         ("assigned", "bob@team.example", None)]
        assert ann.teammates(env)[:2] == ["bob@team.example", "ann@team.example"]


def test_a_ticket_the_team_never_recorded_cannot_be_taken(team_schema, env):
    ann, = registries(team_schema, "ann@team.example")
    with ann:
        outcome = ann.assign(env, 14, "ann@team.example", expected=None)
        assert (outcome.done, outcome.known) == (False, False)
