"""What the poller tracks, read from the registry: every ticket of the env once, then the event log.

Only numbers, statuses and fetch times are read (no snapshots), so a leader taking over 10,000
tickets reads them in a few pages. The event log then tells, from a cursor, which tickets were
added, changed, fetched by someone else, or found missing.
"""

from __future__ import annotations

import psycopg

from ..team import TeamRegistry
from .poller import RelayPoller

PAGE = 5000


class RegistryFeed:
    def __init__(self, registry: TeamRegistry, env: str, poller: RelayPoller) -> None:
        self.registry, self.env, self.poller = registry, env, poller
        self.cursor = 0

    def load(self) -> int:
        """Tracks every ticket the team knows (not those the vendor answered 404 for); returns how many.
        The cursor is taken first, so what changes while it reads comes as events."""
        self.cursor = self.registry.head(self.env)
        after, total = -1, 0
        while True:
            rows = self.registry._run("list the team's tickets", lambda conn, after=after: conn.execute(
                """SELECT number, coalesce(status, ''), fetched_at FROM togadesk.ticket
                    WHERE env = %s AND number > %s AND NOT vendor_missing ORDER BY number LIMIT %s""",
                (self.env, after, PAGE)).fetchall())
            if not rows:
                return total
            total += self.poller.track((number, status, fetched.timestamp()) for number, status, fetched in rows)
            after = rows[-1][0]

    def sync(self) -> int:
        """Takes in the events after the cursor; returns how many tickets they named."""
        def work(conn: psycopg.Connection) -> list[tuple]:
            return conn.execute(
                """SELECT e.id, t.number, coalesce(t.status, ''), t.fetched_at, t.vendor_missing
                     FROM togadesk.event e JOIN togadesk.ticket t ON t.env = e.env AND t.number = e.number
                    WHERE e.env = %s AND e.id > %s ORDER BY e.id LIMIT 1000""", (self.env, self.cursor)).fetchall()

        named = 0
        while rows := self.registry._run("read the event log", work):
            latest: dict[int, tuple[str, float, bool]] = {}
            for _, number, status, fetched, missing in rows:
                latest[number] = (status, fetched.timestamp(), missing)
            for number, (_, _, missing) in latest.items():
                if missing:
                    self.poller.forget(number)
            self.poller.track((n, s, f) for n, (s, f, missing) in latest.items() if not missing)
            self.cursor = rows[-1][0]
            named += len(latest)
            if len(rows) < 1000:
                break
        return named
