"""One desk's link to its team: what the desk learns is published, what colleagues publish is taken in.

No Qt. Both directions go through the environment's ticket owner (``gui.tickets``): a copy from
the registry is accepted only if it was fetched after the one the desk holds, and a ticket the
agent removed stays removed. The local SQLite store stays what the desk paints from and works
from: when the team database is down, copies to publish wait here (the newest per ticket) and
are sent when it is back; the event log, read from a cursor kept in the local store, tells what
was missed meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ..api import Ticket

if TYPE_CHECKING:
    from ..relay.health import RelayStatus
from ..tickets import TicketRepository
from .errors import TeamError
from .registry import Assignment, Presence, TeamRegistry

log = logging.getLogger(__name__)

PAGE = 500
RETRY_S = 5.0  # a lost team database is tried again this often
THREAD_NAME = "togadesk-team"
STOP_WITHIN_S = 0.1  # the listener looks at its stop flag this often (quitting waits for it)


class TeamSync:
    """``env`` is the vendor server's key in the registry (its URL): every desk of the team on that server
    shares it. Publishing may be called from any worker; ``catch_up`` from one worker at a time."""

    def __init__(self, registry: TeamRegistry, tickets: TicketRepository, env: str, *, retry_s: float = RETRY_S):
        self.registry = registry
        self.retry_s = retry_s
        self.relay_stale_s: float | None = None  # a relay's row older than this is a dead relay (None: its default)
        self.tickets = tickets
        self.env = env
        self._team = registry.where  # whose cursor: one per team database
        self._lock = threading.Lock()
        self._catching_up = threading.Lock()
        self._waiting: dict[int, tuple[Ticket, datetime]] = {}  # to publish when the database answers again
        self.online = False
        self.last_error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._presence_woke: Callable[[int], None] | None = None
        self.name = ""  # the agent's name as colleagues see it in presence ("Jane Doe is replying")

    # ------------------------------------------------------------ publishing

    def publish(self, ticket: Ticket, fetched_at: datetime) -> None:
        """What this desk fetched from the vendor, for the team. Never raises: offline, it waits here."""
        with self._lock:
            held = self._waiting.get(ticket.ticket_number)
            if held is None or held[1] < fetched_at:
                self._waiting[ticket.ticket_number] = (ticket, fetched_at)
            if not self.online:
                return  # the listener's reconnect sends it
        self.flush()

    def missing(self, number: int, observed_at: datetime) -> None:
        """The vendor answered 404 for a ticket: the team's copy is marked (kept) if the team knows it."""
        if not self.online:
            return
        try:
            self.registry.mark_missing(self.env, number, observed_at)
        except TeamError as error:
            self._offline(error)

    def flush(self) -> int:
        """Sends what waits; returns how many copies still wait (the database went away meanwhile)."""
        with self._lock:
            batch = sorted(self._waiting.items())
        for number, (ticket, fetched_at) in batch:
            try:
                self.registry.publish(self.env, ticket, fetched_at)
            except TeamError as error:
                self._offline(error)
                break
            with self._lock:
                if self._waiting.get(number, (None, None))[1] == fetched_at:
                    del self._waiting[number]
        return self.waiting

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    # ------------------------------------------------------------ taking in

    def catch_up(self) -> int:
        """Reads the event log from this desk's cursor and takes in each changed ticket's newest copy;
        returns how many copies the desk took. A first catch-up (cursor 0) pages through the team's tickets
        (listed as read) from the log's head taken before, so what changes meanwhile still comes as events."""
        with self._catching_up:
            store = self.tickets.store
            cursor = store.team_cursor(self.tickets.env, self._team)
            first = cursor == 0
            taken = 0
            if first:  # the whole log could be millions of events: list the tickets instead, then follow the log
                cursor = self.registry.head(self.env)
                after, stored = -1, set()
                while page := self.registry.tickets(self.env, after, PAGE):
                    taken += self.tickets.accept_published_many(
                        [(k.ticket, k.fetched_at) for k in page], seen=True,
                        assignees={k.number: k.assignee for k in page if k.assignee}, quiet=stored)
                    after = page[-1].number
                store.save_team_cursor(self.tickets.env, self._team, cursor)
                self.tickets.relisted(stored)  # the list reads them once, not once a page
            while True:
                events, after = self.registry.events_after(self.env, cursor, PAGE)
                if not events:
                    break
                numbers = list(dict.fromkeys(e.number for e in events if e.kind in ("added", "changed")))
                copies = [(k.ticket, k.fetched_at) for k in self.registry.snapshots(self.env, numbers)]
                assignees = {e.number: e.assignee for e in events if e.kind == "assigned"}  # the last one counts
                taken += self.tickets.accept_published_many(copies, seen=first, assignees=assignees)
                cursor = after
                store.save_team_cursor(self.tickets.env, self._team, cursor)
            return taken

    def search(self, text: str) -> int:
        """The registry's tickets matching ``text`` (number, name, e-mail, phone digits, subject, message) join
        this desk's list; returns how many were new here. Never raises (offline: nothing found)."""
        try:
            found = self.registry.search(self.env, text)
        except TeamError as error:
            self._offline(error)
            return 0
        return sum(self.tickets.accept_published(known.ticket, known.fetched_at, seen=True) is not None
                   for known in found)

    def assign(self, number: int, to: str | None, expected: str | None) -> Assignment:
        """Gives the ticket to ``to`` (None: releases it) if ``expected`` still has it; the list shows the
        outcome at once (colleagues hear of it through the log). Raises TeamError when offline."""
        try:
            outcome = self.registry.assign(self.env, number, to, expected=expected)
        except TeamError as error:
            self._offline(error)
            raise
        if outcome.known:
            self.tickets.assigned(number, outcome.assignee)
        return outcome

    def set_presence(self, number: int | None, state: str, ttl_s: float) -> bool:
        """Where this desk is (a heartbeat); False when the team database did not take it. Never raises."""
        if not self.online:
            return False
        try:
            self.registry.set_presence(self.env, number, state, name=self.name, ttl_s=ttl_s)
        except TeamError as error:
            self._offline(error)
            return False
        return True

    def presence(self) -> list[Presence]:
        """Who is on which ticket now, this desk included; [] when the team database cannot say."""
        try:
            return self.registry.presence(self.env)
        except TeamError as error:
            self._offline(error)
            return []

    def relay(self) -> RelayStatus | None:
        """The team's relay polling this server's tickets, or None (none alive, or the database is away)."""
        from ..relay.health import polling_relay  # here: only a team desk asks

        try:
            if self.relay_stale_s is not None:
                return polling_relay(self.registry, self.env, stale_after=self.relay_stale_s)
            return polling_relay(self.registry, self.env)
        except TeamError as error:
            self._offline(error)
            return None

    def teammates(self) -> list[str]:
        """Agents seen lately in the team's log (for "Give to..."); [] when offline."""
        try:
            return self.registry.teammates(self.env)
        except TeamError as error:
            self._offline(error)
            return []

    def history(self, ticket: Ticket) -> list:
        """The requester's other tickets in the registry (same e-mail or phone); [] when it cannot answer."""
        try:
            return self.registry.history(self.env, ticket.email_address, ticket.phone_number,
                                         exclude=ticket.ticket_number)
        except TeamError as error:
            self._offline(error)
            return []

    def take_in(self) -> tuple[int, str]:
        """``catch_up`` for a worker: (copies taken, the problem in words or ''); never raises."""
        try:
            return self.catch_up(), ""
        except TeamError as error:
            self._offline(error)
            return 0, str(error)

    # ------------------------------------------------------------ the listener

    def start(self, woke: Callable[[], None], presence_woke: Callable[[int], None] | None = None) -> None:
        """Listens on a thread of its own; ``woke()`` (from that thread) whenever something may have changed:
        the caller then runs ``catch_up`` on a worker. ``presence_woke(number)``: someone came to, left or
        started replying to that ticket (read ``presence``)."""
        self._presence_woke = presence_woke
        self._thread = threading.Thread(target=self._listen, args=(woke,), name=THREAD_NAME, daemon=True)
        self._thread.start()

    def _listen(self, woke: Callable[[], None]) -> None:
        while not self._stop.is_set():
            ready, ended = threading.Event(), threading.Event()
            watcher = threading.Thread(target=self._when_ready, args=(ready, ended, woke),
                                       name=THREAD_NAME + "-ready", daemon=True)
            watcher.start()
            try:
                self.registry.listen(lambda _event_id: woke(), self._stop, ready=ready, poll=STOP_WITHIN_S,
                                     on_presence=self._presence_woke)
            except TeamError as error:
                self._offline(error)
                woke()  # the desk says so now, not at its next look
            finally:
                ended.set()
                ready.set()  # let the watcher end
            watcher.join(1.0)
            self._stop.wait(self.retry_s)

    def _when_ready(self, ready: threading.Event, ended: threading.Event, woke: Callable[[], None]) -> None:
        """Once listening, nothing can be missed: publish what waited, then catch up from the cursor."""
        ready.wait()
        if self._stop.is_set() or ended.is_set():
            return
        with self._lock:
            self.online, self.last_error = True, ""
        log.info("Team database %s: connected", self.registry.where)
        self.flush()
        woke()

    def _offline(self, error: TeamError) -> None:
        with self._lock:
            was, self.online, self.last_error = self.online, False, str(error)
        if was:
            log.warning("Team database offline: %s", str(error))

    def stop(self) -> None:
        """Ends the listener within a second; what still waits is not sent (it is fetched again next time)."""
        self._stop.set()
        self.registry.close()

    def join(self, timeout: float = 2.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
