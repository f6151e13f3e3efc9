"""The relay's health in the registry (``togadesk.relay``): written by each relay, read by the desks.

Each relay upserts its own row every few seconds: whether it holds the poller's lock (``leader``),
when its poller last ran a round (``last_poll``), when it last received a webhook
(``last_webhook``), and how far behind it is (``lag_seconds``). Ages are measured with the
database's clock, so a desk whose clock is off still judges a relay correctly.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime

import psycopg

from ..services.refresh import RefreshPolicy
from ..team import TeamRegistry

HEARTBEAT_S = 5.0  # a relay writes its row this often
STALE_AFTER_S = 20.0  # a row older than this belongs to a relay that is dead, hung or cut off
# A desk's on-screen poll while a live relay polls (webhooks do the rest): the desk's own policy says it.
DESK_ON_SCREEN_WITH_RELAY_S = RefreshPolicy.relayed_on_screen_s


@dataclass(frozen=True)
class RelayStatus:
    """One relay's row as a desk sees it; ``age_seconds`` is how old the row is by the database's clock."""

    env: str
    relay_id: str
    host: str
    started_at: datetime
    leader: bool
    last_poll: datetime | None
    last_webhook: datetime | None
    lag_seconds: float | None
    updated_at: datetime
    age_seconds: float
    stale_after: float

    @property
    def alive(self) -> bool:
        """It wrote its row within ``stale_after`` seconds."""
        return self.age_seconds <= self.stale_after

    @property
    def polling(self) -> bool:
        """Alive and holding the poller's lock: this relay refreshes the team's tickets."""
        return self.alive and self.leader


def relay_health(registry: TeamRegistry, env: str, *, stale_after: float = STALE_AFTER_S) -> list[RelayStatus]:
    """Every relay that has run for ``env``, the most recently heard first. Qt-free; a desk calls it on
    a worker. Raises ``TeamError`` like any registry call when the database cannot answer."""
    def work(conn: psycopg.Connection) -> list[RelayStatus]:
        rows = conn.execute(
            """SELECT env, relay_id, host, started_at, leader, last_poll, last_webhook, lag_seconds, updated_at,
                      greatest(0, extract(epoch FROM now() - updated_at))::float8
                 FROM togadesk.relay WHERE env = %s ORDER BY updated_at DESC""", (env,)).fetchall()
        return [RelayStatus(*row, stale_after=stale_after) for row in rows]

    return registry._run("read the relay's health", work)


def polling_relay(registry: TeamRegistry, env: str, *, stale_after: float = STALE_AFTER_S) -> RelayStatus | None:
    """The live relay that polls ``env`` for the team, or None. While it returns a relay, a desk polls only
    the ticket on screen, every ``DESK_ON_SCREEN_WITH_RELAY_S``; when it returns None (no relay, or its
    row is older than ``stale_after`` seconds: dead, hung or cut off from the database) the desk falls
    back to its own full polling. Raises ``TeamError`` when the database cannot answer (poll yourself)."""
    return next((status for status in relay_health(registry, env, stale_after=stale_after) if status.polling), None)


class HealthWriter:
    """Upserts this relay's row; ``relay_id`` names the relay (host and port), so a restart reuses its row."""

    def __init__(self, registry: TeamRegistry, env: str, relay_id: str, host: str | None = None) -> None:
        self.registry, self.env, self.relay_id = registry, env, relay_id
        self.host = host if host is not None else socket.gethostname()

    def write(self, *, leader: bool, last_poll: datetime | None, last_webhook: datetime | None,
              lag_seconds: float | None, starting: bool = False) -> None:
        """Raises TeamError when the database cannot take it (the caller logs and goes on)."""
        params = {"env": self.env, "id": self.relay_id, "host": self.host, "leader": leader, "poll": last_poll,
                  "hook": last_webhook, "lag": lag_seconds, "starting": starting}
        self.registry._run("write the relay's health", lambda conn: conn.execute(
            """INSERT INTO togadesk.relay AS r (env, relay_id, host, leader, last_poll, last_webhook, lag_seconds)
                    VALUES (%(env)s, %(id)s, %(host)s, %(leader)s, %(poll)s, %(hook)s, %(lag)s)
               ON CONFLICT (env, relay_id) DO UPDATE
                    SET host = excluded.host, leader = excluded.leader,
                        last_poll = CASE WHEN %(starting)s THEN excluded.last_poll
                                         ELSE coalesce(excluded.last_poll, r.last_poll) END,
                        last_webhook = coalesce(excluded.last_webhook, r.last_webhook),
                        lag_seconds = excluded.lag_seconds, updated_at = now(),
                        started_at = CASE WHEN %(starting)s THEN now() ELSE r.started_at END""", params))
