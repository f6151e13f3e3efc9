"""The ticket list without Qt: rows, sort orders, filter results and their caches.

``TicketIndex`` holds the rows (``TicketRow``) and answers "which rows, in which order" for
the current sort and filter; ``gui.models.ticket_table.TicketTableModel`` is a thin Qt model
over it. Nothing here imports Qt, so it can be used (and tested) on its own and on workers.

At 100,000 rows the loops themselves matter, so no Python code runs per row:

- a row is known by its position in ``base`` (the rows in the order they came in, which is
  also how ties sort); orders and filter results are lists of those positions, with each
  row's search text side by side (``_Seq``); each order has its own int objects, made in its
  order, so that a filter's ``compress`` reads them in sequence;
- sort keys are plain ints or strings made once per column (Python compares those far faster
  than tuples), prepared for every column a slice at a time while the event loop is idle
  (``step()``), and str keys with few distinct values (activity, requester) ranked as ints;
- filtering is ``map(contains, ...)`` into a ``bytes`` mask; the texts an order scans are
  copied side by side in memory (scanning them is then about twice as fast); the positions
  that passed are found a block at a time for the rows a view paints (``_Picked``), the
  whole list made in the next idle step;
- a filter scans the smallest cached result it must be within (typing more of a word, or the
  same text with a status): backspacing and flipping a column back cost nothing;
- one changed, new or removed row is patched into every kept order and result with a binary
  search (no re-sort, no re-scan); the caller learns whether the shown rows stayed in place.
- saved views' counts (``Counting``) never change what is shown: each part of a filter becomes a mask
  of one byte per row, made once for every view that has it and a pass per idle step, combined as
  big ints and counted with ``int.bit_count``.

Measured at 100,000 rows (tests/benchmarks/run.py --only list): the worst keystroke is the
first two-letter one that every row must be searched for (about 10 ms in ``str.__contains__``
alone), a sort 30-80 ms (most of it ``sorted`` and copying the texts side by side).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, and_, attrgetter, contains, eq, lt, mul, not_, sub
from typing import Any

from .store import TicketRow

UNREAD, NUMBER, SUBJECT, REQUESTER, STATUS, PRIORITY, REPLIES, ACTIVITY = range(8)
COLUMNS = 8

STATUS_ORDER = {name: i for i, name in enumerate(
    ("NEW_TICKET", "OPEN", "IN_PROGRESS", "AWAITING_USER", "REVIEW", "CLOSED"))}
PRIORITY_ORDER = {"HIGH": 0, "NORMAL": 1, "LOW": 2}

ORDERS_KEPT = 2  # sorted orders kept (about 13 MB each at 100,000 rows): flipping back and forth is free
RESULTS_KEPT = 24  # filter results kept for the current order: backspacing to an earlier text is free
LAYOUT_SLICE = 5_000  # rows per idle step (laying out texts, preparing keys): 1-2 ms each
PICK_BLOCK = 1_024  # rows per block of a filter result found lazily (see _Picked)
RANKS_WORTH = 8  # str keys are ranked when rows outnumber their distinct values this many times
TRASH_KEPT = 100  # lists let go of that wait for an idle step to free them, at most (about two rebuilds' worth)
COMPACT_AFTER = 1_000  # removed rows whose places are kept before the lists are made afresh (and 1/4 of them)
_SEPARATOR = "\0"


def _status_key(status: str) -> tuple[int, str]:
    return STATUS_ORDER.get(status, 99), status


def _priority_key(priority: str) -> tuple[int, str]:
    return PRIORITY_ORDER.get(priority, 99), priority


# The specification of every sort: the fast keys below must order exactly like these (ties: arrival order).
_SORT_KEYS: dict[int, Callable[[TicketRow], Any]] = {
    UNREAD: lambda r: (not r.unread, -r.number),
    NUMBER: lambda r: r.number,
    SUBJECT: lambda r: r.subject.casefold(),
    REQUESTER: lambda r: (r.requester.casefold(), r.email.casefold()),
    STATUS: lambda r: _status_key(r.status),
    PRIORITY: lambda r: _priority_key(r.priority),
    REPLIES: lambda r: r.replies,
    ACTIVITY: lambda r: r.last_activity,
}

_NUMBER, _SUBJECT, _REQUESTER, _EMAIL, _STATUS, _PRIORITY, _SEARCH, _UNREAD, _PEOPLE, _ASSIGNEE, _ACTIVITY = map(
    attrgetter, ("number", "subject", "requester", "email", "status", "priority", "search", "unread", "people",
                 "assignee", "last_activity"))
_FIELD_OF = {NUMBER: _NUMBER, REPLIES: attrgetter("replies"), ACTIVITY: _ACTIVITY}
_KEYS_OF_THE_WHOLE = (UNREAD, STATUS, PRIORITY)  # keys that depend on every row (a new row: made afresh)
_RANKED = (STATUS, PRIORITY)  # of those, keys that a changed value may invalidate (UNREAD's hang on numbers only)
_RANKABLE = (SUBJECT, REQUESTER, ACTIVITY)  # str keys, often with few distinct values: ranked in idle time
_NO_FILTER = ("", frozenset(), "", "", False, "")

# (text, statuses, priority, person, unread, older than): text stripped and casefolded; statuses shown (empty:
# any), or with EVERY_STATUS_BUT among them the statuses hidden (so "Not closed" shows a status the app does not
# know yet); person as ``store.person`` makes it ("Mine"), or UNASSIGNED (nobody in the team has taken it);
# unread: only unread tickets; older than: only tickets whose last activity is before this time (ISO 8601 in UTC
# as ``TicketRow.last_activity`` holds it, compared as text; '': any time)
Filter = tuple[str, frozenset[str], str, str, bool, str]
UNASSIGNED = "\0unassigned"
EVERY_STATUS_BUT = "\0every status but"
NOT_CLOSED = frozenset({EVERY_STATUS_BUT, "CLOSED"})


def make_filter(text: str = "", status: str | Iterable[str] = "", priority: str = "", person: str = "",
                unread: bool = False, older_than: str = "") -> Filter:
    """A ``Filter`` from its parts as a caller has them (text as typed, one status or several)."""
    return text.strip().casefold(), statuses(status), priority or "", person or "", bool(unread), older_than or ""


def statuses(wanted: str | Iterable[str] | None) -> frozenset[str]:
    """A status filter as the index holds it: one status, several, or none (''/None/empty: any status)."""
    names = frozenset((wanted,) if isinstance(wanted, str) else wanted or ()) - {""}
    return frozenset() if names == {EVERY_STATUS_BUT} else names


def status_passes(status: str, wanted: frozenset[str]) -> bool:
    return not wanted or (status in wanted) is not (EVERY_STATUS_BUT in wanted)


@dataclass(frozen=True)
class Update:
    """What an index operation changed for a view: nothing, one shown row in place, or the shown rows."""

    reset: bool = False
    row: int | None = None  # with reset False: this shown row changed in place (None: nothing shown changed)


NOTHING = Update()
RESET = Update(reset=True)


class _Picked:
    """The positions in ``within`` whose ``mask`` byte is set, as a read-only sequence, without making the
    list at once: a keystroke's view only reads the few rows it paints, found a block at a time (a few
    microseconds); the list is made in an idle step (``full``), or when rows are patched or narrowed."""

    __slots__ = ("_block", "_blocks", "_list", "_mask", "_starts", "_within")

    def __init__(self, within: list[int], mask: bytes):
        self._within, self._mask, self._list, self._block = within, mask, None, PICK_BLOCK
        self._starts = list(accumulate((mask.count(1, start, start + self._block)  # how many set, per block
                                        for start in range(0, len(mask), self._block)), initial=0))
        self._blocks: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return self._starts[-1] if self._list is None else len(self._list)

    def __getitem__(self, at: int) -> int:
        if self._list is not None:
            return self._list[at]
        if not 0 <= at < self._starts[-1]:
            raise IndexError(at)
        block = bisect_right(self._starts, at) - 1
        found = self._blocks.get(block)
        if found is None:
            start, stop = block * self._block, (block + 1) * self._block
            found = self._blocks[block] = list(compress(self._within[start:stop], self._mask[start:stop]))
        return found[at - self._starts[block]]

    def __iter__(self) -> Iterator[int]:
        return iter(self._list) if self._list is not None else compress(self._within, self._mask)

    def full(self) -> list[int]:
        """The whole list (made once); from then on this no longer depends on ``within``."""
        if self._list is None:
            self._list = list(compress(self._within, self._mask))
            self._within, self._mask, self._blocks = [], b"", {}
        return self._list


class _Seq:
    """Rows in one order, as positions in ``TicketIndex.base``, with their search texts side by side.

    A filter result's positions are a ``_Picked`` until made into a list, and its texts are made when
    first needed (``pending``: the texts scanned and the mask).
    """

    __slots__ = ("laid", "pending", "positions", "source", "texts")

    def __init__(self, positions: list[int] | _Picked, texts: list[str] | None = None,
                 pending: tuple[list[str], bytes] | None = None):
        self.positions = positions
        self.texts = texts
        self.pending = pending
        self.laid = 0  # texts[:laid] are copied side by side in memory (orders only) ...
        self.source: list[str] | None = None  # ... and while texts holds only those: every text by position

    def plain(self) -> list[int]:
        """The positions as a list (one that may be changed in place unless it is what a view shows)."""
        if isinstance(self.positions, _Picked):
            self.positions = self.positions.full()
        return self.positions

    def search_texts(self) -> list[str]:
        """Every row's search text, in this order (made now if they were not all made yet)."""
        if self.texts is None:
            texts, mask = self.pending
            self.texts, self.pending = list(compress(texts, mask)), None
        elif self.source is not None:  # the rest as they are, not laid out (yet)
            self.texts += map(self.source.__getitem__, self.positions[len(self.texts):])
            self.source = None
        return self.texts


