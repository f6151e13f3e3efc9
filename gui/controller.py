"""The ticket flows behind the window: load, open, refresh, remove, send, change, create. No widgets.

``TicketController`` decides; the views only present and ask. It owns the ticket list's
model and the background refresh, follows the environment's ticket owner
(``gui.tickets.TicketRepository``) through its one change stream, and runs every request
through the task runner in the connection's scope. The list and the detail pane show
what this object says is open: ``current_changed`` moves the list's selection, every
accepted copy of the open ticket arrives as ``ticket_shown``.

Views hand bound slots to the write methods (``send_reply``, ``change``, ``edit``,
``create``); the controller picks the lane, the scope and the bookkeeping.
"""

from __future__ import annotations

import functools
import html
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from .api import ApiError, NotFoundError, Ticket
from .api import validation as v
from .live_updates import LiveUpdates, plan_for
from .models.ticket_table import SortedInAdvance, TicketTableModel, sorted_in_advance
from .presence import PresenceWatch
from .services.bulk import Batch, reason_of
from .services.refresh import RefreshPlanner, RefreshPolicy
from .services.tickets import (
    NEW_TICKET_DRAFT,
    REPLY_DRAFT,
    SENDING_DRAFT,
    Agent,
    Settled,
    TicketService,
    after_sent,
    signed,
)
from .store import Change, JournalEntry
from .tasks import BACKGROUND, OneAtATime, TaskRunner, TaskScope
from .tickets import Relisted, Removal, Removed, TicketEvent, TicketRepository

if TYPE_CHECKING:
    from .relay.health import RelayStatus
    from .team import Assignment
    from .team.registry import TeamRegistry
    from .team.sync import TeamSync

TEAM_SEARCH_MS = 250  # typing pause before the team's registry is searched
MIN_TEAM_SEARCH = 3  # characters
TEAM_STATE_MS = 2000  # the status bar's team words are refreshed this often (changes waiting to be sent)
RELAY_CHECK_MS = 10_000  # whether the team's relay polls is asked this often (a dead one is stale after 20 s)
LOCAL_UNDO_MS = 10_000  # how long the status bar offers to undo a bulk mark read/unread or remove (as a change's)

log = logging.getLogger(__name__)

Slot1 = Callable[[Any], None]


