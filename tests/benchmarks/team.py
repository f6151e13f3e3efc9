"""Team figures for run.py's ``team`` group: propagation between desks, a desk's catch-up, the registry's
search (team_search.py) and the team's list in real desk processes (team_list.py).

- Propagation: one desk publishes, N listening desks (each its own TeamSync, ticket owner and SQLite
  store, as a desk has; their listener threads take the change in) hold it: p50/p95 over every
  (event, desk) pair, from the publish call to the change stored at the listening desk.
- Catch-up: a desk that was away while ``tickets`` were added or changed reads the log from its
  cursor: the time until its local list holds them all.

Uses the PostgreSQL in TOGADESK_TEST_POSTGRES or starts a throwaway cluster as the team tests do;
returns None (and says why) where there is no PostgreSQL.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from gui.api import Ticket
from gui.store import LocalStore
from gui.team import TeamRegistry, setup_team
from gui.team.sync import TeamSync
from gui.tickets import Relisted, TicketRepository
from tests.benchmarks.data import make_tickets

ENV = "https://bench.example"


def _server(stack: ExitStack) -> str | None:
    import os

    from tests.team_postgres import ENV_VAR, Cluster, find_bindir

    given = os.environ.get(ENV_VAR)
    if given:
        return given
    bindir = find_bindir()
    if bindir is None:
        return None
    cluster = Cluster(bindir)
    cluster.start()
    stack.callback(cluster.stop)
    return cluster.conninfo


class _Listener:
    """A desk that only listens: its own store and owner, its listener thread taking changes in."""

    def __init__(self, conninfo: str, folder: Path, name: str):
        self.store = LocalStore(folder / f"{name}.sqlite3")
        self.owner = TicketRepository(self.store, "bench")
        self.sync = TeamSync(TeamRegistry(conninfo, agent=name), self.owner, ENV)
        self.arrived: dict[int, float] = {}
        self.owner.subscribe(self._heard)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._take_in, name="togadesk-team-bench", daemon=True)
        self._worker.start()
        self.sync.start(self._wake.set)

    def _heard(self, event) -> None:
        numbers = event.numbers if isinstance(event, Relisted) else [getattr(event, "row", None) and event.row.number]
        for number in numbers:  # a first catch-up is told in one go (Relisted): the list is read again
            if number is not None:
                self.arrived.setdefault(number, time.perf_counter())

    def _take_in(self) -> None:  # what the desk's worker does when its listener wakes it
        while not self._stop.is_set():
            if self._wake.wait(0.2):
                self._wake.clear()
                self.sync.take_in()

    def close(self) -> None:
        self._stop.set()
        self.sync.stop()
        self.sync.join()
        self._worker.join(2)
        self.store.close()


def _team_database(conninfo: str, stack: ExitStack) -> str:
    from tests.team_postgres import fresh_database

    database = stack.enter_context(fresh_database(conninfo))
    setup_team(database)
    return database


def propagation(conninfo: str, *, desks: int, events: int) -> dict:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="togadesk-team-bench-") as folder:
        database = _team_database(conninfo, stack)
        listeners = [_Listener(database, Path(folder), f"desk{i}") for i in range(desks)]
        try:
            deadline = time.monotonic() + 30
            while not all(listener.sync.online for listener in listeners) and time.monotonic() < deadline:
                time.sleep(0.05)
            publisher = TeamRegistry(database, agent="publisher")
            tickets: list[Ticket] = make_tickets(events, seed=11)
            sent: dict[int, float] = {}
            for ticket in tickets:
                sent[ticket.ticket_number] = time.perf_counter()
                publisher.publish(ENV, ticket, datetime.now(UTC))
                time.sleep(0.01)  # a desk's pace, not a bulk load
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(len(li.arrived) < events for li in listeners):
                time.sleep(0.05)
            delays = [(listener.arrived[n] - at) * 1000 for listener in listeners for n, at in sent.items()
                      if n in listener.arrived]
            missing = desks * events - len(delays)
            publisher.close()
        finally:
            for listener in listeners:
                listener.close()
    delays.sort()
    return {"name": f"team propagation, {desks} listening desks", "events": events, "desks": desks,
            "p50_ms": statistics.median(delays), "p95_ms": delays[int(len(delays) * 0.95) - 1],
            "max_ms": delays[-1], "missing": missing}


def catch_up(conninfo: str, *, tickets: int) -> dict:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="togadesk-team-bench-") as folder:
        database = _team_database(conninfo, stack)
        with TeamRegistry(database, agent="colleague") as colleague:
            started = time.perf_counter()
            for ticket in make_tickets(tickets, seed=12):
                colleague.publish(ENV, ticket, datetime.now(UTC))
            published_s = time.perf_counter() - started
        store = LocalStore(Path(folder) / "away.sqlite3")
        try:
            sync = TeamSync(TeamRegistry(database, agent="away"), TicketRepository(store, "bench"), ENV)
            started = time.perf_counter()
            taken = sync.catch_up()
            took = time.perf_counter() - started
            listed = store.ticket_count("bench")
            sync.stop()
        finally:
            store.close()
    return {"name": f"team catch-up, {tickets:,} changed tickets", "tickets": tickets, "taken": taken,
            "listed": listed, "seconds": took, "published_s": published_s}


def bench_team(quick: bool) -> list[dict] | None:
    with ExitStack() as stack:
        conninfo = _server(stack)
        if conninfo is None:
            print("team: skipped, no PostgreSQL here (install Debian's postgresql or set TOGADESK_TEST_POSTGRES)")
            return None
        from tests.benchmarks.team_list import bench_team_list
        from tests.benchmarks.team_search import bench_search

        return [propagation(conninfo, desks=5 if quick else 20, events=20 if quick else 200),
                catch_up(conninfo, tickets=500 if quick else 10_000),
                bench_search(conninfo, 20_000 if quick else 1_000_000, 50 if quick else 200),
                bench_team_list(conninfo, tickets=2_000 if quick else 100_000, runs=1 if quick else 3,
                                timeout=120 if quick else 900)]
