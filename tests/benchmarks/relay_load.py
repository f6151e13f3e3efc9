"""Vendor load for run.py's ``relay`` group: requests an hour with and without the relay, in simulated time.

1, 10 and 50 desks track the same tickets (10,000; 1,000 with --quick) for one simulated hour:
- without the relay, every desk runs its own ``RefreshPlanner`` over all of them (the desk's policy, its
  ticket on screen every 30 s);
- with the relay, its ``RelayPoller`` refreshes them once for the team, and each desk polls only its
  ticket on screen, every ``DESK_ON_SCREEN_WITH_RELAY_S`` (webhooks and the registry bring the rest).
Target: with the relay, 50 desks cost at most 1.5x the requests of 1 desk.

The planners run on a simulated clock, ticking every ``TICK_S``; the vendor is a counting stand-in that
answers each GET at once from the tickets it was given (hundreds of thousands of loopback requests
would measure the sandbox, not the planners). Answers being instantaneous, a desk's concurrency limit
is lifted; intervals, tiers and budgets are the desk's and the relay's own. The ticket mix is the one
of tests/test_refresh_load.py: 20% active, 30% waiting, 50% closed.
"""

from __future__ import annotations

import dataclasses
import random
import time
from datetime import datetime

from gui.api import Status, Ticket
from gui.relay.health import DESK_ON_SCREEN_WITH_RELAY_S
from gui.relay.poller import RelayPoller
from gui.services.refresh import RefreshPlanner, RefreshPolicy

HOUR = 3600
TICK_S = 5.0
TARGET_RATIO = 1.5
MIX = [("OPEN", 10), ("IN_PROGRESS", 10), ("AWAITING_USER", 15), ("REVIEW", 15), ("CLOSED", 50)]
FIRST = 30_000_000


class CountingVendor:
    """Answers ``get_ticket`` like the vendor would, and counts."""

    def __init__(self, tickets: dict[int, Ticket]) -> None:
        self.tickets, self.requests = tickets, 0

    def get_ticket(self, number: int) -> Ticket:
        self.requests += 1
        return self.tickets[number]


class NullSink:
    """Where the relay's answers go here: vendor load is what is measured, not the registry."""

    def publish(self, ticket: Ticket, fetched_at: datetime) -> bool:
        return False

    def missing(self, number: int, observed_at: datetime) -> bool:
        return False


def make_tickets(count: int) -> dict[int, Ticket]:
    statuses = [status for status, share in MIX for _ in range(share)]
    return {FIRST + i: Ticket(ticket_number=FIRST + i, subject=f"T{i}", status=Status(statuses[i % len(statuses)]),
                              email_address="c@example.com") for i in range(count)}


def desk_planner(policy: RefreshPolicy, numbers: dict[int, str], on_screen: int, rng: random.Random) -> RefreshPlanner:
    planner = RefreshPlanner(dataclasses.replace(policy, max_in_flight=10**9), rng)  # answers come at once
    for number, status in numbers.items():
        planner.track(number, status, 0.0, fresh=False)
    planner.set_on_screen(on_screen, 0.0)
    planner.spread(0.0)  # as the desk does at start
    return planner


def run_planner(planner: RefreshPlanner, vendor: CountingVendor, now: float) -> None:
    for number in planner.due(now):
        planner.finished(number, now, status=str(vendor.get_ticket(number).status), ok=True)


def hour_without_relay(tickets: dict[int, Ticket], desks: int, seed: int) -> int:
    vendor = CountingVendor(tickets)
    statuses = {n: str(t.status) for n, t in tickets.items()}
    numbers = list(tickets)
    rng = random.Random(seed)
    planners = [desk_planner(RefreshPolicy(), statuses, rng.choice(numbers), random.Random(seed + i))
                for i in range(desks)]
    for step in range(int(HOUR / TICK_S)):
        for planner in planners:
            run_planner(planner, vendor, step * TICK_S)
    return vendor.requests


def hour_with_relay(tickets: dict[int, Ticket], desks: int, seed: int) -> tuple[int, int]:
    """(the relay's requests, the desks' requests)."""
    relay_vendor, desk_vendor = CountingVendor(tickets), CountingVendor(tickets)
    now = [0.0]
    poller = RelayPoller(relay_vendor.get_ticket, NullSink(), clock=lambda: now[0], rng=random.Random(seed))
    poller.track((n, str(t.status), None) for n, t in tickets.items())  # each fetched at some point before
    rng = random.Random(seed)
    numbers = list(tickets)
    on_screen_only = RefreshPolicy(on_screen_s=DESK_ON_SCREEN_WITH_RELAY_S)
    planners = []
    for i in range(desks):
        shown = rng.choice(numbers)
        planners.append(desk_planner(on_screen_only, {shown: str(tickets[shown].status)}, shown,
                                     random.Random(seed + i)))
    for step in range(int(HOUR / TICK_S)):
        now[0] = step * TICK_S
        poller.poll()
        for planner in planners:
            run_planner(planner, desk_vendor, now[0])
    return relay_vendor.requests, desk_vendor.requests


def bench_relay_load(quick: bool, desk_counts: tuple[int, ...] = (1, 10, 50), seed: int = 7) -> list[dict]:
    count = 1_000 if quick else 10_000
    tickets = make_tickets(count)
    rows = []
    for desks in desk_counts:
        started = time.perf_counter()
        without = hour_without_relay(tickets, desks, seed)
        relay, on_screen = hour_with_relay(tickets, desks, seed)
        rows.append({"name": f"vendor load, {count:,} tickets, {desks} desk{'s' if desks > 1 else ''}",
                     "tickets": count, "desks": desks, "without_relay": without, "with_relay": relay + on_screen,
                     "relay": relay, "desks_on_screen": on_screen, "simulated_s": HOUR,
                     "wall_s": time.perf_counter() - started})
    one = rows[0]["with_relay"]
    for row in rows:
        row["with_relay_vs_1_desk"] = row["with_relay"] / one
    return rows


def print_rows(rows: list[dict]) -> None:
    for row in rows:
        target = ""
        if row["desks"] == max(r["desks"] for r in rows):
            target = f" (target <= {TARGET_RATIO}x with 10,000 tickets)"
        print(f"{row['name']:44} requests in one simulated hour: without the relay {row['without_relay']:,}; "
              f"with it {row['with_relay']:,} (relay {row['relay']:,} + desks' on-screen {row['desks_on_screen']:,})"
              f" = {row['with_relay_vs_1_desk']:.2f}x 1 desk with the relay{target}; "
              f"simulated in {row['wall_s']:.1f} s")


if __name__ == "__main__":
    import sys

    print_rows(bench_relay_load("--quick" in sys.argv))
