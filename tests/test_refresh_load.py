"""Background refresh: load on the vendor and freshness guarantees, counted at the sandbox over one simulated hour."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.sandbox import SandboxServer
from gui.services.refresh import RefreshPlanner, RefreshPolicy

STATUSES = ["OPEN"] * 100 + ["IN_PROGRESS"] * 100 + ["AWAITING_USER"] * 150 + ["REVIEW"] * 150 + ["CLOSED"] * 500


def desk_of_1000(server: SandboxServer) -> dict[int, str]:
    tickets = {}
    for i, status in enumerate(STATUSES):
        number = 20_000_000 + i
        server.store.insert_ticket(number, {"emailAddress": "c@example.com", "subject": f"T{i}",
                                            "message": "m", "priority": "NORMAL", "status": status})
        tickets[number] = status
    return tickets


def test_one_workstation_with_1000_tickets_stays_within_720_requests_an_hour_and_every_guarantee(capsys):
    with SandboxServer(seed_data=False) as server, \
            TogaClient(server.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as client:
        tickets = desk_of_1000(server)
        planner = RefreshPlanner(RefreshPolicy(), random.Random(5))
        for number, status in tickets.items():
            planner.track(number, status, 0.0)
        on_screen = next(n for n, s in tickets.items() if s == "OPEN")
        planner.set_on_screen(on_screen, 0.0)
        planner.spread(0.0)
        checked: dict[int, list[float]] = defaultdict(lambda: [0.0])  # each was fetched just before we start
        start = server.requests_served
        hour = 3600
        for second in range(hour):
            for number in planner.due(float(second)):
                status = str(client.get_ticket(number).status)
                checked[number].append(float(second))
                planner.finished(number, float(second), status=status, ok=True)
        sent = server.requests_served - start

    def longest_gap(number: int) -> float:
        times = [*checked[number], float(hour)]
        return max(b - a for a, b in itertools.pairwise(times))

    active = [n for n, s in tickets.items() if s in ("OPEN", "IN_PROGRESS") and n != on_screen]
    waiting = [n for n, s in tickets.items() if s in ("AWAITING_USER", "REVIEW")]
    closed = [n for n, s in tickets.items() if s == "CLOSED"]
    worst_active = max(longest_gap(n) for n in active)
    with capsys.disabled():
        print(f"\n[refresh load] 1,000 tracked (200 active, 300 waiting, 500 closed), one simulated hour: "
              f"{sent} requests ({sent / hour:.3f}/s); on screen checked {len(checked[on_screen]) - 1}x; "
              f"longest gap: active {worst_active:.0f} s, on screen {longest_gap(on_screen):.0f} s; "
              f"waiting checked {sum(len(checked[n]) - 1 for n in waiting)}x; "
              f"closed {sum(n in checked for n in closed)}x")
    assert sent <= 720
    assert worst_active <= 1800
    assert longest_gap(on_screen) <= 31
    assert not any(n in checked for n in closed)


def test_the_active_tier_is_only_stretched_when_the_desk_is_large():
    policy = RefreshPolicy(active_min_s=300)
    assert policy.active_interval(active=20, waiting=30) == 300  # a small desk: every 5 minutes
    assert 1500 < policy.active_interval(active=200, waiting=300) <= 1740
    assert policy.active_interval(active=2000, waiting=0) == 1740  # the 30-minute promise wins over the budget


def test_failures_back_off_exponentially_and_a_success_resumes_at_once():
    planner = RefreshPlanner(RefreshPolicy(max_in_flight=1), random.Random(1))
    planner.track(1, "OPEN", 0.0, fresh=False)
    planner.track(2, "OPEN", 0.0, fresh=False)
    assert planner.due(0.0) == [1]
    planner.finished(1, 0.0, status=None, ok=False)
    assert planner.due(4.0) == [] and planner.paused_for(4.0) == 1.0
    assert planner.due(5.0) == [2]
    planner.finished(2, 5.0, status=None, ok=False)
    assert planner.paused_for(5.0) == 10.0  # 5 s, then 10 s, ... up to 5 minutes
    assert planner.due(15.0) == [1]
    planner.finished(1, 15.0, status="OPEN", ok=True)
    assert not planner.backing_off and planner.due(15.0) == [2]


def test_f5_makes_everything_due_at_once_even_closed_tickets():
    planner = RefreshPlanner(RefreshPolicy(max_in_flight=10), random.Random(1))
    planner.track(1, "CLOSED", 0.0)
    planner.track(2, "REVIEW", 0.0)
    assert planner.due(100.0) == []
    planner.everything_now(100.0)
    assert sorted(planner.due(100.0)) == [1, 2]


def test_waking_from_sleep_checks_open_tickets_soon_but_not_closed_ones():
    planner = RefreshPlanner(RefreshPolicy(max_in_flight=100), random.Random(2))
    for number, status in ((1, "OPEN"), (2, "REVIEW"), (3, "CLOSED")):
        planner.track(number, status, 0.0)
    planner.set_on_screen(1, 0.0)
    planner.catch_up(1000.0, within=60.0)
    assert planner.due(1000.0) == [1]  # the one on screen at once
    assert sorted(planner.due(1060.0)) == [2]  # the rest within a minute; closed stays on demand


def test_the_ticket_on_screen_goes_first_when_many_are_due():
    planner = RefreshPlanner(RefreshPolicy(max_in_flight=1), random.Random(2))
    for number in (5, 6, 7):
        planner.track(number, "OPEN", 0.0, fresh=False)
    planner.set_on_screen(7, 0.0)
    assert planner.due(1.0) == [7]


def recounted_interval(planner: RefreshPlanner) -> float:
    """The active interval as a full recount of the tracked tickets gives it."""
    statuses = [planner._entries[n].status for n in planner._entries]
    active = sum(1 for s in statuses if s in ("NEW_TICKET", "OPEN", "IN_PROGRESS"))
    waiting = sum(1 for s in statuses if s not in ("NEW_TICKET", "OPEN", "IN_PROGRESS", "CLOSED"))
    return planner.policy.active_interval(active, waiting)


def test_the_active_interval_follows_tickets_joining_leaving_and_changing_status():
    planner = RefreshPlanner(RefreshPolicy(), random.Random(3))
    rng = random.Random(4)
    for number in range(30_000_000, 30_003_000):
        planner.track(number, rng.choice(STATUSES), 0.0)
    assert planner.interval(30_000_000, "OPEN") == recounted_interval(planner) > 300
    for number in range(30_000_000, 30_001_000, 3):
        planner.forget(number)
    for number in range(30_001_000, 30_002_000, 2):
        planner.track(number, "CLOSED", 1.0)  # a status change seen on tracking
    for number in range(30_002_000, 30_003_000, 5):
        planner.finished(number, 2.0, status="AWAITING_USER", ok=True)  # and one seen in a refresh
    planner.gone(30_002_999)
    assert planner.interval(30_000_001, "OPEN") == recounted_interval(planner)
