"""The one owner of ticket state for one environment. No Qt.

Every copy of a ticket that reaches the desk (an open, a background refresh, the fetch
after a reply or a change, a webhook hint) is handed to ``TicketRepository.accept`` with
the ``Fetch`` token taken when its request started. The repository then decides, in one
place, what the list and the open ticket show:

- an answer fetched before the copy it holds, or before a change the agent made, is stale
  and dropped (tokens are ordered; a write raises the floor for its ticket);
- a ticket the agent removed stays removed: refreshes and late answers are dropped until
  the agent opens it again (the removal is kept on disk, so it survives a restart);
- writes to one ticket run one after another in the order they were asked for (a serial
  lane per ticket), so "send and set status" and a status change cannot race;
- every accepted change and every removal goes to the listeners, once: the views follow
  that one stream instead of each answer's own path.

Listeners are called on the thread that made the change (usually a worker), under the owner's
lock so they hear changes in the order they were stored: a listener only takes note (appends to
a queue) and returns.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from .api import CancelledError, Status, Ticket
from .store import Change, JournalEntry, LocalStore, Saved, TicketRow

T = TypeVar("T")


@dataclass(frozen=True)
class Fetch:
    """Taken when a GET is asked for: orders its answer against every other answer and write on this desk;
    ``at`` (wall clock, UTC) orders it against the copies colleagues publish to the team registry."""

    number: int
    sequence: int
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Removed:
    """The agent removed this ticket from the list (the server keeps it)."""

    number: int


@dataclass(frozen=True)
class Relisted:
    """Many tickets were stored at once (a team catch-up): the list is read again rather than patched row
    by row on the UI thread."""

    numbers: frozenset[int]


@dataclass(frozen=True)
class Removal:
    """Tickets the agent removed together, with their stored records: what an Undo lists again."""

    numbers: tuple[int, ...]
    records: tuple[dict[str, Any], ...]


TicketEvent = Saved | Removed | Relisted
RELIST_OVER = 200  # a batch storing more tickets than this is told as one Relisted
Listener = Callable[[TicketEvent], None]


class _Lanes:
    """One FIFO queue per ticket: a write waits until every write asked for before it has finished."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._next: dict[int, int] = {}
        self._serving: dict[int, int] = {}
        self.closed = False

    def reserve(self, number: int) -> int:
        with self._turns:
            turn = self._next.get(number, 0)
            self._next[number] = turn + 1
            return turn

    def wait(self, number: int, turn: int) -> None:
        with self._turns:
            while not self.closed and self._serving.get(number, 0) != turn:
                self._turns.wait()
            if self.closed:
                raise CancelledError("Cancelled: the app is closing or switching server.")

    def release(self, number: int, turn: int) -> None:
        with self._turns:
            self._serving[number] = turn + 1
            if self._serving[number] == self._next.get(number):
                del self._serving[number], self._next[number]  # nothing queued: forget the ticket's lane
            self._turns.notify_all()

    def close(self) -> None:
        with self._turns:
            self.closed = True
            self._turns.notify_all()


