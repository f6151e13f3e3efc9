"""The team's one poller: the registry's tickets refreshed in the desk's tiers, within one budget.

It drives the desk's own ``RefreshPlanner`` (so the tiers and their promises are the desk's), with a
policy whose budget is the whole team's, and a rate ceiling that spreads a catch-up (after the relay
was down) instead of firing it at the vendor at once. ``clock`` gives seconds since the epoch; the
benchmark passes a simulated one. What it fetches goes to a ``sink`` (the registry, or a count); the
tickets it tracks come from ``track`` and ``forget``, which ``RegistryFeed`` calls from the
registry's event log, so a copy any desk or hint fetched counts as a poll.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Protocol

from ..api import ApiError, CancelledError, NotFoundError, Ticket
from ..services.refresh import RefreshPlanner, RefreshPolicy
from ..team import TeamError
from .hints import TokenBucket

log = logging.getLogger(__name__)

# The team's budget: one request a second on average (five workstations' worth); as on a desk, the
# promise that every open ticket is checked within 30 minutes wins over it when there are many.
RELAY_POLICY = RefreshPolicy(budget_per_hour=3600.0, max_in_flight=4)
MAX_RATE_PER_S = 4.0  # never more than this, whatever is overdue
ROUND_S = 2.0  # a round ends after this long, so the loop's heartbeat and event reading go on
BURST_S = 5.0  # up to this many seconds of the rate may go at once (a loop tick that came late)


class Sink(Protocol):
    def publish(self, ticket: Ticket, fetched_at: datetime) -> bool: ...

    def missing(self, number: int, observed_at: datetime) -> bool: ...


class RegistrySink:
    """Publishes into the team registry for ``env``."""

    def __init__(self, registry, env: str) -> None:
        self.registry, self.env = registry, env

    def publish(self, ticket: Ticket, fetched_at: datetime) -> bool:
        return self.registry.publish(self.env, ticket, fetched_at)

    def missing(self, number: int, observed_at: datetime) -> bool:
        return self.registry.mark_missing(self.env, number, observed_at)


class RelayPoller:
    """``fetch(number)`` is the signed GET. Call ``poll()`` from one thread, every tick."""

    def __init__(self, fetch: Callable[[int], Ticket], sink: Sink, *, policy: RefreshPolicy | None = None,
                 clock: Callable[[], float] = time.time, rng: random.Random | None = None,
                 max_rate_per_s: float = MAX_RATE_PER_S, round_s: float = ROUND_S) -> None:
        self._fetch, self.sink, self.clock = fetch, sink, clock
        self.policy = policy or RELAY_POLICY
        self.rng = rng or random.Random()
        self.planner = RefreshPlanner(self.policy, self.rng)
        self.max_rate_per_s, self.round_s = max_rate_per_s, round_s
        self._bucket = TokenBucket(max_rate_per_s, max(1.0, max_rate_per_s * BURST_S), clock)
        self._deferred: list[int] = []  # handed out by the planner, waiting for the rate
        self._deferred_since = 0.0
        self.requests = 0
        self.last_round: float | None = None  # clock time the last round ended
        self.lag_seconds = 0.0

    def reset(self) -> None:
        """Forgets every ticket (this relay stopped leading; the next leader reads them afresh)."""
        self.planner = RefreshPlanner(self.policy, self.rng)
        self._deferred = []
        self.lag_seconds = 0.0

    def track(self, items: Iterable[tuple[int, str, float | None]]) -> int:
        """Tickets as (number, status, fetched: clock seconds, or None when unknown). Each is due one interval
        after it was fetched (an unknown one at a random point of its interval), so a relay that takes over
        or starts again keeps the schedule, and what went stale while no relay polled is due at once."""
        items = list(items)
        now = self.clock()
        for number, status, _ in items:  # first every status, so the tiers' intervals are those of the whole set
            self.planner.track(number, status, now, fresh=False)
        for number, status, fetched in items:
            if fetched is None:
                fetched = now - self.rng.uniform(0.0, min(self.planner.interval(number, status), 1e9))
            self.planner.track(number, status, min(fetched, now), fresh=True)
        return len(items)

    def forget(self, number: int) -> None:
        self.planner.forget(number)

    @property
    def tracked(self) -> int:
        return self.planner.tracked

    def poll(self) -> int:
        """Fetches what is due now, most overdue first, within the rate and ``round_s``; returns how many.
        What the rate leaves for later stays handed out, so it comes first next round."""
        started = self.clock()
        wall_started = time.monotonic()
        count = 0
        while time.monotonic() - wall_started <= self.round_s:
            if not self._deferred:
                self._deferred = self.planner.due(self.clock())
                self._deferred_since = self.clock()
                if not self._deferred:
                    break
            while self._deferred and self._bucket.take():
                self._one(self._deferred.pop(0))
                count += 1
            if self._deferred:
                break  # the rate's ceiling: the rest next round
        self.last_round = now = self.clock()
        behind = now - self._deferred_since if self._deferred else 0.0
        self.lag_seconds = max(self.planner.paused_for(now), now - started, behind)
        return count

    def _one(self, number: int) -> None:
        asked = self.clock()
        fetched_at = datetime.fromtimestamp(asked, UTC)
        self.requests += 1
        try:
            ticket = self._fetch(number)
        except NotFoundError:
            self.planner.gone(number)
            self._tell(lambda: self.sink.missing(number, fetched_at), number)
            return
        except CancelledError:
            self.planner.finished(number, self.clock(), status=None, ok=False)
            return
        except ApiError as error:
            log.warning("Poll of ticket %d failed: %s", number, error.message)
            self.planner.finished(number, self.clock(), status=None, ok=False)
            return
        status = str(ticket.status) if ticket.status is not None else None
        self.planner.finished(number, self.clock(), status=status, ok=True)
        self._tell(lambda: self.sink.publish(ticket, fetched_at), number)

    @staticmethod
    def _tell(write: Callable[[], object], number: int) -> None:
        try:
            write()
        except TeamError as error:
            log.warning("Ticket %d polled but not stored: %s", number, error)
