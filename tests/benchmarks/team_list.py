"""The team's list at scale: a desk of a team whose registry holds ``tickets`` tickets, in real app processes.

    python tests/benchmarks/team_list.py [--tickets 100000] [--runs 3]

One sandbox process holds the tickets (as the vendor would); the team registry holds the same tickets
and an 'added' event for each (bulk-loaded with COPY, as if desks had published them over months).
Each desk is ``main.py --demo --server SANDBOX [--team REGISTRY] --data-dir DIR`` started in a process
of its own through this file's launcher, which watches the main window as startup.py does and prints:

- ``FIRST_PAINT t``: the main window's first frame (as startup.py detects it);
- ``LIST_PAINT t rows``: the first frame painted once the list holds ``rows`` tickets (the list is read
  on a worker after the first paint, so this is when the agent sees the whole list);
- ``PROGRESS t rows`` every second until then, and with ``filter`` the keystroke times as ``FILTER {json}``.

Measured, in this order, beside the same desk without ``--team`` (the solo desk) in the same run:
(c) the first start of a fresh desk with ``--team``: time until its list holds every ticket (its first
catch-up reads the whole log from cursor 0), and the same catch-up in this process with the time split
between reading the log, reading the snapshots and storing them; (a) that desk started again (its cache
holds them all): first paint and whole list painted; (b) typing in its filter box at an agent's pace,
per keystroke the filter and repaint (with --team the registry is searched too once typing pauses).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.startup import MARK, isolated_env  # noqa: E402

LIST_MARK = "LIST_PAINT"
PROGRESS_MARK = "PROGRESS"
FILTER_MARK = "FILTER"
TYPING_GAP_MS = 120  # between keystrokes, as run.py's list benchmark types
PAUSE_MS = 700  # after each word: the desk's team search (250 ms after typing stops) runs and answers


# ------------------------------------------------------------------ the launcher (in the desk's process)

def _launch(mode: str, rows: int, app_args: list[str]) -> int:
    """``main.py app_args`` as main.py runs it, with a watcher of the main window's paints and list."""
    import main

    args = main.parse_args(app_args)
    main.import_non_qt_layers()
    from gui.app import make_application

    app = make_application(sys.argv[:1])
    _Watcher(app, mode, rows)
    return main.run_app(args)