class TicketController(QObject):
    current_changed = Signal(object)  # the open ticket's number, or None: the list selects it
    ticket_shown = Signal(object)  # the newest copy of the open ticket (stored or fresh): the detail pane shows it
    # Ticket numbers travel as Python ints (object): they go up to 2**63-1, beyond a C++ int.
    opening = Signal(object)  # the open ticket has no stored copy yet: its GET is under way
    opened = Signal(object)  # a fresh copy of the open ticket came from the server
    open_failed = Signal(str, bool)  # (words, whether trying again could help)
    refresh_failed = Signal(str)  # F5 ended with errors
    notice = Signal(str, str)  # (text, kind) for the list's banner
    status_message = Signal(str)  # a short note for the status bar
    list_loading = Signal()
    list_loaded = Signal(object)  # the environment's rows, once they are in the model
    list_failed = Signal(str)
    ticket_changed = Signal(object)  # Saved: a ticket joined the list or its snapshot changed (notifications)
    removed = Signal(object)
    refresh_finished = Signal()
    refresh_state = Signal(str)  # words for the status bar: synced, offline, pending
    busy_changed = Signal(object)  # a ticket started or finished sending a reply or changing a field
    history_shown = Signal(object, object)  # (ticket number, [(number, subject, status)]): the requester's others
    team_state = Signal(str)  # "Team: connected", "Team: offline, N changes to send"; empty without a team
    draft_changed = Signal(object)  # a ticket's stored draft changed behind the composer (settled after a restart)
    team_detail = Signal(str)  # the team's database and relay in more words (the status bar's tooltip)
    assignee_shown = Signal(object, str)  # (the open ticket, who has it in the team: '' nobody); team mode only
    assignment_told = Signal(object, str, bool)  # (ticket, the outcome of Take/Give/Release in words, done)
    teammates_found = Signal(object, object)  # (ticket, [agents seen in the team's log]) for "Give to..."
    send_phase = Signal(object, str)  # (ticket, the phase its reply's send has reached: services.tickets CHECKING...)
    agents_changed = Signal()  # more addresses are known as agents' (the thread labels their replies)
    bulk_progress = Signal(str)  # the progress line of a change to several tickets ('' : none is running)
    bulk_finished = Signal(str, object, bool)  # (summary, [numbers not changed, in list order], any failed)
    local_undo_offered = Signal(str)  # a bulk mark read/unread or remove can be undone for LOCAL_UNDO_MS
    local_undo_withdrawn = Signal()  # too late, undone, or another environment
    _team_woke = Signal()  # from the team listener's thread: colleagues may have changed something

    def __init__(self, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.model = TicketTableModel(self)
        self.agent_email = ""  # the agent's (Settings): the tickets they file are theirs in the "Mine" view
        self.live = LiveUpdates(runner, parent=self)
        self.presence = PresenceWatch(runner, parent=self)  # team mode: who else is on which ticket
        self.presence.replying.connect(self.model.set_replying)
        self.presence.shown.connect(self._colleagues_seen)
        self._service: TicketService | None = None
        self._repository: TicketRepository | None = None  # whose list the model holds (before a service, too)
        self._active_minutes = 5
        self._scope = TaskScope("not connected")
        self._current: int | None = None
        self._history_for: int | None = None  # whose requester's other tickets were asked for last
        self._loading = False
        self._relisting = False  # the list is read again because a team catch-up stored many tickets
        self._load_again = False  # many tickets were stored while the list was being read: read it again
        self._since_load: set[int] = set()  # tickets the list took in while it was being read (newer than it)
        self._sending: dict[int, str | None] = {}  # ticket -> status to set with the reply (None: reply only)
        self._sent_text: dict[int, str] = {}  # ticket -> the text of its reply on the way (fixed at Send)
        self._phase: dict[int, str] = {}  # ticket -> the phase its reply's send has reached
        self._agents: frozenset[str] = frozenset()  # casefolded addresses known as agents' (not the customer's)
        self._changing: dict[int, str] = {}  # ticket -> the field being changed
        # The ticket owner's changes, left here by whichever thread made them; taken in on the UI thread
        # before the result of the task that made them (and when any task ends).
        self._changes: deque[tuple[TicketRepository, TicketEvent]] = deque()
        runner.on_results(self._take_changes)
        self._team: TeamSync | None = None
        self._catching_up = OneAtATime()  # a catch-up is running: another wake-up only asks for one more
        self._settling = OneAtATime()  # earlier sends are being looked for on the server
        self._team_woke.connect(self._catch_up)
        self._search_timer = QTimer(self)  # the team's registry is asked once typing pauses
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(TEAM_SEARCH_MS)
        self._search_timer.timeout.connect(self._search_team)
        self._search_text = ""
        self._team_timer = QTimer(self)
        self._team_timer.setInterval(TEAM_STATE_MS)
        self._team_timer.timeout.connect(self._report_team)
        self._relay_timer = QTimer(self)
        self._relay_timer.setInterval(RELAY_CHECK_MS)
        self._relay_timer.timeout.connect(self._check_relay)
        self._relay: RelayStatus | None = None  # the team's relay that polls, as last heard
        self._relay_asked = False
        self.live.state_changed.connect(self.refresh_state)
        self.live.sweep_finished.connect(self._sweep_finished)
        self._batch: Batch | None = None  # the change to several tickets under way
        self._local_undo: Callable[[], str] | None = None  # undoes the last bulk local action; returns its words
        self.local_undo_timer = QTimer(self)
        self.local_undo_timer.setSingleShot(True)
        self.local_undo_timer.setInterval(LOCAL_UNDO_MS)
        self.local_undo_timer.timeout.connect(self.withdraw_local_undo)

    # ------------------------------------------------------------ connection

    @property
    def connected(self) -> bool:
        return self._service is not None

    @property
    def repository(self) -> TicketRepository | None:
        """Whose list the model holds: set before the connection when the stored list is shown first."""
        return self._repository

    @property
    def tickets(self) -> TicketRepository | None:
        return self._service.tickets if self._service else None

    @property
    def team_registry(self) -> TeamRegistry | None:
        """The team's database in team mode (its canned replies), else None."""
        return self._team.registry if self._team is not None else None

    @property
    def current(self) -> int | None:
        """The ticket on screen; every ticket action acts on it."""
        return self._current

    def show_stored(self, repository: TicketRepository) -> None:
        """The stored list before any server is reached (start-up): read on a worker at once; ``connect_to``
        with a service over the same repository then keeps it instead of reading it again."""
        self._reset(None, None)
        self._repository = repository
        self._load_list()

    def connect_to(self, service: TicketService | None, scope: TaskScope | None = None, *,
                   active_minutes: int = 5) -> None:
        """Another environment: nothing of the previous one stays, and its answers never land here.
        In team mode (``service.team``), colleagues' tickets join once the stored list is in."""
        kept = service is not None and service.tickets is self._repository
        self._reset(service, scope)
        self._active_minutes = active_minutes
        self._team = service.team if service is not None else None
        if self._team is not None:
            self._scope.on_cancel(self._team.stop)
        if service is None:
            return
        repository = service.tickets
        repository.subscribe(functools.partial(self._changed, repository))
        self._scope.on_cancel(repository.close)
        if repository.journal(unsettled=True):  # the app stopped (or got no answer) while sending: check first
            self._settle()
        self.runner.submit(service.reply_addresses, scope=self._scope, priority=BACKGROUND,
                           on_done=self._agents_known)
        if not kept:
            self._repository = repository
            self.model.set_rows([])
            self._load_list()
        elif not self._loading:
            self._watch(self.model.rows())  # the stored list is in already

    def _reset(self, service: TicketService | None, scope: TaskScope | None) -> None:
        self._set_current(None)  # first: the pane keeps its draft while the old environment is still here
        self.live.set_service(None)
        self._scope.cancel()
        self._scope = scope or TaskScope("tickets")
        self._service = service
        self._sending.clear()
        self._sent_text.clear()
        self._phase.clear()
        self._changing.clear()
        if self._batch is not None:  # its answers are dropped with the scope
            self._batch = None
            self.bulk_progress.emit("")
        self.withdraw_local_undo()
        self._agents = frozenset()
        self._team = None
        self._catching_up.reset()
        self._settling.reset()
        self._team_timer.stop()
        self._relay_timer.stop()
        self._relay, self._relay_asked = None, False
        self.presence.stop()
        self.team_state.emit("")
        if service is None:
            self._repository = None
            self.model.set_rows([])

    def _load_list(self) -> None:
        """The stored list, always read and sorted on a worker: the window paints before it is in."""
        if self._loading:
            self._load_again = True
            return
        self._loading = True
        self._since_load.clear()
        self.list_loading.emit()
        self.runner.submit(_read_sorted, self._repository, self.model.sort_key(), self.live.policy,
                           on_done=self._list_read, on_error=self._list_read_failed)

    @Slot(object)
    def _list_read(self, read: tuple[TicketRepository, SortedInAdvance, RefreshPlanner]) -> None:
        """The stored rows, merged with what happened while they were read: tickets opened or refreshed
        meanwhile keep their newer row, and tickets removed meanwhile stay removed."""
        repository, ready, plan = read
        if repository is not self._repository:
            return  # an environment left meanwhile
        rows = ready.rows
        held = [row for row in self.model.rows() if row.number in self._since_load]
        if held or repository.has_removals:
            newer = {row.number: row for row in held}
            fresh = [newer.pop(row.number, row) for row in rows if not repository.is_removed(row.number)]
            for row in rows:
                if repository.is_removed(row.number):
                    plan.forget(row.number)
            now = time.monotonic()
            for row in newer.values():
                plan.track(row.number, row.status, now, fresh=False)
            fresh.extend(newer.values())
            self.model.set_rows(fresh)  # sorted before these changes: the model sorts the merged list itself
        else:  # the usual case, and the only long one: nothing happened meanwhile
            fresh = rows
            self.model.set_rows(rows, ready)
        self._loading = False
        self._since_load.clear()
        if self._relisting and self.live.service is self._service is not None:
            self.live.track_new(fresh)  # read again after a team catch-up: the refresh plan keeps its state
            self.list_loaded.emit(fresh)
        else:
            self._watch(fresh, plan)
        self._relisting = False
        if self._load_again:
            self._load_again = False
            self._load_list()

    @Slot(object)
    def _list_read_failed(self, error: ApiError) -> None:
        self._loading = False
        self.list_failed.emit(f"Could not read the ticket list on this computer: {error}")
        self._watch(self.model.rows())  # background refresh still watches what is listed

    def reload_list(self) -> None:
        if self._repository is not None:
            self._load_list()

    def _watch(self, rows: list, plan: RefreshPlanner | None = None) -> None:
        """The list is in: background refresh watches it (once connected), and the window hears of it.
        ``plan``: those rows' refresh plan, made on the worker that read them."""
        if self._service is not None:
            self.live.set_service(self._service, rows, scope=self._scope, active_minutes=self._active_minutes,
                                  planner=plan)
            self.live.set_on_screen(self._current)  # opened while the list was being read
            self.live.set_relayed(self._relay is not None)  # a fresh plan: the relay still polls
            if self._team is not None and not self._team_timer.isActive():
                self._team.start(self._team_woke.emit, self.presence.heard)
                self.presence.start(self._team, self._scope)
                self.presence.set_ticket(self._current)
                self.runner.submit(self._team.teammates, scope=self._scope, priority=BACKGROUND,
                                   on_done=self._agents_known)
                self._team_timer.start()
                self._relay_timer.start()
                self._check_relay()
                self._report_team()
        self.list_loaded.emit(rows)

    # ------------------------------------------------------------ the team

    @Slot(str)
    def search(self, text: str) -> None:
        """The list's filter changed: local rows show at once; in team mode the registry is asked too, and
        the team's tickets that match join the list."""
        self._search_text = text.strip()
        if self._team is not None and len(self._search_text) >= MIN_TEAM_SEARCH:
            self._search_timer.start()

    @Slot()
    def _search_team(self) -> None:
        if self._team is not None:
            self.runner.submit(self._team.search, self._search_text, scope=self._scope, on_done=self._team_found)

    @Slot(object)
    def _team_found(self, taken: int) -> None:
        if taken:
            log.info("The team's registry added %d ticket(s) matching the filter", taken)

    @Slot()
    def _catch_up(self) -> None:
        """Colleagues changed something (or the team database is back): read the log on a worker."""
        if self._team is not None and self._catching_up.begin():
            self.runner.submit(self._team.take_in, scope=self._scope, on_done=self._caught_up)

    @Slot(object)
    def _caught_up(self, outcome: tuple[int, str]) -> None:
        taken, _problem = outcome
        if taken:
            log.info("Took in %d ticket(s) from the team", taken)
            if self._team is not None:  # colleagues wrote to the log: who they are labels their replies
                self.runner.submit(self._team.teammates, scope=self._scope, priority=BACKGROUND,
                                   on_done=self._agents_known)
        self._report_team()
        if self._catching_up.end():
            self._catch_up()

    @Slot()
    def _report_team(self) -> None:
        team = self._team
        if team is None:
            return
        waiting = team.waiting
        more = f", {waiting} change{'s' if waiting != 1 else ''} to send" if waiting else ""
        relay = f" · the relay on {self._relay.host or self._relay.relay_id} polls" if self._relay is not None else ""
        self.team_state.emit(f"Team: connected{more}{relay}" if team.online
                             else f"Team: offline{more or ', nothing to send'}")
        self.team_detail.emit(_team_words(team.registry.where, team.last_error, self._relay))

    @Slot()
    def _check_relay(self) -> None:
        if self._team is not None and not self._relay_asked:
            self._relay_asked = True
            self.runner.submit(self._team.relay, scope=self._scope, priority=BACKGROUND, on_done=self._relay_heard)

    @Slot(object)
    def _relay_heard(self, relay: RelayStatus | None) -> None:
        """While a live relay polls the team's tickets, this desk checks only the one on screen; when the
        relay's health goes stale, the desk polls its tickets itself again."""
        self._relay_asked = False
        self._relay = relay
        self.live.set_relayed(relay is not None)
        self._report_team()

    def learn(self, numbers: list[int] | tuple[int, ...]) -> None:
        """Tickets heard of elsewhere (the demo's sandbox): fetched on workers, each joins the list when stored."""
        for number in numbers:
            self.runner.submit(self._service.learn, number, scope=self._scope, priority=BACKGROUND,
                               on_done=self._learned)

    @Slot(object)
    def _learned(self, ticket: Ticket) -> None:
        if self.tickets is not None and not self.tickets.is_removed(ticket.ticket_number):
            self.live.track_number(ticket.ticket_number)

    # ------------------------------------------------------------ the change stream

    def _changed(self, repository: TicketRepository, event: TicketEvent) -> None:
        """The owner's listener, on any thread and under the owner's lock: only takes note."""
        self._changes.append((repository, event))

    def _take_changes(self) -> None:
        """On the UI thread: what the owner changed, in its order, into the list and the open ticket."""
        while self._changes:
            repository, event = self._changes.popleft()
            if repository is self.tickets and not repository.closed:  # not from an environment left meanwhile
                self._apply_event(repository, event)

    def _apply_event(self, repository: TicketRepository, event: TicketEvent) -> None:
        if isinstance(event, Relisted):
            self._relisting = self._relisting or not self._loading
            self._load_list()  # read and sorted on a worker, not patched in row by row here
            if self._current in event.numbers and (ticket := repository.snapshot(self._current)) is not None:
                self.ticket_shown.emit(ticket)
            return
        if isinstance(event, Removed):
            self.model.remove(event.number)
            self.live.forget(event.number)
            if event.number == self._current:
                self._set_current(None)
            self.removed.emit(event.number)
            return
        if repository.is_removed(event.row.number):
            return  # stored before the agent removed it; the removal follows
        self.model.upsert(event.row)
        if self._loading:
            self._since_load.add(event.row.number)
        if event.row.number == self._current and self._team is not None:
            self.assignee_shown.emit(event.row.number, event.row.assignee)
        if event.change is Change.NEW and self._service is not None:
            self.live.track_number(event.row.number)  # a colleague's ticket (or one heard of) is refreshed too
        if event.row.number == self._current and event.ticket is not None:
            self.ticket_shown.emit(event.ticket)
        if event.change is not Change.SAME:
            self.ticket_changed.emit(event)

    # ------------------------------------------------------------ opening

    def _set_current(self, number: int | None) -> None:
        if number != self._current:
            self._current = number
            self.live.set_on_screen(number)
        self.current_changed.emit(number)
        self.presence.set_ticket(number)
        if number is not None and self._team is not None and self.tickets is not None:
            row = self.tickets.row(number)
            self.assignee_shown.emit(number, row.assignee if row else "")

    # ------------------------------------------------------------ assignment (the team's registry only)

    @property
    def in_team(self) -> bool:
        return self._team is not None

    @property
    def me(self) -> str:
        """How the team's registry names this desk's agent (their e-mail, else their name)."""
        return self._team.registry.agent if self._team is not None else ""

    def take(self, number: int) -> None:
        self._assign(number, self.me)

    def release(self, number: int) -> None:
        self._assign(number, None)

    def give(self, number: int, to: str) -> None:
        if to.strip():
            self._assign(number, to.strip())

    def find_teammates(self, number: int) -> None:
        if self._team is not None:
            self.runner.submit(self._team.teammates, scope=self._scope,
                               on_done=lambda found: self.teammates_found.emit(number, found))

    def _assign(self, number: int, to: str | None) -> None:
        """Conditional on who has it as this desk last heard, so two agents taking it at once cannot both win."""
        if self._team is None or self.tickets is None:
            return
        row = self.tickets.row(number)
        expected = (row.assignee or None) if row else None
        self.runner.submit(_assign_quietly, self._team, number, to, expected, scope=self._scope,
                           on_done=lambda outcome: self._assigned(number, to, outcome))

    def _assigned(self, number: int, to: str | None, outcome: tuple[Assignment | None, str]) -> None:
        result, problem = outcome
        if result is None:
            words, done = f"Could not change who has #{number}: {problem}", False
        elif not result.known:
            words, done = (f"#{number} is not in the team's database yet: the desk sends it there once the team "
                           "database answers; try again then."), False
        elif result.done:
            who = "you" if to == self.me else self.presence.name_of(to or "")
            words, done = (f"#{number} is with {who} now." if to else f"#{number} is released: nobody has it."), True
        else:
            holder = "you" if result.assignee == self.me else self.presence.name_of(result.assignee or "")
            words, done = (f"{holder} took #{number} first." if holder else
                           f"#{number} was released meanwhile: nobody has it now."), False
        self.assignment_told.emit(number, words, done)

    @Slot(object)
    def open(self, number: int) -> None:
        """Shows the stored copy at once (or "Opening #N…"), then the server's; the list selects it."""
        repository = self.tickets
        if repository is None:
            return
        switching = number != self._current
        self._set_current(number)
        snapshot = repository.snapshot(number)
        if snapshot is not None:
            self.ticket_shown.emit(snapshot)
            repository.mark_read(number)
            self._take_changes()
            if switching:
                self._look_up_history(snapshot)
        else:
            self.opening.emit(number)
        if self.live.planner.tracks(number):
            self.live.track_number(number)  # fetched now: its background check (due, perhaps) is planned from now
        self.runner.submit(self._service.open, number, repository.begin_fetch(number), scope=self._scope,
                           on_done=self._opened, on_error=self._open_failed)

    def open_number(self, text: str | int) -> bool:
        """Ctrl+L: a number the agent typed; False (with a notice) when it is not one."""
        try:
            number = v.number(str(text).strip().lstrip("#"), "ticket number")
        except ApiError as error:
            self.notice.emit(error.message, "error")
            return False
        self.open(number)
        return True

    def _look_up_history(self, ticket: Ticket) -> None:
        self._history_for = ticket.ticket_number
        self.runner.submit(self._service.requester_history, ticket, scope=self._scope, priority=BACKGROUND,
                           on_done=self._history_read)

    @Slot(object)
    def _history_read(self, found: tuple[int, list]) -> None:
        number, others = found
        if number == self._current:
            self.history_shown.emit(number, others)

    @Slot(object)
    def _opened(self, ticket: Ticket) -> None:
        if self.tickets is not None and not self.tickets.is_removed(ticket.ticket_number):  # removed meanwhile
            self.live.track_number(ticket.ticket_number)
        if ticket.ticket_number == self._current and self._history_for != self._current:
            self._look_up_history(ticket)  # it had no stored copy to look it up from
        if ticket.ticket_number == self._current:
            self.opened.emit(ticket.ticket_number)

    @Slot(object)
    def _open_failed(self, error: ApiError) -> None:
        if isinstance(error, NotFoundError):
            self.open_failed.emit(f"No such ticket in this environment. {error.message}", False)
        else:
            self.open_failed.emit(f"Could not open the ticket: {error.message}", True)

    def retry_open(self) -> None:
        if self._current is not None:
            self.open(self._current)

    # ------------------------------------------------------------ list actions

    def remove(self, number: int | None = None) -> None:
        """Stops tracking the ticket here (the server keeps it); the open one unless told which."""
        number = self._current if number is None else number
        if number is None or self.tickets is None:
            return
        self.tickets.remove(number)
        self._take_changes()  # its Removed event updates the list and the pane
        self.status_message.emit(f"#{number} removed from this list (the server still has it).")

    def refresh(self) -> None:
        """F5: every listed ticket once through the one refresh engine (its limits and backoff)."""
        if self._service is not None:
            self.live.manual_refresh()

    @Slot(list, int)
    def _sweep_finished(self, errors: list[str], left: int) -> None:
        if errors:
            more = f" {left} more will be retried when the server answers again." if left else ""
            self.refresh_failed.emit(f"{len(errors)} ticket(s) could not be refreshed: {errors[-1]}{more}")
        self.refresh_finished.emit()

    # ------------------------------------------------------------ drafts (local and small: at once)

    def draft(self, number: int) -> str:
        """The reply box's text. A reply left on its way by an earlier run (the app stopped) whose journal
        entry says it did not go, or that never left, comes back first, in front of what was typed after it."""
        if self.tickets is None:
            return ""
        if number not in self._sending and (left := self.tickets.draft(SENDING_DRAFT, number)) is not None:
            unsettled = any(e.kind == "reply" and e.ticket_number == number
                            for e in self.tickets.journal(unsettled=True))
            if not unsettled:  # the journal is settled (not sent: a send that was done deleted it) or never began
                self._put_back(number, left.get("message", ""), None)
        return (self.tickets.draft(REPLY_DRAFT, number) or {}).get("message", "")

    def save_draft(self, number: int, text: str) -> str | None:
        """Stores the reply being typed, at every change (a small upsert, well under a millisecond), so a crash
        loses nothing; the reason in words when the disk refused it (the text then lives only on screen).
        While a reply is on its way, what is typed is the next one (the one on its way is stored apart)."""
        self.presence.set_composing(number, bool(text.strip()) and number not in self._sending)
        if self.tickets is None:
            return None
        return _stored(self.tickets.save_draft, REPLY_DRAFT, number, {"message": text})

    def _put_back(self, number: int, sent: str, typed: str | None) -> str:
        """A reply that did not go is back in the reply box, in front of what was typed meanwhile (``typed``,
        else the stored draft); stored before the copy on its way is let go, so a crash keeps one or both."""
        if typed is None:
            typed = (self.tickets.draft(REPLY_DRAFT, number) or {}).get("message", "")
        text = after_sent(sent, typed) if sent.strip() else typed
        if _stored(self.tickets.save_draft, REPLY_DRAFT, number, {"message": text}) is None:
            _stored(self.tickets.delete_draft, SENDING_DRAFT, number)
        return text

    def new_ticket_draft(self) -> dict[str, Any] | None:
        return self.tickets.draft(NEW_TICKET_DRAFT, 0) if self.tickets else None

    def save_new_ticket_draft(self, fields: dict[str, Any] | None) -> str | None:
        """As ``save_draft``, for the New ticket form (None: forget it)."""
        if self.tickets is None:
            return None
        if fields:
            return _stored(self.tickets.save_draft, NEW_TICKET_DRAFT, 0, fields)
        return _stored(self.tickets.delete_draft, NEW_TICKET_DRAFT, 0)

    # ------------------------------------------------------------ writes

    def is_sending(self, number: int) -> bool:
        return number in self._sending

    def is_changing(self, number: int) -> bool:
        """A field change is under way, or a reply that will set the status: status and priority wait."""
        return number in self._changing or self._sending.get(number) is not None

    def changing_field(self, number: int) -> str | None:
        """Which field is being saved ("status", "priority"), or None."""
        if number in self._changing:
            return self._changing[number]
        return "status" if self._sending.get(number) is not None else None

    def sending_text(self, number: int) -> str:
        """The text of the reply on its way to ``number`` ('' when none is)."""
        return self._sent_text.get(number, "")

    def send_phase_of(self, number: int) -> str:
        """The phase the reply on its way to ``number`` has reached ('' before the first is told)."""
        return self._phase.get(number, "")

    @property
    def sending_any(self) -> bool:
        return bool(self._sending)

    def send_reply(self, seen: Ticket, agent: Agent, text: str, *, status: str | None = None, force: bool = False,
                   signature: str = "", on_done: Slot1, on_error: Slot1) -> str | None:
        """Sends ``text`` (fixed now) with ``signature`` after it: the text is stored apart as the reply on its
        way (unsigned: if it comes back to the reply box, it is signed once more when sent), and the reply box's
        draft starts again empty for what the agent types meanwhile. Each phase is told by ``send_phase``.
        The reason in words when the disk refused to store it (it is sent all the same)."""
        number = seen.ticket_number
        self._sending[number] = status
        self._sent_text[number] = text
        self._phase.pop(number, None)
        if agent.email_address:
            self._learn_agents([agent.email_address])
        problem = _stored(self.tickets.save_draft, SENDING_DRAFT, number, {"message": text})
        if problem is None:  # on its way, on disk: the reply box is free for the next one
            problem = _stored(self.tickets.delete_draft, REPLY_DRAFT, number)
        self.busy_changed.emit(number)
        task = self.tickets.in_lane(number, self._service.send_reply)
        self.runner.submit(task, seen, agent, signed(text, signature), status=status, force=force, scope=self._scope,
                           on_done=on_done, on_error=on_error,
                           on_progress=functools.partial(self._send_phase_reported, number))
        return problem

    def _send_phase_reported(self, number: int, phase: str) -> None:
        if number in self._sending:
            self._phase[number] = phase
            self.send_phase.emit(number, phase)

    def reply_ended(self, number: int, *, sent: bool, typed: str | None = None) -> str | None:
        """The pane has handled the reply's answer: the ticket may be changed and replied to again.

        Not ``sent`` (refused, failed, or the ticket changed first): its text goes back in the reply box in
        front of what was typed meanwhile (``typed``: the box's text when it is on screen, else the stored
        draft's); that text is returned. ``sent``: what was typed meanwhile stays as it is."""
        text = self._sent_text.pop(number, "")
        self._phase.pop(number, None)
        ended = self._sending.pop(number, False) is not False
        back = None
        if self.tickets is not None:
            if sent:
                _stored(self.tickets.delete_draft, SENDING_DRAFT, number)  # the service did; a second look is free
            else:
                back = self._put_back(number, text, typed)
        if ended:
            self.busy_changed.emit(number)
        return back

    # ------------------------------------------------------------ who is an agent (the thread labels replies)

    @property
    def agent_addresses(self) -> frozenset[str]:
        """Casefolded addresses known as agents': those this desk sent replies as, and the team's agents."""
        return self._agents

    @Slot(object)
    def _agents_known(self, addresses: object) -> None:
        self._learn_agents(addresses if isinstance(addresses, (list, set, frozenset, tuple)) else [])

    @Slot(object, object)
    def _colleagues_seen(self, _number: int, colleagues: list) -> None:
        self._learn_agents([p.agent for p in colleagues])

    def _learn_agents(self, addresses: Any) -> None:
        found = {a.strip().casefold() for a in addresses if isinstance(a, str) and "@" in a}
        if not found <= self._agents:
            self._agents = self._agents | found
            self.agents_changed.emit()

    def first_seen(self, number: int) -> str:
        """When this desk first saw the ticket (ISO 8601 in UTC), '' when it is not listed."""
        return self.tickets.first_seen(number) if self.tickets is not None else ""

    def change(self, number: int, field: str, value: str, *, on_done: Slot1, on_error: Slot1,
               seen: bool = True) -> None:
        """Status or priority: only that field is sent, after any write to the ticket asked for before.
        ``seen``: the agent is looking at it (False for the other tickets of a change to several)."""
        self._changing[number] = field
        self.busy_changed.emit(number)
        task = self.tickets.in_lane(number, self._service.update)
        self.runner.submit(functools.partial(task, number, seen=seen, **{field: value}),  # "priority" is also
                           scope=self._scope, on_done=on_done, on_error=on_error)  # submit's keyword: bound here

    # ------------------------------------------------------------ several tickets at once

    @property
    def bulk_running(self) -> bool:
        return self._batch is not None

    def change_many(self, numbers: list[int], field: str, value: str) -> bool:
        """Status or priority of several tickets: one PUT at a time, in the order given (the list's), each
        through ``change`` (its lane, its journal entry, the fetch after it); a ticket that has the value
        already is not sent. False when a change to several is already under way."""
        if self._batch is not None or self._service is None or not numbers:
            return False
        self._batch = Batch(field, value, list(dict.fromkeys(numbers)))
        self._bulk_next()
        return True

    def cancel_many(self) -> None:
        """The tickets not sent yet are left as they are; the one on its way still answers."""
        batch = self._batch
        if batch is not None and not batch.cancelled:
            batch.cancel()
            if batch.current is not None:
                self.bulk_progress.emit(f"Cancelling: waiting for #{batch.current}\u2026")
            else:
                self._bulk_next()

    def _bulk_next(self) -> None:
        batch = self._batch
        while batch is not None and (number := batch.take_next()) is not None:
            row = self.tickets.row(number) if self.tickets is not None else None
            if row is None:
                batch.refused("no longer in this list")
            elif str(getattr(row, batch.field) or "") == batch.value:
                batch.had_it()
            elif self.is_changing(number):
                batch.refused(f"another change to its {self.changing_field(number)} was on its way")
            else:
                self.bulk_progress.emit(batch.progress())
                self.change(number, batch.field, batch.value, on_done=functools.partial(self._bulk_changed, batch),
                            on_error=functools.partial(self._bulk_refused, batch), seen=number == self._current)
                return
        if batch is not None:
            self._batch = None
            self.bulk_progress.emit("")
            self.bulk_finished.emit(batch.summary(), batch.not_changed, bool(batch.failed))

    def _bulk_changed(self, batch: Batch, _ticket: Ticket) -> None:
        if batch is self._batch and batch.current is not None:
            self.change_ended(batch.current)
            batch.done()
            self._bulk_next()

    def _bulk_refused(self, batch: Batch, error: ApiError) -> None:
        if batch is self._batch and batch.current is not None:
            self.change_ended(batch.current)
            batch.refused(reason_of(error))
            self._bulk_next()

    def mark_many(self, numbers: list[int], *, unread: bool) -> None:
        """Several tickets marked unread (or read) here only; Undo sets back the ones that changed."""
        if self.tickets is None:
            return
        tickets = self.tickets
        changed = tickets.set_unread(numbers, unread)
        self._take_changes()
        state = "unread" if unread else "read"
        if not changed:
            self.status_message.emit(f"The {_tickets(len(numbers))} were {state} already.")
            return

        def undo() -> str:
            if tickets is not self.tickets:
                return ""
            tickets.set_unread(changed, not unread)
            self._take_changes()
            return f"Undone: {_tickets(len(changed))} {'are' if len(changed) != 1 else 'is'} " \
                   f"{'read' if unread else 'unread'} again."

        self._offer_local_undo(f"{_tickets(len(changed))} marked {state}.", undo)

    def remove_many(self, numbers: list[int]) -> None:
        """Several tickets off this list (the server keeps them); Undo lists them again exactly as they were."""
        if self.tickets is None or not numbers:
            return
        tickets = self.tickets
        removal: Removal = tickets.remove_many(numbers)
        self._take_changes()  # the Removed events update the list and the pane

        def undo() -> str:
            if tickets is not self.tickets:
                return ""
            back = tickets.restore(removal)
            self._take_changes()
            for number in back:
                self.live.track_number(number)  # refreshed again like any listed ticket
            return f"Undone: {_tickets(len(back))} back in the list."

        self._offer_local_undo(f"{_tickets(len(numbers))} removed from this list (the server keeps them).", undo)

    def _offer_local_undo(self, words: str, undo: Callable[[], str]) -> None:
        self._local_undo = undo
        self.local_undo_timer.start()
        self.local_undo_offered.emit(words)

    def undo_local(self) -> None:
        """The status bar's Undo for the last bulk local action, while it is offered."""
        undo = self._local_undo
        self.withdraw_local_undo()
        if undo is not None and (words := undo()):
            self.status_message.emit(words)

    @Slot()
    def withdraw_local_undo(self) -> None:
        """Too late, or another Undo is offered instead."""
        self.local_undo_timer.stop()
        if self._local_undo is not None:
            self._local_undo = None
            self.local_undo_withdrawn.emit()

    def _settle(self) -> None:
        if self._service is not None and self._settling.begin():
            self.runner.submit(self._service.settle_unsettled, scope=self._scope, on_done=self._settled,
                               on_error=self._settle_failed)

    def earlier_send_unsettled(self, number: int) -> bool:
        """A reply an earlier run left on its way to ``number`` is not settled yet (the server did not answer
        when it was looked for): it is looked for again now, and nothing is sent to the ticket until it is."""
        if self.tickets is None or number in self._sending:
            return False
        if self.tickets.draft(SENDING_DRAFT, number) is None:
            return False
        self._settle()
        return True

    @Slot(object)
    def _settle_failed(self, error: ApiError) -> None:
        self.notice.emit(f"Earlier sends could not be checked: {error.message}", "error")
        if self._settling.end():
            self._settle()

    @Slot(object)
    def _settled(self, told: list[Settled]) -> None:
        """What the earlier requests came to, told once; a composer whose draft was settled shows it again."""
        again = self._settling.end()
        if told:
            self.notice.emit(" ".join(settled.describe() for settled in told),
                             "error" if any(s.landed is None for s in told) else "info")
        for number in {s.entry.ticket_number for s in told if s.entry.kind == "reply"} | {self._current} - {None}:
            self.draft_changed.emit(number)  # the open one too: a reply left on its way may come back now
        if again:
            self._settle()

    def may_exist(self) -> list[JournalEntry]:
        """Tickets this desk was creating whose outcome is not known (their number never came back)."""
        if self.tickets is None:
            return []
        return [e for e in self.tickets.journal(unsettled=True) if e.kind == "create"]

    def forget_may_exist(self, words: str) -> None:
        """The agent decided about the tickets that may exist (discarded the form)."""
        if self._service is not None:
            self._service.settle_creates(words)

    def journal(self) -> list[JournalEntry]:
        """What this desk sent in this environment, newest first (Help > What was sent)."""
        return self.tickets.journal() if self.tickets is not None else []

    def change_ended(self, number: int) -> None:
        if self._changing.pop(number, None) is not None:
            self.busy_changed.emit(number)

    def edit(self, number: int, changes: dict[str, Any], *, on_done: Slot1, on_error: Slot1) -> None:
        task = self.tickets.in_lane(number, self._service.update)
        self.runner.submit(functools.partial(task, number, **changes), scope=self._scope, on_done=on_done,
                           on_error=on_error)

    def create(self, fields: dict[str, Any], *, on_done: Slot1, on_error: Slot1) -> None:
        self.runner.submit(self._service.create, fields, self.agent_email, scope=self._scope, on_done=on_done,
                           on_error=on_error)

    def created(self, ticket: Ticket) -> None:
        """A ticket the agent filed: it is listed, opened and watched."""
        self.live.track_number(ticket.ticket_number)
        self.open(ticket.ticket_number)


def _tickets(count: int) -> str:
    return f"{count} ticket{'s' if count != 1 else ''}"


def _team_words(where: str, problem: str, relay: RelayStatus | None) -> str:
    """The status bar's tooltip: which database, what went wrong last, and the relay's health (its host comes
    from the team's database: shown as text)."""
    lines = [f"The team database this desk shares its tickets through: {where}."]
    if problem:
        lines.append(f"Last problem: {problem}")
    if relay is None:
        lines.append("No relay polls for the team now: this desk checks its tickets itself.")
    else:
        def at(moment: Any) -> str:
            return moment.astimezone().strftime("%H:%M:%S") if moment is not None else "not yet"

        lag = f"{relay.lag_seconds:.0f} s" if relay.lag_seconds is not None else "unknown"
        lines.append(f"The relay on {relay.host or relay.relay_id} polls for the team "
                     f"(last poll {at(relay.last_poll)}, last webhook {at(relay.last_webhook)}, lag {lag}): "
                     "this desk checks only the ticket on screen.")
    return "<p>" + "<br>".join(map(html.escape, lines)) + "</p>"  # a tooltip guesses rich text: escape it


def _assign_quietly(team: TeamSync, number: int, to: str | None,
                    expected: str | None) -> tuple[Assignment | None, str]:
    """On a worker: the registry's answer, or its problem in words (a team database may be away)."""
    from .team.errors import TeamError  # here: the solo desk never loads the team's modules

    try:
        return team.assign(number, to, expected), ""
    except TeamError as error:
        return None, str(error)


def _stored(write: Callable[..., None], *args: Any) -> str | None:
    try:
        write(*args)
    except (sqlite3.Error, OSError) as error:  # read-only folder, full disk, a broken file
        log.warning("Could not store a draft: %s", error)
        return f"What you typed could not be saved on this computer ({error}). It is kept in this window only."
    return None


def _read_sorted(repository: TicketRepository, order: tuple[int, bool],
                 policy: RefreshPolicy) -> tuple[TicketRepository, SortedInAdvance, RefreshPlanner]:
    """On a worker: SQLite, the model's sort and the background refresh's plan, so the UI thread only
    takes them in (at 100,000 tickets each is a noticeable pause)."""
    rows = repository.rows()
    return repository, sorted_in_advance(rows, order), plan_for(rows, policy)
