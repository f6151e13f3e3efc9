"""When to fetch each tracked ticket again: tiers, a load budget, jitter and backoff. No Qt, no clock.

The caller passes ``now`` (seconds, monotonic) so tests can drive an hour in a moment.

Tiers: the ticket on screen every 30 s; active tickets (NEW_TICKET, OPEN, IN_PROGRESS)
every few minutes, stretched when there are many so the whole workstation stays within
its budget of requests per hour, but never beyond 30 minutes; waiting tickets
(AWAITING_USER, REVIEW and statuses we do not know) every 2.5 hours; CLOSED only on demand.
Jitter only ever shortens an interval, so the guarantees hold and workstations drift apart.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

ACTIVE = frozenset({"NEW_TICKET", "OPEN", "IN_PROGRESS"})
CLOSED = "CLOSED"


@dataclass
class RefreshPolicy:
    on_screen_s: float = 30.0
    active_min_s: float = 300.0  # the agent's "refresh every" setting
    active_max_s: float = 1740.0  # 29 min: every open ticket is checked within 30 min, with slack for queueing
    waiting_s: float = 9000.0  # 2.5 h
    budget_per_hour: float = 720.0  # one request every 5 s on average, per workstation
    jitter: float = 0.1  # intervals are shortened by up to this share
    max_in_flight: int = 3
    sweep_in_flight: int = 8  # F5: as many at once as the app has workers
    backoff_start_s: float = 5.0
    backoff_max_s: float = 300.0
    relayed_on_screen_s: float = 120.0  # while the team's relay polls: the ticket on screen, this often

    def active_interval(self, active: int, waiting: int) -> float:
        """The active tier's interval: as short as the setting allows within the budget, at most the cap."""
        shortening = 1.0 - self.jitter / 2  # jitter shortens intervals by this much on average
        budget = self.budget_per_hour * 0.97  # a little headroom for manual opens and retries
        spare = budget - 3600.0 / (self.on_screen_s * shortening) - waiting * 3600.0 / (self.waiting_s * shortening)
        if active <= 0:
            return self.active_min_s
        needed = active * 3600.0 / (spare * shortening) if spare > 0 else self.active_max_s
        return min(self.active_max_s, max(self.active_min_s, needed))


@dataclass
class _Entry:
    status: str
    due: float