class _Watcher:
    def __init__(self, app, mode: str, rows: int):
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QMainWindow

        self.app, self.mode, self.rows = app, mode, rows
        self.window = None
        self.first_seen = self.list_due = self.list_seen = False
        watcher = self

        class Paints(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint and watched.isWidgetType() \
                        and isinstance(watched.window(), QMainWindow):
                    watcher.painted(watched.window())
                return False

        self.filter = Paints(app)
        app.installEventFilter(self.filter)
        self.poll = QTimer(app)
        self.poll.setInterval(20)
        self.poll.timeout.connect(self.look)
        self.poll.start()
        self.next_progress = time.time() + 1.0
        self._timer = QTimer

    def painted(self, window) -> None:
        self.window = window
        if not self.first_seen:
            self.first_seen = True
            self._timer.singleShot(0, lambda: print(MARK, repr(time.time()), flush=True))  # after the frame
        if self.list_due and not self.list_seen:
            self.list_seen = True
            self._timer.singleShot(0, self.list_painted)

    def total(self) -> int:
        return self.window.model.total() if self.window is not None else 0

    def look(self) -> None:
        if self.window is None or self.list_due:
            return
        total = self.total()
        if time.time() >= self.next_progress:
            self.next_progress += 1.0
            print(PROGRESS_MARK, repr(time.time()), total, flush=True)
        if total >= self.rows:
            self.list_due = True
            self.poll.stop()
            self.window.update()  # a frame with the whole list, even if no visible row changed

    def list_painted(self) -> None:
        print(LIST_MARK, repr(time.time()), self.total(), flush=True)
        if self.mode == "filter":
            self._timer.singleShot(TYPING_GAP_MS, self.type_words)
        else:
            self.app.quit()

    def type_words(self) -> None:
        """Types each word as an agent does (a keystroke every 120 ms, a pause after the word), timing each
        keystroke's filter and repaint; a 5 ms heartbeat runs meanwhile (what the team's answers cost the UI)."""
        from tests.benchmarks.responsiveness import Heartbeat

        pane = self.window.list_pane
        beat = Heartbeat()
        beat.start()
        times: list[float] = []
        for word in json.loads(os.environ["TOGADESK_BENCH_WORDS"]):
            for end in range(1, len(word) + 1):
                _idle(TYPING_GAP_MS)
                started = time.perf_counter()
                pane.filter_edit.setText(word[:end])  # the pane's debounce would run the filter 60 ms later:
                pane._apply_filter()  # run it now, timed, as the list benchmark calls set_filter
                pane.table.viewport().repaint()
                times.append((time.perf_counter() - started) * 1000)
            _idle(PAUSE_MS)
        beat.stop()
        print(FILTER_MARK, json.dumps({"keystrokes": times, "heartbeat_max_ms": max(beat.lateness),
                                       "shown_last": self.window.model.rowCount()}), flush=True)
        self.app.quit()


def _idle(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


# ------------------------------------------------------------------ the bench (in this process)

def launcher_command(mode: str, rows: int, app_args: Sequence[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "desk", mode, str(rows), "--", *app_args]


def run_desk(command: Sequence[str], env: Mapping[str, str], timeout: float) -> dict:
    """Starts a desk; seconds from process start to each mark, its progress, its filter figures, its CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=dict(env))
    seen: dict = {"progress": []}
    try:
        for line in process.stdout:
            mark, _, rest = line.strip().partition(" ")
            if mark == MARK:
                seen["first_paint_s"] = float(rest) - started
            elif mark == PROGRESS_MARK:
                at, rows = rest.split()
                seen["progress"].append((float(at) - started, int(rows)))
            elif mark == LIST_MARK:
                at, rows = rest.split()
                seen["list_s"], seen["rows"] = float(at) - started, int(rows)
            elif mark == FILTER_MARK:
                seen["filter"] = json.loads(rest)
            if time.time() - started > timeout:
                break
    finally:
        try:
            process.wait(30 if "list_s" in seen else 1)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seen["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if "list_s" not in seen:
        reached = seen["progress"][-1][1] if seen["progress"] else 0
        raise RuntimeError(f"{command!r}: the list never held all its tickets within {timeout:.0f} s "
                           f"({reached:,} listed)")
    return seen


def _sandbox_tickets(path: Path, count: int) -> list[dict]:
    """A sandbox database with ``count`` seeded tickets; their JSON as the vendor answers it."""
    from gui.api import Ticket
    from gui.sandbox.seed import seed
    from gui.sandbox.store import SandboxStore

    store = SandboxStore(str(path))
    try:
        seed(store, tickets=count)
        return [Ticket.from_json(store.ticket(n)).to_json() for n in store.ticket_numbers()]
    finally:
        store.close()


def _load_registry(conninfo: str, env: str, tickets: list[dict]) -> float:
    """The tickets and an 'added' event each, by COPY (the event triggers off: a bulk load, not desks)."""
    import psycopg

    from tests.benchmarks.team_search import copy_tickets

    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        copy_tickets(conn, iter(tickets), env, set(), datetime.now(UTC) - timedelta(hours=1))
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            with conn.cursor() as cur, cur.copy(
                    "COPY togadesk.event (id, env, number, kind, agent) FROM STDIN") as copy:
                for i, ticket in enumerate(tickets, 1):
                    copy.write_row((i, env, ticket["ticketNumber"], "added", "bench"))
            conn.execute("SELECT setval('togadesk.event_id_seq', %s)", (len(tickets),))
        conn.execute("VACUUM ANALYZE togadesk.ticket")
        conn.execute("VACUUM ANALYZE togadesk.event")
    return time.perf_counter() - started


def _catch_up_split(conninfo: str, env: str, folder: Path) -> dict:
    """A fresh desk's first catch-up in this process (no window), each registry read and each local store
    call timed: where its time goes. Beside it, the reference path of reading the whole log from cursor 0
    (each event's snapshot, then one local write per ticket), into another fresh store."""
    from gui.store import LocalStore
    from gui.team import TeamRegistry
    from gui.team.sync import PAGE, TeamSync
    from gui.tickets import TicketRepository

    def timed(spent: dict, name: str, call):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    def instrumented(name: str):
        store = LocalStore(folder / f"{name}.sqlite3")
        registry = TeamRegistry(conninfo, agent=name)
        repository = TicketRepository(store, "demo-sandbox")
        spent: dict[str, float] = {}
        for method in ("head", "tickets", "events_after", "snapshots"):
            setattr(registry, method, timed(spent, f"registry.{method}", getattr(registry, method)))
        for method in ("accept_published", "accept_published_many"):
            if hasattr(repository, method):
                setattr(repository, method, timed(spent, f"store.{method}", getattr(repository, method)))
        return store, registry, repository, spent

    store, registry, repository, spent = instrumented("desk")
    try:
        sync = TeamSync(registry, repository, env)
        started = time.perf_counter()
        taken = sync.catch_up()
        total = time.perf_counter() - started
        sync.stop()
    finally:
        store.close()
    store, registry, repository, log_spent = instrumented("log")
    try:
        started, cursor, log_taken = time.perf_counter(), 0, 0
        while True:
            events, cursor = registry.events_after(env, cursor, PAGE)
            if not events:
                break
            for known in registry.snapshots(env, [e.number for e in events]):
                log_taken += repository.accept_published(known.ticket, known.fetched_at, seen=True) is not None
        log_total = time.perf_counter() - started
        registry.close()
    finally:
        store.close()
    return {"taken": taken, "total_s": total, "spent": spent,
            "log_taken": log_taken, "log_total_s": log_total, "log_spent": log_spent}


def _words(tickets: list[dict]) -> list[str]:
    """What an agent types: a subject word, a surname, an e-mail part, the last 7 digits of a phone."""
    sample = tickets[len(tickets) // 3]
    digits = "".join(c for c in sample["phoneNumber"] if c.isdigit())
    return ["printer", sample["lastName"].lower(), sample["emailAddress"].split("@")[0][:8],
            f"{digits[-7:-4]}-{digits[-4:]}"]


def bench_team_list(server: str, *, tickets: int, runs: int, timeout: float) -> dict:
    from gui.team import setup_team
    from tests.benchmarks.run import start_sandbox, stop_sandbox
    from tests.team_postgres import fresh_database

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="togadesk-team-list-")))
        started = time.perf_counter()
        vendor = _sandbox_tickets(folder / "sandbox.sqlite3", tickets)
        seeded_s = time.perf_counter() - started
        process, url = start_sandbox("--db", str(folder / "sandbox.sqlite3"))
        stack.callback(stop_sandbox, process)
        database = stack.enter_context(fresh_database(server))
        setup_team(database)
        loaded_s = _load_registry(database, url, vendor)
        env = isolated_env(folder / "home")
        env["TOGADESK_BENCH_WORDS"] = json.dumps(_words(vendor))
        desk = folder / "desk"
        solo = ["--demo", "--server", url, "--data-dir", str(desk), "--log-level", "WARNING"]
        team = [*solo, "--team", database]
        count = len(vendor)
        fresh = run_desk(launcher_command("paint", count, team), env, timeout)  # (c): from cursor 0
        split = _catch_up_split(database, url, folder)
        team_starts, solo_starts = [], []
        for _ in range(runs):  # (a), interleaved
            solo_starts.append(run_desk(launcher_command("paint", count, solo), env, 120))
            team_starts.append(run_desk(launcher_command("paint", count, team), env, 120))
        team_filter = run_desk(launcher_command("filter", count, team), env, 300)  # (b)
        solo_filter = run_desk(launcher_command("filter", count, solo), env, 300)

    def median(starts: list[dict], key: str) -> float:
        return statistics.median(s[key] for s in starts)

    def keys(run: dict) -> dict:
        times = sorted(run["filter"]["keystrokes"])
        return {"keystrokes": len(times), "p50_ms": statistics.median(times),
                "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], "max_ms": times[-1],
                "heartbeat_max_ms": run["filter"]["heartbeat_max_ms"]}

    return {
        "name": f"team list, {count:,} tickets", "tickets": count, "runs": runs, "seeded_s": seeded_s,
        "registry_load_s": loaded_s,
        "fresh": {"first_paint_s": fresh["first_paint_s"], "list_s": fresh["list_s"], "cpu_s": fresh["cpu_s"],
                  "progress": fresh["progress"]},
        "catch_up_split": split,
        "team_first_paint_s": median(team_starts, "first_paint_s"), "team_list_s": median(team_starts, "list_s"),
        "solo_first_paint_s": median(solo_starts, "first_paint_s"), "solo_list_s": median(solo_starts, "list_s"),
        "team_filter": keys(team_filter), "solo_filter": keys(solo_filter),
    }


def print_team_list(row: dict) -> None:
    name = row["name"]
    print(f"{name + ': start-up (cache full)':44} first paint median {row['team_first_paint_s'] * 1000:.0f} ms with "
          f"--team vs solo {row['solo_first_paint_s'] * 1000:.0f} ms; whole list painted "
          f"{row['team_list_s'] * 1000:.0f} ms vs solo {row['solo_list_s'] * 1000:.0f} ms over {row['runs']} runs "
          "(start-up target <= 1.5x a bare window, see start-up above)")
    team, solo = row["team_filter"], row["solo_filter"]
    print(f"{name + ': filter':44} per keystroke p50 {team['p50_ms']:.1f} / p95 {team['p95_ms']:.1f} / max "
          f"{team['max_ms']:.1f} ms with --team vs solo p50 {solo['p50_ms']:.1f} / p95 {solo['p95_ms']:.1f} / max "
          f"{solo['max_ms']:.1f} ms over {team['keystrokes']} keystrokes (target p95 < 20); heartbeat max "
          f"{team['heartbeat_max_ms']:.0f} ms with --team vs {solo['heartbeat_max_ms']:.0f} ms solo (target < 50)")
    fresh, split = row["fresh"], row["catch_up_split"]
    rate = row["tickets"] / max(1e-9, fresh["list_s"] - fresh["first_paint_s"])
    print(f"{name + ': first start of a fresh desk':44} first paint {fresh['first_paint_s'] * 1000:.0f} ms, all "
          f"{row['tickets']:,} listed after {fresh['list_s']:.1f} s ({rate:,.0f} tickets/s, desk CPU "
          f"{fresh['cpu_s']:.1f} s; no target)")

    def spent(total: float, parts: dict) -> str:
        return " + ".join(f"{k} {v:.1f} s" for k, v in parts.items()) + f" + rest {total - sum(parts.values()):.1f} s"

    print(f"{'  the same catch-up without a window':44} {split['total_s']:.1f} s for {split['taken']:,} tickets = "
          f"{spent(split['total_s'], split['spent'])}; reference, the whole log from cursor 0 with one local write per "
          f"ticket: {split['log_total_s']:.1f} s = {spent(split['log_total_s'], split['log_spent'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from tests.benchmarks.team import _server

    with ExitStack() as stack:
        server = _server(stack)
        if server is None:
            print("No PostgreSQL: install Debian's postgresql package or set TOGADESK_TEST_POSTGRES.", file=sys.stderr)
            return 1
        print_team_list(bench_team_list(server, tickets=args.tickets, runs=args.runs, timeout=900))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["desk"]:
        mode, rows, dashes, *rest = sys.argv[2:]
        raise SystemExit(_launch(mode, int(rows), rest))
    raise SystemExit(main())
