"""Which relay polls: the one holding a PostgreSQL advisory lock, on a connection of its own.

The lock is a session lock, so it is released by the database the moment the holder's connection
ends, however the holder ends: stopped, crashed, killed. TCP keepalives on that connection (asked
of the server for this session) bound how long a holder cut off without a goodbye keeps it. A
standby tries again every ``retry_s``, so it takes over within a few seconds.

Keys: ``(RELAY_LOCK_CLASS, hashtext(env))``. ``LOCK_CLASS`` itself is taken by the migrations and by
the event log's ordering lock, which a session lock of ours would block, hence a class of its own.
"""

from __future__ import annotations

import contextlib
import logging
import time

import psycopg

from ..team import TeamError, TeamRegistry
from ..team.schema import LOCK_CLASS

log = logging.getLogger(__name__)

RELAY_LOCK_CLASS = LOCK_CLASS + 1
RETRY_S = 1.0
CHECK_S = 2.0  # the leader checks its lock connection this often
KEEPALIVE = ("SET tcp_keepalives_idle = 5", "SET tcp_keepalives_interval = 2", "SET tcp_keepalives_count = 3")


class LeaderElection:
    """Call ``step()`` from one thread (the relay's loop) every tick; it returns whether we lead now."""

    def __init__(self, registry: TeamRegistry, env: str, *, retry_s: float = RETRY_S, check_s: float = CHECK_S):
        self.registry, self.env = registry, env
        self.retry_s, self.check_s = retry_s, check_s
        self.leader = False
        self._conn: psycopg.Connection | None = None
        self._next_try = 0.0
        self._next_check = 0.0
        self.last_error = ""

    def step(self) -> bool:
        """Tries for the lock when due (standby), or checks that the lock's connection still lives (leader)."""
        now = time.monotonic()
        if self.leader:
            if now >= self._next_check:
                self._next_check = now + self.check_s
                if not self._alive():
                    self._lose("the lock's database connection was lost")
            return self.leader
        if now < self._next_try:
            return False
        self._next_try = now + self.retry_s
        try:
            conn = self._connection()
            got = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", (RELAY_LOCK_CLASS, self.env)).fetchone()
        except (psycopg.Error, TeamError) as exc:
            self._forget_connection()
            message = str(exc) if isinstance(exc, TeamError) else self.registry._error(exc, "take the lock").args[0]
            if message != self.last_error:
                log.warning("Relay election: %s", message)
                self.last_error = message
            return False
        self.last_error = ""
        if got and got[0]:
            self.leader = True
            self._next_check = now + self.check_s
            log.info("This relay now polls for %s (it holds the lock)", self.env)
        return self.leader

    def resign(self) -> None:
        """Gives the lock up now (a clean stop), so a standby need not wait for anything."""
        if self._conn is not None and self.leader:
            with contextlib.suppress(psycopg.Error):
                self._conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (RELAY_LOCK_CLASS, self.env))
        self.leader = False
        self._forget_connection()

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            conn = self.registry.connect()
            for statement in KEEPALIVE:
                with contextlib.suppress(psycopg.Error):  # a Unix socket has no TCP keepalives
                    conn.execute(statement)
            self._conn = conn
        return self._conn

    def _alive(self) -> bool:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def _lose(self, why: str) -> None:
        log.warning("This relay stopped polling for %s: %s", self.env, why)
        self.leader = False
        self._forget_connection()

    def _forget_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()
