"""Live team figures for run.py's ``relay`` group: a vendor webhook reaching every desk, and presence.

- Webhook to every desk: the sandbox changes a ticket and posts its webhook to a real relay (in this
  process, its own threads and HTTP listener), which fetches the ticket with a signed GET and writes it
  to the registry; N listening desks (each its own TeamSync, ticket owner and SQLite store) take it in.
  p50/p95 over every (change, desk) pair, from the vendor's change to the copy stored at the desk.
- Presence: one desk starts replying (``set_presence``), another desk's listener hears the NOTIFY and
  reads who is on the ticket: p50/p95 from the first desk's call to the second desk seeing "replying".

Uses the PostgreSQL in TOGADESK_TEST_POSTGRES or a throwaway cluster, as team.py does; None without one.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.relay.app import Relay
from gui.relay.health import polling_relay
from gui.sandbox import SandboxServer
from gui.store import LocalStore
from gui.team import TeamRegistry
from gui.team.sync import TeamSync
from gui.tickets import Relisted, TicketRepository
from tests.benchmarks.team import _server, _team_database
from tests.team_postgres import free_port

WEBHOOK_TARGET_P95_MS = 500.0
PRESENCE_TARGET_P95_MS = 1000.0


class _Desk:
    """A listening desk of the sandbox's environment: when its copy of a ticket changes, and presence."""

    def __init__(self, conninfo: str, env: str, folder: Path, name: str):
        self.store = LocalStore(folder / f"{name}.sqlite3")
        self.owner = TicketRepository(self.store, "bench")
        self.sync = TeamSync(TeamRegistry(conninfo, agent=name), self.owner, env)
        self.changed: dict[tuple[int, str], float] = {}  # (ticket, status) -> when it was stored here
        self.replying: dict[int, float] = {}  # ticket -> when this desk saw a colleague replying on it
        self.owner.subscribe(self._heard)
        self._wake, self._presence_wake, self._stop = threading.Event(), threading.Event(), threading.Event()
        self._workers = [threading.Thread(target=self._take_in, daemon=True),
                         threading.Thread(target=self._read_presence, daemon=True)]
        for worker in self._workers:
            worker.start()
        self.sync.start(self._wake.set, lambda _number: self._presence_wake.set())

    def _heard(self, event) -> None:
        rows = [getattr(event, "row", None)]
        if isinstance(event, Relisted):  # a first catch-up is told in one go (the list is read again)
            rows = [self.store.row("bench", number) for number in event.numbers]
        for row in rows:
            if row is not None:
                self.changed.setdefault((row.number, row.status), time.perf_counter())

    def _take_in(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(0.2):
                self._wake.clear()
                self.sync.take_in()

    def _read_presence(self) -> None:
        while not self._stop.is_set():
            if self._presence_wake.wait(0.2):
                self._presence_wake.clear()
                for presence in self.sync.presence():
                    if presence.state == "replying" and presence.agent != self.sync.registry.agent:
                        self.replying.setdefault(presence.number, time.perf_counter())

    def close(self) -> None:
        self._stop.set()
        self.sync.stop()
        self.sync.join()
        for worker in self._workers:
            worker.join(2)
        self.store.close()


def _percentiles(name: str, delays: list[float], missing: int, target: float, **extra) -> dict:
    delays.sort()
    return {"name": name, "p50_ms": statistics.median(delays) if delays else float("nan"),
            "p95_ms": delays[max(0, int(len(delays) * 0.95) - 1)] if delays else float("nan"),
            "max_ms": delays[-1] if delays else float("nan"), "missing": missing, "target_p95_ms": target, **extra}


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)  # another thread's (and process's) work: looked at, not waited on by signal


def webhook_to_desks(conninfo: str, *, desks: int, changes: int) -> dict:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="togadesk-relay-bench-") as folder:
        database = _team_database(conninfo, stack)
        port = free_port()
        sandbox = stack.enter_context(SandboxServer(webhook_url=f"http://127.0.0.1:{port}/toga/webhook"))
        relay = Relay(database, sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, port=port).start()
        stack.callback(relay.stop)
        listening = [_Desk(database, sandbox.url, Path(folder), f"desk{i}") for i in range(desks)]
        try:
            _wait(lambda: all(desk.sync.online for desk in listening))
            _wait(lambda: polling_relay(listening[0].sync.registry, sandbox.url) is not None)  # the relay is up
            numbers = sandbox.store.ticket_numbers()
            changed: dict[tuple[int, str], float] = {}
            with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as vendor:
                for i in range(changes):
                    number = numbers[i % len(numbers)]
                    now = sandbox.store.ticket(number)["status"]
                    status = next(s for s in ("OPEN", "REVIEW", "AWAITING_USER") if s != now)  # a real change
                    started = time.perf_counter()
                    vendor.update_ticket(number, status=status)  # the vendor posts its webhook after this
                    changed[(number, status)] = started
                    time.sleep(0.05)  # an agent's pace across the team, not a bulk load
            _wait(lambda: all(len(desk.changed.keys() & changed.keys()) == len(changed) for desk in listening))
            delays = [(desk.changed[key] - at) * 1000 for desk in listening for key, at in changed.items()
                      if key in desk.changed]
            missing = desks * len(changed) - len(delays)
        finally:
            for desk in listening:
                desk.close()
    return _percentiles(f"webhook to every desk, {desks} desks (relay, signed GET, registry, NOTIFY)", delays,
                        missing, WEBHOOK_TARGET_P95_MS, changes=changes, desks=desks)


def presence(conninfo: str, *, trials: int) -> dict:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="togadesk-presence-bench-") as folder:
        database = _team_database(conninfo, stack)
        env = "https://presence-bench.example"
        typing, watching = (_Desk(database, env, Path(folder), name) for name in ("typing", "watching"))
        try:
            _wait(lambda: typing.sync.online and watching.sync.online)
            delays: list[float] = []
            for number in range(1, trials + 1):
                started = time.perf_counter()
                typing.sync.set_presence(number, "replying", 15.0)  # the first key in the composer
                _wait(lambda n=number: n in watching.replying, timeout=5.0)
                if number in watching.replying:
                    delays.append((watching.replying[number] - started) * 1000)
            missing = trials - len(delays)
        finally:
            typing.close()
            watching.close()
    return _percentiles("presence: a colleague starts replying, another desk shows it", delays, missing,
                        PRESENCE_TARGET_P95_MS, trials=trials)


def bench_team_live(quick: bool) -> list[dict] | None:
    with ExitStack() as stack:
        conninfo = _server(stack)
        if conninfo is None:
            print("  (no PostgreSQL here: install Debian's postgresql or set TOGADESK_TEST_POSTGRES)")
            return None
        return [webhook_to_desks(conninfo, desks=5 if quick else 20, changes=10 if quick else 50),
                presence(conninfo, trials=10 if quick else 100)]


def print_team_live(row: dict) -> None:
    ok = "ok" if row["p95_ms"] <= row["target_p95_ms"] and not row["missing"] else "MISSED"
    print(f"  {row['name']}: p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms, max {row['max_ms']:.0f} ms"
          f" (target p95 < {row['target_p95_ms']:.0f} ms: {ok}); {row['missing']} missing")


if __name__ == "__main__":
    import sys

    for result in bench_team_live("--quick" in sys.argv) or []:
        print_team_live(result)