class TicketRepository:
    """The local store bound to one environment, and the rules every ticket answer passes through."""

    def __init__(self, store: LocalStore, env: str):
        self.store = store
        self.env = env
        self._lock = threading.Lock()
        self._sequence = itertools.count(1)
        self._floor: dict[int, int] = {}  # number -> answers fetched before this sequence are stale
        self._fetched_at: dict[int, datetime] = {}  # number -> when the copy held was fetched (wall clock)
        # number -> the sequence at removal; removals kept from an earlier run count as older than any fetch now.
        self._removed: dict[int, int] = dict.fromkeys(store.removed(env), 0)
        self._listeners: list[Listener] = []
        self._lanes = _Lanes()

    # ------------------------------------------------------------ listening

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _tell(self, event: TicketEvent) -> None:
        if self._lanes.closed:
            return
        for listener in list(self._listeners):
            listener(event)

    def close(self) -> None:
        """The environment is being left: writes waiting in a lane give up, nobody is told anything more."""
        self._lanes.close()
        self._listeners.clear()

    @property
    def closed(self) -> bool:
        return self._lanes.closed

    # ------------------------------------------------------------ reading

    def rows(self) -> list[TicketRow]:
        """Every listed ticket (read on a connection of its own: call it on a worker for long lists)."""
        return self.store.tickets(self.env)

    def count(self) -> int:
        return self.store.ticket_count(self.env)

    def numbers(self) -> list[int]:
        return self.store.ticket_numbers(self.env)

    def snapshot(self, number: int) -> Ticket | None:
        return self.store.snapshot(self.env, number)

    def row(self, number: int) -> TicketRow | None:
        return self.store.row(self.env, number)

    def first_seen(self, number: int) -> str:
        """When this desk first saw the ticket (ISO 8601 in UTC, '' when not listed): the original message's
        time as far as the desk knows (the API gives none)."""
        return self.store.first_seen(self.env, number)

    def status_of(self, number: int) -> str:
        row = self.row(number)
        return row.status if row else Status.NEW_TICKET.value

    def requester_tickets(self, ticket: Ticket) -> list[TicketRow]:
        """The requester's other tickets this desk knows (same e-mail)."""
        if not ticket.email_address:
            return []
        return self.store.requester_tickets(self.env, ticket.email_address, ticket.ticket_number)

    @property
    def has_removals(self) -> bool:
        return bool(self._removed)

    def is_removed(self, number: int) -> bool:
        return number in self._removed

    # ------------------------------------------------------------ answers

    def begin_fetch(self, number: int) -> Fetch:
        """Call just before the GET leaves."""
        return Fetch(number, next(self._sequence))

    def accept(self, fetch: Fetch, ticket: Ticket, *, seen: bool, join: bool = False,
               created_by: str = "") -> Saved | None:
        """Stores ``ticket`` if it is the newest copy the desk has heard of; None when it was dropped.

        ``seen``: the agent is looking at it (clears unread). ``join``: the agent asked for this ticket
        (opened it by number, filed it), which brings back a ticket removed before the fetch started.
        ``created_by``: the agent filed it on this desk (their e-mail; the "Mine" view shows it).
        """
        number = ticket.ticket_number
        with self._lock:
            if self._lanes.closed or fetch.sequence < self._floor.get(number, 0):
                return None
            removed_at = self._removed.get(number)
            if removed_at is not None:
                if not join or fetch.sequence < removed_at:
                    return None
                del self._removed[number]
                self.store.unremove(self.env, number)
            self._floor[number] = fetch.sequence
            self._fetched_at[number] = max(fetch.at, self._fetched_at.get(number, fetch.at))
            saved = self.store.save_snapshot(self.env, ticket, seen=seen, created_by=created_by)
            self._tell(saved)  # under the lock: listeners hear the changes in the order they were stored
        return saved

    def accept_published(self, ticket: Ticket, fetched_at: datetime, *, seen: bool) -> Saved | None:
        """A copy a colleague fetched at ``fetched_at`` (from the team registry): stored unless this desk holds
        one fetched later, the agent changed the ticket since, or removed it; None when dropped."""
        with self._lock:
            saved = self._take_published(ticket, fetched_at, seen)
            if saved is not None:
                self._tell(saved)
        return saved

    def accept_published_many(self, copies: list[tuple[Ticket, datetime]], *, seen: bool,
                              assignees: dict[int, str | None] | None = None,
                              quiet: set[int] | None = None) -> int:
        """``accept_published`` for a page of copies, in one local transaction; a big page is told as one
        ``Relisted``. ``assignees``: who has each ticket now, as the team's log says (its own order, not the
        copies' fetch times). ``quiet``: nobody is told; the numbers stored are added to it (a first catch-up
        tells one ``relisted`` at its end). Returns how many tickets changed here."""
        taken: dict[int, Saved] = {}
        with self._lock:
            with self.store.batch():
                for ticket, fetched_at in copies:
                    saved = self._take_published(ticket, fetched_at, seen)
                    if saved is not None:
                        taken[saved.row.number] = saved
                for number, assignee in (assignees or {}).items():
                    row = self.store.set_assignee(self.env, number, assignee)
                    if row is not None:
                        saved = taken.get(number)
                        taken[number] = Saved(Change.SAME, row) if saved is None else replace(saved, row=row)
            if quiet is not None:
                quiet.update(taken)
            elif len(taken) > RELIST_OVER:  # told after the commit, still under the lock: in stored order
                self._tell(Relisted(frozenset(taken)))
            else:
                for saved in taken.values():
                    self._tell(saved)
        return len(taken)

    def _take_published(self, ticket: Ticket, fetched_at: datetime, seen: bool) -> Saved | None:
        number = ticket.ticket_number
        if self._lanes.closed or number in self._removed:
            return None
        held = self._fetched_at.get(number)
        if held is not None and held >= fetched_at:
            return None
        self._fetched_at[number] = fetched_at
        self._floor[number] = next(self._sequence)  # answers asked for before this copy arrived are older
        return self.store.save_snapshot(self.env, ticket, seen=seen)

    def relisted(self, numbers: set[int]) -> None:
        """Tickets stored quietly (``accept_published_many(quiet=...)``): the list reads them in one go."""
        if numbers:
            with self._lock:
                self._tell(Relisted(frozenset(numbers)))

    def assigned(self, number: int, assignee: str | None) -> None:
        """The team's registry gave ``number`` to ``assignee`` (None: nobody); the list shows it at once."""
        with self._lock:
            row = self.store.set_assignee(self.env, number, assignee)
            if row is not None:
                self._tell(Saved(Change.SAME, row))

    def wrote(self, number: int) -> None:
        """A change to ``number`` reached the server: every copy fetched before now is out of date."""
        with self._lock:
            self._floor[number] = next(self._sequence)
            self._fetched_at[number] = datetime.now(UTC)  # a colleague's copy from before the change is older

    def mark_read(self, number: int) -> None:
        row = self.row(number)
        if row is None or not row.unread:
            return
        with self._lock:
            self.store.mark_read(self.env, number)
            self._tell(Saved(Change.SAME, self.row(number), ticket=self.snapshot(number)))

    def remove(self, number: int) -> None:
        """Off the list until the agent opens it again; answers already on their way are dropped."""
        with self._lock:
            self._removed[number] = next(self._sequence)
            self.store.remove(self.env, number)
            self._tell(Removed(number))

    # ------------------------------------------------------------ several at once (bulk, local, undoable)

    def set_unread(self, numbers: list[int], unread: bool) -> list[int]:
        """Marks each unread (or read) and tells each change; returns those that changed (what Undo sets back)."""
        with self._lock:
            rows = self.store.set_unread(self.env, [n for n in numbers if n not in self._removed], unread)
            for row in rows:
                self._tell(Saved(Change.SAME, row))
        return [row.number for row in rows]

    def remove_many(self, numbers: list[int]) -> Removal:
        """``remove`` for several in one transaction; the ``Removal`` holds what ``restore`` puts back."""
        with self._lock:
            records = self.store.remove_many(self.env, numbers)
            for number in numbers:
                self._removed[number] = next(self._sequence)
                self._tell(Removed(number))
        return Removal(tuple(numbers), tuple(records))

    def restore(self, removal: Removal) -> list[int]:
        """Undoes ``remove_many``: each ticket is listed again as it was (unread, first seen, its snapshot),
        unless it was opened again meanwhile (its newer row stays). Returns the numbers listed again."""
        with self._lock:
            records = [r for r in removal.records if r.get("number") in self._removed]
            rows = self.store.restore(self.env, records)
            for record in records:
                self._removed.pop(record["number"], None)
            for row in rows:
                self._tell(Saved(Change.SAME, row))
        return [row.number for row in rows]

    # ------------------------------------------------------------ writes

    def in_lane(self, number: int, fn: Callable[..., T]) -> Callable[..., T]:
        """``fn`` wrapped to run in ``number``'s lane, its place in the queue taken now (on the caller's thread)."""
        turn = self._lanes.reserve(number)

        def in_turn(*args: Any, **kwargs: Any) -> T:
            try:
                self._lanes.wait(number, turn)
                return fn(*args, **kwargs)
            finally:
                self._lanes.release(number, turn)

        return in_turn

    # ------------------------------------------------------------ drafts

    def draft(self, kind: str, number: int) -> dict[str, Any] | None:
        return self.store.draft(self.env, kind, number)

    def save_draft(self, kind: str, number: int, fields: dict[str, Any]) -> None:
        self.store.save_draft(self.env, kind, number, fields)

    def delete_draft(self, kind: str, number: int) -> None:
        self.store.delete_draft(self.env, kind, number)


    # ------------------------------------------------------------ the outbox and journal

    def journal_open(self, kind: str, number: int, body: dict[str, Any], *, had: int = 0) -> int:
        return self.store.journal_open(self.env, kind, number, body, had=had)

    def journal_settle(self, entry: int, state: str, outcome: str, *, number: int | None = None) -> None:
        self.store.journal_settle(entry, state, outcome, ticket_number=number)

    def journal(self, *, unsettled: bool = False) -> list[JournalEntry]:
        return self.store.journal(self.env, unsettled=unsettled)