@dataclass
class RefreshPlanner:
    policy: RefreshPolicy = field(default_factory=RefreshPolicy)
    rng: random.Random = field(default_factory=random.Random)
    _entries: dict[int, _Entry] = field(default_factory=dict)
    _on_screen: int | None = None
    _in_flight: set[int] = field(default_factory=set)
    _failures: int = 0
    _paused_until: float = 0.0
    # How many tracked tickets are active and waiting, kept up to date as tickets come, go and change
    # status: recounting all of them per ticket made tracking 10,000 tickets at start-up take 6 s.
    _active: int = 0
    _waiting: int = 0
    # F5: every ticket once, the one on screen first, handed out in order (no scan of all tickets per answer).
    _sweep: deque[int] = field(default_factory=deque)
    _sweeping: set[int] = field(default_factory=set)  # taken from the sweep, not answered yet
    # The team's relay polls every ticket (and webhooks reach it): only the one on screen is fetched here.
    relayed: bool = False

    # ------------------------------------------------------------ what we track

    def track(self, number: int, status: str, now: float, *, fresh: bool = True) -> None:
        """Adds or updates a ticket; ``fresh`` when we just fetched it (else it is due at once)."""
        entry = self._entries.get(number)
        if entry is None:
            self._entries[number] = entry = _Entry(status, now)
            self._count(status, +1)
        elif entry.status != status:
            self._set_status(entry, status)
        entry.due = self._next(number, status, now) if fresh else now

    def forget(self, number: int) -> None:
        """Never fetched again (a sweep under way skips it too)."""
        entry = self._entries.pop(number, None)
        self._sweeping.discard(number)
        if entry is not None:
            self._count(entry.status, -1)

    @property
    def tracked(self) -> int:
        return len(self._entries)

    def tracks(self, number: int) -> bool:
        return number in self._entries

    def status_of(self, number: int) -> str | None:
        """The status the plan knows for a tracked ticket; None when it is not tracked."""
        entry = self._entries.get(number)
        return entry.status if entry is not None else None

    def set_on_screen(self, number: int | None, now: float) -> None:
        self._on_screen = number
        if number in self._entries:
            self._entries[number].due = min(self._entries[number].due, now + self.policy.on_screen_s)

    def spread(self, now: float) -> None:
        """At start: each ticket due at a random point within its interval, not all at once."""
        for number, entry in self._entries.items():
            interval = self.interval(number, entry.status)
            if interval != float("inf"):
                entry.due = now + self.rng.uniform(0.0, interval)
            else:
                entry.due = float("inf")

    def catch_up(self, now: float, within: float = 60.0) -> None:
        """After sleep or an outage: every ticket that is not closed soon, spread over ``within`` seconds."""
        for number, entry in self._entries.items():
            if entry.status == CLOSED:
                continue
            entry.due = min(entry.due, now if number == self._on_screen else now + self.rng.uniform(0.0, within))
        self.clear_backoff()

    def set_relayed(self, relayed: bool, now: float) -> None:
        """A relay started or stopped polling for the team. When it stops, what it would have fetched is
        caught up within a minute, not all at once."""
        if relayed == self.relayed:
            return
        self.relayed = relayed
        if not relayed:
            self.catch_up(now)
        elif self._on_screen in self._entries:
            self._entries[self._on_screen].due = min(self._entries[self._on_screen].due,
                                                     now + self.policy.relayed_on_screen_s)

    def clear_backoff(self) -> None:
        self._paused_until = 0.0
        self._failures = 0

    def gone(self, number: int) -> None:
        """The server does not know this ticket (404): stop asking, and do not blame the network."""
        self._in_flight.discard(number)
        self.forget(number)

    def everything_now(self, now: float) -> None:
        """F5: every ticket (closed too) once, the one on screen first, up to ``sweep_in_flight`` at a time."""
        for entry in self._entries.values():
            entry.due = now
        numbers = sorted(self._entries)
        if self._on_screen in self._entries:
            numbers.remove(self._on_screen)
            numbers.insert(0, self._on_screen)
        self._sweep = deque(numbers)
        self._sweeping = set()
        self.clear_backoff()

    @property
    def sweeping(self) -> bool:
        """An F5 is under way: tickets are queued for it or still being fetched for it."""
        return bool(self._sweep or self._sweeping)

    def abandon_sweep(self) -> int:
        """Stops an F5 (the server is failing); returns how many tickets it had not fetched. They stay due,
        so the normal schedule fetches them once the backoff ends."""
        left = len(self._sweep) + len(self._sweeping)
        self._sweep.clear()
        self._sweeping.clear()
        return left

    # ------------------------------------------------------------ the schedule

    def due(self, now: float) -> list[int]:
        """The tickets to fetch now, at most the free concurrency, most overdue first."""
        if now < self._paused_until:
            return []
        if self.sweeping:
            return self._from_sweep(self.policy.sweep_in_flight - len(self._in_flight))
        free = self.policy.max_in_flight - len(self._in_flight)
        if free <= 0:
            return []
        if self.relayed:
            entry = self._entries.get(self._on_screen)
            if entry is None or entry.due > now or self._on_screen in self._in_flight:
                return []
            self._in_flight.add(self._on_screen)
            return [self._on_screen]
        ready = [(number != self._on_screen, entry.due, number) for number, entry in self._entries.items()
                 if entry.due <= now and number not in self._in_flight]
        ready.sort()  # the ticket on screen first, then the most overdue
        chosen = [number for _, _, number in ready[:free]]
        self._in_flight.update(chosen)
        return chosen

    def _from_sweep(self, free: int) -> list[int]:
        chosen: list[int] = []
        while self._sweep and len(chosen) < free:
            number = self._sweep.popleft()
            if number in self._in_flight:
                self._sweeping.add(number)  # asked for already: the sweep waits for that answer
            elif number in self._entries:
                chosen.append(number)
        self._in_flight.update(chosen)
        self._sweeping.update(chosen)
        return chosen

    def finished(self, number: int, now: float, *, status: str | None, ok: bool) -> None:
        """Records the answer: the next due time on success, backoff for everyone on failure."""
        self._in_flight.discard(number)
        self._sweeping.discard(number)
        entry = self._entries.get(number)
        if ok:
            self._failures = 0
            self._paused_until = 0.0
            if entry is not None:
                if status and status != entry.status:
                    self._set_status(entry, status)
                entry.due = self._next(number, entry.status, now)
            return
        self._failures += 1
        pause = min(self.policy.backoff_max_s, self.policy.backoff_start_s * 2 ** (self._failures - 1))
        self._paused_until = now + pause
        if entry is not None:
            entry.due = now + pause

    @property
    def backing_off(self) -> bool:
        return self._failures > 0

    def paused_for(self, now: float) -> float:
        return max(0.0, self._paused_until - now)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def interval(self, number: int, status: str) -> float:
        p = self.policy
        if number == self._on_screen:
            return p.relayed_on_screen_s if self.relayed else p.on_screen_s
        if status == CLOSED:
            return float("inf")
        if status in ACTIVE:
            return p.active_interval(self._active, self._waiting)
        return p.waiting_s

    def _count(self, status: str, step: int) -> None:
        if status in ACTIVE:
            self._active += step
        elif status != CLOSED:
            self._waiting += step

    def _set_status(self, entry: _Entry, status: str) -> None:
        self._count(entry.status, -1)
        entry.status = status
        self._count(status, +1)

    def _next(self, number: int, status: str, now: float) -> float:
        interval = self.interval(number, status)
        return now + interval * (1.0 - self.rng.uniform(0.0, self.policy.jitter))
