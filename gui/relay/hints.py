"""Webhook hints: coalesced per ticket, rate-limited, fetched with a signed GET, published to the registry.

A webhook carries no signature, so it only names a ticket worth fetching; what the vendor answers to
the signed GET is what the team gets. A flood for one ticket costs one GET now and at most one more
after ``per_ticket_s`` (the trailing fetch sees the state the flood ended in); all tickets together
stay within ``rate_per_s``. A hint for a ticket the vendor does not have (404) changes nothing, so a
forged webhook cannot add or hide anything. Hints are dropped, never queued without bound: the
poller catches up on whatever was lost.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..api import ApiError, CancelledError, NotFoundError, Ticket, WebhookEvent
from ..team import TeamError

log = logging.getLogger(__name__)

THREAD_NAME = "togadesk-relay-hints"
PER_TICKET_S = 1.0
RATE_PER_S = 10.0
BURST = 20
MAX_PENDING = 10_000
TRIES = 3
RETRY_S = 2.0


@dataclass
class HintStats:
    """What became of the hints so far (for logs, health and tests)."""

    received: int = 0
    coalesced: int = 0  # named a ticket already waiting for its fetch
    fetched: int = 0
    published: int = 0  # fetches that added or changed something in the registry
    not_found: int = 0
    failed: int = 0
    dropped: int = 0  # too many waiting: left to the poller


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; ``clock`` in seconds."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._tokens = burst
        self._at = clock()

    def wait_time(self) -> float:
        """Seconds until a token is free (0 when one is)."""
        self._refill()
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

    def take(self) -> bool:
        self._refill()
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now


class HintFetcher:
    """``fetch(number)`` is the signed GET (``TogaClient.get_ticket``); ``publish(ticket, fetched_at)``
    stores the answer (``TeamRegistry.publish`` for the relay's env). ``offer`` is called on the
    webhook listener's thread and returns at once; ``workers`` threads do the fetching."""

    def __init__(self, fetch: Callable[[int], Ticket], publish: Callable[[Ticket, datetime], bool], *,
                 per_ticket_s: float = PER_TICKET_S, rate_per_s: float = RATE_PER_S, burst: int = BURST,
                 max_pending: int = MAX_PENDING, workers: int = 2, retry_s: float = RETRY_S) -> None:
        self._fetch, self._publish = fetch, publish
        self.per_ticket_s, self.max_pending, self.retry_s = per_ticket_s, max_pending, retry_s
        self.stats = HintStats()
        self.last_webhook: datetime | None = None
        self._bucket = TokenBucket(rate_per_s, burst)
        self._cond = threading.Condition()
        self._ready: dict[int, float] = {}  # waiting: number -> not before (monotonic)
        self._heap: list[tuple[float, int]] = []  # (not before, number); stale entries skipped
        self._tries: dict[int, int] = {}
        self._busy: set[int] = set()
        self._again: set[int] = set()  # hinted again while its fetch was under way
        self._last_fetch: dict[int, float] = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work, name=f"{THREAD_NAME}-{i}", daemon=True)
                         for i in range(workers)]

    def start(self) -> HintFetcher:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ends the workers; a fetch under way ends when its client is cancelled or answers."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout)

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._ready) + len(self._busy)

    def wait_idle(self, timeout: float) -> bool:
        """Waits until no hint waits or is being fetched; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._ready and not self._busy, timeout)

    def offer(self, event: WebhookEvent) -> None:
        """A validated webhook: its ticket is fetched soon, once however often it is named meanwhile."""
        number = event.ticket_number
        now = time.monotonic()
        with self._cond:
            self.stats.received += 1
            self.last_webhook = datetime.now(UTC)
            if number in self._busy:
                self._again.add(number)
                self.stats.coalesced += 1
                return
            if number in self._ready:
                self.stats.coalesced += 1
                return
            if len(self._ready) >= self.max_pending:
                self.stats.dropped += 1
                return
            self._schedule(number, max(now, self._last_fetch.get(number, -1e18) + self.per_ticket_s))

    def _schedule(self, number: int, at: float) -> None:
        self._ready[number] = at
        heapq.heappush(self._heap, (at, number))
        self._cond.notify()

    def _next(self) -> int | None:
        """The next ticket whose time has come and for which the rate has a token; waits for one."""
        with self._cond:
            while not self._stop.is_set():
                while self._heap and self._ready.get(self._heap[0][1]) != self._heap[0][0]:
                    heapq.heappop(self._heap)  # superseded or taken
                if not self._heap:
                    self._cond.wait(0.5)
                    continue
                at, number = self._heap[0]
                wait = max(at - time.monotonic(), self._bucket.wait_time())
                if wait > 0:
                    self._cond.wait(min(wait, 0.5))
                    continue
                if not self._bucket.take():
                    continue
                heapq.heappop(self._heap)
                del self._ready[number]
                self._busy.add(number)
                return number
            return None

    def _work(self) -> None:
        while (number := self._next()) is not None:
            retry = False
            try:
                retry = self._fetch_one(number)
            except Exception:
                log.exception("Hint for ticket %d failed", number)
            finally:
                self._done(number, retry)

    def _fetch_one(self, number: int) -> bool:
        """True when it should be tried again (the vendor or the database failed)."""
        fetched_at = datetime.now(UTC)  # asked at: orders it against every other copy of the team
        try:
            ticket = self._fetch(number)
        except NotFoundError:
            self.stats.not_found += 1
            log.info("Hint for ticket %d: the vendor does not have it; nothing changed", number)
            return False
        except CancelledError:
            return False
        except ApiError as error:
            self.stats.failed += 1
            log.warning("Hint for ticket %d: the vendor's GET failed (%s)", number, error.message)
            return True
        self.stats.fetched += 1
        try:
            if self._publish(ticket, fetched_at):
                self.stats.published += 1
        except TeamError as error:
            self.stats.failed += 1
            log.warning("Hint for ticket %d: not published (%s)", number, error)
            return True
        return False

    def _done(self, number: int, retry: bool) -> None:
        now = time.monotonic()
        with self._cond:
            self._busy.discard(number)
            self._last_fetch[number] = now
            self._cond.notify_all()  # wait_idle, and workers waiting for this ticket's turn
            if len(self._last_fetch) > 4 * self.max_pending:  # only recent fetches matter
                horizon = now - self.per_ticket_s
                self._last_fetch = {n: t for n, t in self._last_fetch.items() if t >= horizon}
            again = number in self._again
            self._again.discard(number)
            if retry and not again:
                tries = self._tries.get(number, 0) + 1
                if tries >= TRIES:
                    self._tries.pop(number, None)
                    log.info("Hint for ticket %d given up after %d tries; the poller will fetch it", number, tries)
                    return
                self._tries[number] = tries
                self._schedule(number, now + self.retry_s * tries)
                return
            self._tries.pop(number, None)
            if again:
                self._schedule(number, now + self.per_ticket_s)