class TicketIndex:
    """The rows of the ticket list, sorted and filtered; see the module docstring for how.

    Every change returns an ``Update`` for a view. Call ``step()`` while idle as long as ``has_work()``:
    it finishes what a change left for later (and frees what it let go of).
    """

    def __init__(self) -> None:
        self._all: dict[int, TicketRow] = {}
        self.base: list[TicketRow] = []  # every row by position (removed ones keep their place until compacted)
        self._texts: list[str] = []  # their search texts, by position
        self._position: dict[int, int] = {}  # ticket number -> position
        self._live: list[int] = []  # positions of the rows held, ascending
        self._dead = 0  # positions whose row was removed
        self._keys: dict[int, list[Any]] = {}  # column -> sort key by position (a prefix while being prepared)
        # column -> (rank of each distinct key, the keys' ranks by position) where there are few distinct keys
        # (plain ints sort about twice as fast as str), None where there are too many to be worth it
        self._ranks: dict[int, tuple[dict[Any, int], list[int]] | None] = {}
        self._distinct: dict[int, tuple[set[Any], int]] = {}  # column -> (distinct keys, keys seen) while counted
        self._makers: dict[int, Callable[[list[TicketRow]], list[Any]]] = {}  # column -> how keys are made
        self._orders: dict[tuple[int, bool], _Seq] = {}  # kept orders, oldest first
        self._results: dict[Filter, _Seq] = {}  # filter results for the current order (the order itself for none)
        self._order = self._shown = _Seq([], [])
        self._results[_NO_FILTER] = self._order
        self._trash: list[Any] = []  # big lists let go of, freed in idle steps
        self._unread = 0
        self._column = ACTIVITY
        self._descending = True
        self._filter: Filter = _NO_FILTER
        self.version = 0  # grows with every change of the rows held (a Counting begun before it starts again)

    # ------------------------------------------------------------ reading

    def view(self) -> tuple[list[TicketRow], list[int] | _Picked]:
        """(rows by position, positions shown in order). The shown list is never changed in place: an update
        that moves rows makes a new one, so a view keeps what it showed until it takes the new one."""
        return self.base, self._shown.positions

    def sort_key(self) -> tuple[int, bool]:
        """(column, descending) of the current order, for ``sorted_in_advance`` on a worker."""
        return (self._column if self._column in _SORT_KEYS else NUMBER), self._descending

    def filter(self) -> Filter:
        return self._filter

    def shown_count(self) -> int:
        return len(self._shown.positions)

    def row_at(self, row: int) -> TicketRow:
        return self.base[self._shown.positions[row]]

    def number_at(self, row: int) -> int | None:
        positions = self._shown.positions
        return self.base[positions[row]].number if 0 <= row < len(positions) else None

    def row_of(self, number: int) -> int | None:
        """Where ticket ``number`` is shown (a binary search), None if it is not."""
        position = self._position.get(number)
        if position is None:
            return None
        column, descending = self.sort_key()
        key = _SORT_KEYS[column](self.base[position])
        return self._find(self._shown.positions, column, descending, position, key)

    def rows(self) -> list[TicketRow]:
        """Every row held, filtered or not, in arrival order."""
        return list(self._all.values())

    def total(self) -> int:
        return len(self._all)

    def unread_count(self) -> int:
        """Kept as rows change: the title and the count label ask after every keystroke."""
        return self._unread

    def holds(self, number: int) -> bool:
        """Whether ``number`` is in the list at all, shown or hidden by the filter."""
        return number in self._all

    def matches(self, row: TicketRow, wanted: Filter | None = None) -> bool:
        text, status, priority, who, unread, older_than = self._filter if wanted is None else wanted
        return status_passes(row.status, status) and (not priority or row.priority == priority) \
            and (not who or (not row.assignee if who == UNASSIGNED else who in row.people)) \
            and (not unread or row.unread) and (not older_than or row.last_activity < older_than) \
            and (not text or text in row.search)

    def counts(self, wanted: Iterable[Filter]) -> list[int]:
        """How many rows pass each filter (saved views' counts), at once; ``counting`` does it a filter a step."""
        counting = self.counting(wanted)
        while counting.step():
            pass
        return counting.found

    def counting(self, wanted: Iterable[Filter]) -> Counting:
        """The counts of ``wanted`` made a filter at a time (``Counting.step``), for idle steps of a view."""
        return Counting(self, list(wanted))

    # ------------------------------------------------------------ changing

    def set_rows(self, rows: list[TicketRow], ready: SortedInAdvance | None = None) -> Update:
        """All rows at once. ``ready``: these very rows already sorted on a worker (used if the order still holds)."""
        self._let_go([self._all])
        self._all = {row.number: row for row in rows}
        self.version += 1
        self._unread = sum(map(_UNREAD, self._all.values()))
        usable = ready is not None and ready.rows is rows and ready.key == self.sort_key() \
            and len(self._all) == len(rows)
        self._rebuild(ready if usable else None)
        return RESET

    def sort(self, column: int, descending: bool) -> Update:
        before = self.sort_key()
        self._column, self._descending = column, descending
        key = self.sort_key()
        if key == before:
            return RESET
        order = self._orders.pop(key, None)
        if order is None:
            # The oldest kept order goes first (about 13 MB at 100,000 rows), so that no more are alive at once.
            others = [kept for kept, seq in self._orders.items() if seq is not self._order]
            for kept in others[:max(0, len(self._orders) + 1 - ORDERS_KEPT)]:
                del self._orders[kept]
            order = self._make_order(key, laid=True)  # a keystroke straight after the sort scans laid-out texts
        self._use_order(key, order)
        return RESET

    def set_filter(self, text: str = "", status: str | Iterable[str] = "", priority: str = "",
                   person: str = "", unread: bool = False, older_than: str = "") -> Update:
        """``status``: one status or several (see ``Filter``: ``NOT_CLOSED``, say); ``person``: only the tickets
        created or answered by this e-mail (``store.person`` form); ``unread``, ``older_than``: see ``Filter``."""
        self._filter = make_filter(text, status, priority, person, unread, older_than)
        self._shown = self._result(self._filter)
        return RESET

    def show(self, wanted: Filter, column: int, descending: bool) -> Update:
        """A filter and a sort at once (a saved view): the rows are filtered once, in the new order."""
        self._filter = wanted
        if (column if column in _SORT_KEYS else NUMBER, descending) != self.sort_key():
            return self.sort(column, descending)  # the new order is filtered by self._filter as it is made
        self._shown = self._result(wanted)
        return RESET

    def upsert(self, row: TicketRow) -> Update:
        """One new or changed row, patched into every kept order and result.

        In place (same sort key, still shown): that row. Moved, shown or hidden by the change, new,
        or changed while not shown (the counts change): a reset.
        """
        old = self._all.get(row.number)
        if old == row:
            return NOTHING
        self.version += 1
        self._all[row.number] = row
        self._unread += row.unread - (old is not None and old.unread)
        self._settle_results()
        if old is None:
            return self._add(row)
        position = self._position[row.number]
        self.base[position] = row
        self._texts[position] = row.search
        self._patch_keys(position, old, row)
        shown_before = self._shown.positions
        in_place: int | None = None
        for (column, descending), seq, wanted in self._sequences():
            key_of = _SORT_KEYS[column]
            was, now = (True, True) if wanted is None else (self.matches(old, wanted), self.matches(row, wanted))
            if not (was or now):
                continue
            old_key, new_key = key_of(old), key_of(row)
            if was and now and old_key == new_key:
                if old.search != row.search or seq is self._shown:
                    at = self._find(seq.positions, column, descending, position, old_key)
                    if at is not None:
                        seq.search_texts()[at] = row.search
                        if seq is self._shown:
                            in_place = at
                continue
            if was:
                self._take_out(seq, column, descending, position, old_key)
            if now:
                self._put_in(seq, column, descending, position, new_key, row.search)
        if self._shown.positions is shown_before and in_place is not None:
            return Update(row=in_place)
        return RESET

    def remove(self, number: int) -> Update:
        old = self._all.pop(number, None)
        if old is None:
            return NOTHING
        self.version += 1
        self._unread -= old.unread
        self._settle_results()
        position = self._position.pop(number)
        for (column, descending), seq, wanted in self._sequences():
            if wanted is None or self.matches(old, wanted):
                self._take_out(seq, column, descending, position, _SORT_KEYS[column](old))
        del self._live[bisect_left(self._live, position)]
        self._dead += 1
        if self._dead > max(COMPACT_AFTER, len(self.base) // 4):
            self._rebuild(None)
        return RESET

    # ------------------------------------------------------------ idle work

    def has_work(self) -> bool:
        return self._next_work() is not None

    def step(self) -> bool:
        """One slice of idle work (a few ms at most at 100,000 rows): the shown result's texts and positions,
        laying out the current order's texts, freeing what was let go, then sort keys for every column and
        ranks for those worth it. False when nothing is left."""
        work = self._next_work()
        if work is not None:
            work()
        return self._next_work() is not None

    def _next_work(self) -> Callable[[], Any] | None:
        if self._shown.texts is None:
            return self._shown.search_texts
        if isinstance(self._shown.positions, _Picked):
            return self._shown.plain
        order = self._order
        if order.laid < len(order.positions):
            return lambda: self._lay_out(order, order.laid + LAYOUT_SLICE)
        if self._trash:
            return self._trash.pop
        for column in range(COLUMNS):
            keys = self._keys.get(column)
            if keys is None or len(keys) < len(self.base):
                return lambda column=column: self._prepare_keys(column, LAYOUT_SLICE)
        for column in _RANKABLE:
            if column not in self._ranks or (self._ranks[column] is not None
                                             and len(self._ranks[column][1]) < len(self.base)):
                return lambda column=column: self._rank(column)
        return None

    # ------------------------------------------------------------ internals

    def _rebuild(self, ready: SortedInAdvance | None) -> None:
        """Positions afresh from the rows held; every order and result made again (``ready``: the current order)."""
        self._let_go([self.base, self._texts, self._live, self._position, *self._orders.values(),
                      *self._results.values(), *self._keys.values(), *filter(None, self._ranks.values())])
        self.base = base = list(self._all.values())
        self._texts = list(map(_SEARCH, base))
        self._live = list(range(len(base)))
        self._position = dict(zip(map(_NUMBER, base), self._live, strict=True))
        self._dead = 0
        self._keys, self._makers, self._ranks, self._distinct, self._orders, self._results = {}, {}, {}, {}, {}, {}
        key = self.sort_key()
        if ready is not None:
            self._makers[key[0]] = _key_maker(key[0], base)
            self._keys[key[0]] = ready.keys
            order = _Seq(ready.order, ready.texts)
            order.laid = len(ready.texts) if ready.laid else 0
        else:
            order = self._make_order(key)
        self._use_order(key, order)

    def _let_go(self, lists: Iterable[Any]) -> None:
        """Big lists no longer needed, freed in idle steps (freeing 100,000 texts takes a few ms)."""
        if len(self._trash) > TRASH_KEPT:  # nobody steps this index: free what earlier changes let go of now
            self._trash.clear()
        self._trash += lists

    def _use_order(self, key: tuple[int, bool], order: _Seq) -> None:
        """``order`` becomes current: the filter results of the one before are let go, the filter applied anew."""
        self._orders[key] = order
        while len(self._orders) > ORDERS_KEPT:
            self._let_go([self._orders.pop(next(iter(self._orders)))])
        self._let_go(self._results.values())
        self._order = order
        self._results = {_NO_FILTER: order}
        self._shown = self._result(self._filter)

    def _make_order(self, key: tuple[int, bool], *, laid: bool = False) -> _Seq:
        """The rows sorted by ``key``; ``laid``: their texts laid out side by side now (else in idle steps, and
        made when first needed)."""
        column, descending = key
        keys = self._prepare_keys(column)
        ranked = self._ranks.get(column)
        if ranked is not None and len(ranked[1]) == len(keys):
            keys = ranked[1]
        positions = _own_ints(sorted(self._live, key=keys.__getitem__, reverse=descending))
        if not laid:
            order = _Seq(positions, [])
            order.source = self._texts
            return order
        order = _Seq(positions, _contiguous(list(map(self._texts.__getitem__, positions))))
        order.laid = len(positions)
        return order

    def _rank(self, column: int) -> None:
        """One idle step towards ranks for the column's (complete) keys: counting the distinct keys (given up as
        soon as there are too many to be worth it), then the rank of each distinct key, then ranks by position."""
        keys = self._keys[column]
        ranked = self._ranks.get(column)
        if ranked is not None:
            ranks, by_position = ranked
            by_position.extend(map(ranks.__getitem__, keys[len(by_position):len(by_position) + LAYOUT_SLICE]))
            return
        distinct, seen = self._distinct.pop(column, (set(), 0))
        distinct.update(keys[seen:seen + LAYOUT_SLICE])
        seen += LAYOUT_SLICE
        if len(distinct) > len(keys) // RANKS_WORTH:
            self._ranks[column] = None
        elif seen >= len(keys):
            self._ranks[column] = {key: i for i, key in enumerate(sorted(distinct))}, []
        else:
            self._distinct[column] = distinct, seen

    def _prepare_keys(self, column: int, count: int | None = None) -> list[Any]:
        """The column's keys for ``count`` more rows (all if None)."""
        keys = self._keys.get(column)
        if keys is None:
            self._makers[column] = _key_maker(column, self.base)
            keys = self._keys[column] = []
        start = len(keys)
        stop = len(self.base) if count is None else start + count
        if start < stop:
            keys.extend(self._makers[column](self.base[start:stop]))
        return keys

    def _patch_keys(self, position: int, old: TicketRow, row: TicketRow) -> None:
        for column in list(self._keys):
            key_of = _SORT_KEYS[column]
            if key_of(old) == key_of(row):
                continue
            keys = self._keys[column]
            if column in _RANKED:  # a value new to the ranks, say: made afresh when next needed
                del self._keys[column], self._makers[column]
            elif position < len(keys):
                keys[position] = key = self._makers[column]([row])[0]
                self._patch_rank(column, position, key)
            self._distinct.pop(column, None)  # counted afresh

    def _patch_rank(self, column: int, position: int, key: Any) -> None:
        ranked = self._ranks.get(column)
        if ranked is None:
            return
        ranks, by_position = ranked
        rank = ranks.get(key)
        if rank is None and key > next(reversed(ranks), key):  # a new largest key (the latest activity, say)
            rank = ranks[key] = len(ranks)  # ranks stay in the order of their keys
        if rank is None:  # a key with no rank yet: ranked afresh when next idle
            del self._ranks[column]
        elif position < len(by_position):
            by_position[position] = rank
        elif position == len(by_position) == len(self._keys[column]) - 1:
            by_position.append(rank)

    def _add(self, row: TicketRow) -> Update:
        position = len(self.base)
        self.base.append(row)
        self._texts.append(row.search)
        self._live.append(position)
        self._position[row.number] = position
        for column in list(self._keys):
            keys = self._keys[column]
            if column in _KEYS_OF_THE_WHOLE:
                del self._keys[column], self._makers[column]
            elif len(keys) == position:
                keys.extend(self._makers[column]([row]))
                self._patch_rank(column, position, keys[position])
            self._distinct.pop(column, None)
        for (column, descending), seq, wanted in self._sequences():
            if wanted is None or self.matches(row, wanted):
                self._put_in(seq, column, descending, position, _SORT_KEYS[column](row), row.search)
        return RESET

    def _sequences(self) -> Iterator[tuple[tuple[int, bool], _Seq, Filter | None]]:
        """Every kept order (filter None: every row) and every result of the current order, each once."""
        current = self.sort_key()
        for key, order in self._orders.items():
            yield key, order, None
        for wanted, result in self._results.items():
            if result is not self._order:
                yield current, result, wanted

    def _settle_results(self) -> None:
        """Before rows are patched: the shown result's texts made, other results still waiting for theirs let go,
        every result's positions made into a list (a view's _Picked then no longer depends on other lists)."""
        self._shown.search_texts()
        for wanted, result in list(self._results.items()):
            if result.texts is None:
                del self._results[wanted]
            else:
                result.plain()

    def _take_out(self, seq: _Seq, column: int, descending: bool, position: int, key: Any) -> None:
        at = self._find(seq.positions, column, descending, position, key)
        if at is None:
            return
        if seq is self._shown:
            seq.positions = seq.positions[:at] + seq.positions[at + 1:]
        else:
            del seq.positions[at]
        del seq.search_texts()[at]

    def _put_in(self, seq: _Seq, column: int, descending: bool, position: int, key: Any, text: str) -> None:
        at = self._bisect(seq.positions, column, descending, position, key)
        if seq is self._shown:
            seq.positions = [*seq.positions[:at], position, *seq.positions[at:]]
        else:
            seq.positions.insert(at, position)
        seq.search_texts().insert(at, text)

    def _find(self, positions: list[int], column: int, descending: bool, position: int, key: Any) -> int | None:
        at = self._bisect(positions, column, descending, position, key)
        return at if at < len(positions) and positions[at] == position else None

    def _bisect(self, positions: list[int], column: int, descending: bool, position: int, key: Any) -> int:
        """Where ``position`` (with sort ``key``) is, or belongs, in ``positions`` sorted by (key, position)."""
        key_of, base = _SORT_KEYS[column], self.base
        low, high = 0, len(positions)
        while low < high:
            middle = (low + high) // 2
            other = positions[middle]
            if other == position:
                return middle
            other_key = key_of(base[other])
            if other_key == key:  # ties: by position, whichever the direction
                before = other < position
            elif descending:
                before = other_key > key
            else:
                before = other_key < key
            if before:
                low = middle + 1
            else:
                high = middle
        return low

    def _result(self, wanted: Filter) -> _Seq:
        """The current order's rows that pass ``wanted``, from the smallest cached result they must be within."""
        found = self._results.pop(wanted, None)
        if found is None:
            text = wanted[0]
            if text:
                found = self._narrow(self._within(wanted), (text, *_NO_FILTER[1:]))
            else:
                found = self._narrow(self._order, wanted)
        self._results[wanted] = found
        while len(self._results) > RESULTS_KEPT + 1:
            oldest = next(key for key in self._results if key != _NO_FILTER)
            self._let_go([self._results.pop(oldest)])
        return found

    def _within(self, wanted: Filter) -> _Seq:
        text, *others = wanted
        best: _Seq | None = None
        for (other_text, *other_others), result in self._results.items():
            if other_others == others and other_text in text \
                    and (best is None or len(result.positions) < len(best.positions)):
                best = result
        return best if best is not None else self._result(("", *others))

    def _narrow(self, within: _Seq, wanted: Filter) -> _Seq:
        """The rows of ``within`` that pass, scanned in C-level loops (no Python code per row)."""
        texts, positions = within.search_texts(), within.plain()
        rows: list[TicketRow] = []

        def field(getter: Callable[[TicketRow], Any]) -> Iterable[Any]:
            if getter is _SEARCH:
                return texts
            if not rows:
                rows.extend(map(self.base.__getitem__, positions))
            return map(getter, rows)

        mask = bytes(_combined(_tests(wanted, field)))
        return _Seq(_Picked(positions, mask), pending=(texts, mask))

    def _lay_out(self, order: _Seq, stop: int) -> None:
        start, stop = order.laid, min(stop, len(order.positions))
        if order.source is not None:  # texts holds the laid-out ones only: the next slice goes on the end
            order.texts += _contiguous(list(map(order.source.__getitem__, order.positions[start:stop])))
            if stop == len(order.positions):
                order.source = None
        else:
            order.texts[start:stop] = _contiguous(order.texts[start:stop])
        order.laid = stop


def _tests(wanted: Filter, field: Callable[[Callable[[TicketRow], Any]], Iterable[Any]]) -> list[Iterator[bool]]:
    """One iterator of booleans per part of ``wanted`` that filters (at least one: a filter of nothing passes
    every row), over the rows' fields as ``field(getter)`` gives them."""
    text, status, priority, who, unread, older_than = wanted
    tests: list[Iterator[bool]] = []
    if text:
        tests.append(map(contains, field(_SEARCH), repeat(text)))
    if status:
        inside = map(status.__contains__, field(_STATUS))
        tests.append(map(not_, inside) if EVERY_STATUS_BUT in status else inside)
    if priority:
        tests.append(map(eq, field(_PRIORITY), repeat(priority)))
    if who == UNASSIGNED:
        tests.append(map(not_, field(_ASSIGNEE)))
    elif who:
        tests.append(map(contains, field(_PEOPLE), repeat(who)))
    if unread:
        tests.append(iter(field(_UNREAD)))
    if older_than:
        tests.append(map(lt, field(_ACTIVITY), repeat(older_than)))
    if not tests:
        tests.append(map(bool, repeat(True, len(field(_SEARCH)))))
    return tests


def _combined(tests: list[Iterator[bool]]) -> Iterator[bool]:
    combined = tests[0]
    for test in tests[1:]:
        combined = map(and_, combined, test)
    return combined


def _own_ints(positions: list[int]) -> list[int]:
    """The same numbers as new int objects, made in this order: one after another in memory, so the
    ``compress`` of a filter touches them in sequence (measured 3.4 -> 1.7 ms at 100,000 rows)."""
    return list(map(add, positions, repeat(0)))


def _contiguous(texts: list[str]) -> list[str]:
    """Copies of ``texts`` laid out one after another in memory, which makes scanning them much faster.

    Falls back to the texts themselves if one contains the separator.
    """
    parts = _SEPARATOR.join(texts).split(_SEPARATOR)
    return parts if len(parts) == len(texts) else texts


class Counting:
    """How many rows pass each of ``wanted``, whatever is shown, made a piece per ``step()`` (one C-level pass
    over the rows at most), so that counting views never holds the event loop longer than a keystroke does.

    A result kept for the current order answers at once. Otherwise each part of a filter is a mask of one byte
    per row (0 or 1), made once for every filter that has it: a status or a priority from the rows' codes by
    ``bytes.translate``, the others by C-level loops; a filter's masks are combined as big ints (``&``) and
    counted with ``int.bit_count``. Rows that change meanwhile make it start again."""

    _KINDS = ("text", "status", "priority", "who", "unread", "older")
    _CODED = {"status": _STATUS, "priority": _PRIORITY}  # parts with few distinct values: masks from codes

    def __init__(self, index: TicketIndex, wanted: list[Filter]):
        self._index = index
        self.wanted = wanted
        self._begin()

    def _begin(self) -> None:
        self.found: list[int] = []
        self._version = self._index.version
        self._order = self._index._order  # its positions and texts side by side, whatever sorts meanwhile
        self._positions = self._order.plain()
        self._rows: list[TicketRow] | None = None
        self._masks: dict[tuple[str, Any], int] = {}
        self._values: dict[Callable[[TicketRow], Any], list[Any]] = {}
        self._codes: dict[Callable[[TicketRow], Any], tuple[bytes, dict[Any, int]] | None] = {}
        self._every = int.from_bytes(b"\1" * len(self._positions), "little")

    def step(self) -> bool:
        """One piece of the counting (a filter counted, or one pass it needs); False when every filter is."""
        if self._version != self._index.version:
            self._begin()
        if len(self.found) == len(self.wanted):
            return False
        wanted = self.wanted[len(self.found)]
        kept = self._index._results.get(wanted)
        if kept is not None or not self._positions:
            self.found.append(len(kept.positions) if kept is not None else 0)
            return len(self.found) < len(self.wanted)
        parts = [part for part in zip(self._KINDS, wanted, strict=True) if part[1]]
        for part in parts:
            if part not in self._masks:
                self._make(part)
                return True
        passing = self._every
        for part in parts:
            passing &= self._masks[part]
        self.found.append(passing.bit_count())
        return len(self.found) < len(self.wanted)

    def _make(self, part: tuple[str, Any]) -> None:
        """The next pass ``part``'s mask needs: the rows, a field's values, its codes, or the mask itself."""
        kind, value = part
        if kind != "text" and self._rows is None:
            self._rows = list(map(self._index.base.__getitem__, self._positions))
            return
        getter = self._CODED.get(kind)
        if getter is not None:
            if getter not in self._codes:
                if getter not in self._values:
                    self._values[getter] = list(map(getter, self._rows))
                    return
                values = self._values.pop(getter)
                code_of = {value: i for i, value in enumerate(dict.fromkeys(values))}
                self._codes[getter] = (bytes(map(code_of.__getitem__, values)), code_of) if len(code_of) <= 256 \
                    else None  # too many distinct values for a byte each
                return
            passes = (lambda status: status_passes(status, value)) if kind == "status" else value.__eq__
            made = self._codes[getter]
            if made is None:
                mask = bytes(map(passes, map(getter, self._rows)))
            else:
                by_code, code_of = made
                table = bytearray(256)
                for one, code in code_of.items():
                    table[code] = passes(one)
                mask = by_code.translate(table)
        elif kind == "text":
            mask = bytes(map(contains, self._order.search_texts(), repeat(value)))
        elif kind == "who":
            mask = bytes(map(not_, map(_ASSIGNEE, self._rows))) if value == UNASSIGNED \
                else bytes(map(contains, map(_PEOPLE, self._rows), repeat(value)))
        elif kind == "unread":
            mask = bytes(map(_UNREAD, self._rows))
        else:  # older than
            mask = bytes(map(lt, map(_ACTIVITY, self._rows), repeat(value)))
        self._masks[part] = int.from_bytes(mask, "little")


@dataclass(frozen=True)
class SortedInAdvance:
    """Rows sorted for the index on a worker: ``order`` (positions in ``rows``), ``keys`` (the column's sort keys
    by position) and ``texts`` (the search texts in that order, laid out side by side when ``laid``)."""

    rows: list[TicketRow]
    key: tuple[int, bool]
    keys: list[Any]
    order: list[int]
    texts: list[str]
    laid: bool = True

    @property
    def ordered(self) -> list[TicketRow]:
        return list(map(self.rows.__getitem__, self.order))


def sorted_in_advance(rows: list[TicketRow], key: tuple[int, bool]) -> SortedInAdvance:
    """The index's sort of ``rows`` done ahead, on a worker (plain Python, no Qt): a long list then reaches
    the UI thread ready to show and to filter. ``key`` is the index's ``sort_key()`` when the read began."""
    column, descending = key
    keys = _key_maker(column, rows)(rows)
    order = _own_ints(sorted(range(len(keys)), key=keys.__getitem__, reverse=descending))
    return SortedInAdvance(rows, key, keys, order, _contiguous(list(map(_SEARCH, map(rows.__getitem__, order)))))


def _key_maker(column: int, every: list[TicketRow]) -> Callable[[list[TicketRow]], list[Any]]:
    """How to make sort keys for rows that order exactly as ``_SORT_KEYS[column]`` does but compare as plain
    ints or str (Python's sort compares those much faster than tuples). ``every`` is all the rows, for keys
    that depend on the whole set (ranks of statuses, the range of numbers)."""
    if column == UNREAD:  # unread first, then the newest number: (not unread, -number) as one int
        numbers = list(map(_NUMBER, every))
        top = max(numbers, default=0) - min(numbers, default=0) + 1
        return lambda rows: list(map(sub, map(mul, map(not_, map(_UNREAD, rows)), repeat(top)), map(_NUMBER, rows)))
    if column == SUBJECT:
        return lambda rows: list(map(str.casefold, map(_SUBJECT, rows)))
    if column == REQUESTER:  # name, NUL NUL, e-mail; a NUL in a name is escaped, so this orders as the pair does
        return lambda rows: list(map("{}\0\0{}".format,
                                     map(str.replace, map(str.casefold, map(_REQUESTER, rows)), repeat("\0"),
                                         repeat("\0\1")),
                                     map(str.casefold, map(_EMAIL, rows))))
    if column in (STATUS, PRIORITY):  # few distinct values: each one's rank in the original order
        field, key = (_STATUS, _status_key) if column == STATUS else (_PRIORITY, _priority_key)
        ranks = {value: i for i, value in enumerate(sorted(set(map(field, every)), key=key))}
        return lambda rows: list(map(ranks.__getitem__, map(field, rows)))
    field = _FIELD_OF.get(column, _NUMBER)
    return lambda rows: list(map(field, rows))
