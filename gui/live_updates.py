"""Live updates: background refresh on a timer, webhook hints, and what changed, as Qt signals.

The policy (what is due when) is ``services.refresh.RefreshPlanner``; this object only
keeps time, submits fetches through the task runner and reports results on the UI thread.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

from .api import NetworkError, NotFoundError, Status, WebhookEvent
from .services.refresh import RefreshPlanner, RefreshPolicy
from .services.tickets import Refreshed, TicketService
from .store import TicketRow
from .tasks import BACKGROUND, TaskRunner, TaskScope

if TYPE_CHECKING:
    from .services.webhook_listener import WebhookListener

log = logging.getLogger(__name__)

TICK_MS = 1000
UNTRACKED_HINTS_PER_MINUTE = 10  # webhooks about tickets this desk does not track: fetched at most this often
WAKE_GAP_S = 30.0  # a tick this late means the machine slept: catch up at once


class LiveUpdates(QObject):
    """What it fetches goes to the ticket owner like every other answer; its changes reach the views from there."""

    sweep_finished = Signal(list, int)  # F5 is over: (errors, tickets it gave up on because the server is failing)
    state_changed = Signal(str)  # words for the status bar: synced, offline, pending
    hint_received = Signal(object)  # a webhook named this ticket (emitted on the listener's thread; int may be > 2**31)

    def __init__(self, runner: TaskRunner, policy: RefreshPolicy | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._runner = runner
        self._policy = policy or RefreshPolicy()
        self._service: TicketService | None = None
        self._scope: TaskScope | None = None
        self._sweep_errors: list[str] = []
        self._sweep_open = False
        self.planner = RefreshPlanner(self._policy)
        self._on_screen: int | None = None
        self._last_sync: str = ""
        self._sync_word = "Synced"  # "Refreshed" right after an F5 that fetched everything
        self._offline = False
        self._last_wall = time.time()
        self.listener: WebhookListener | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self.hint_received.connect(self._hint)
        self._hint_window = -60.0  # when the current minute of untracked hints began (monotonic)
        self._hints_taken = self._hints_dropped = 0
        self._watch_network()

    def _watch_network(self) -> None:
        """Where the OS says when the network comes and goes, catch up the moment it is back."""
        try:
            if QNetworkInformation.loadDefaultBackend():
                QNetworkInformation.instance().reachabilityChanged.connect(self._reachability)
        except (RuntimeError, AttributeError):  # no backend on this platform: backoff alone copes
            log.info("No network-status backend; relying on backoff")

    @Slot(QNetworkInformation.Reachability)
    def _reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        if self._service is None:
            return
        if reachability == QNetworkInformation.Reachability.Online:
            log.info("Network is back: catching up")
            self.planner.catch_up(time.monotonic())
            self._offline = False
            self.tick()
        elif reachability == QNetworkInformation.Reachability.Disconnected:
            self._offline = True
            self.state_changed.emit("Offline: waiting for the network")

    # ------------------------------------------------------------ set-up

    @property
    def policy(self) -> RefreshPolicy:
        return self._policy

    def set_service(self, service: TicketService | None, rows: list[TicketRow] | None = None, *,
                    scope: TaskScope | None = None, active_minutes: int = 5,
                    planner: RefreshPlanner | None = None) -> None:
        """A new environment: a fresh plan, spread so nothing is due all at once.

        ``rows`` are the tracked tickets the window has just loaded (read from the store once, not twice);
        ``planner`` their plan if it was made already (``plan_for`` on the worker that read them).
        """
        self._service = service
        self._scope = scope
        self._sweep_errors = []
        self._sweep_open = False  # an F5 is under way: sweep_finished will tell its end
        self._policy.active_min_s = max(60.0, active_minutes * 60.0)
        self.planner = RefreshPlanner(self._policy)
        self._on_screen = None
        if service is None:
            self._timer.stop()
            return
        if planner is not None and planner.policy is self._policy:
            self.planner = planner
        else:
            self.planner = plan_for(service.tickets.rows() if rows is None else rows, self._policy)
        self._last_sync = ""
        self._timer.start()
        self._report()

    @Slot(object)
    def set_on_screen(self, number: int | None) -> None:
        self._on_screen = number
        self.planner.set_on_screen(number, time.monotonic())

    def set_relayed(self, relayed: bool) -> None:
        """The team's relay polls (or stopped polling): this desk fetches only the ticket on screen (or all)."""
        if relayed != self.planner.relayed:
            log.info("The team's relay %s", "polls the tickets: this desk checks only the one on screen"
                     if relayed else "is not polling: this desk checks its tickets itself")
        self.planner.set_relayed(relayed, time.monotonic())

    @property
    def service(self) -> TicketService | None:
        return self._service

    def track_new(self, rows: list[TicketRow]) -> None:
        """Rows the list took in at once (a team catch-up): the ones not watched yet are, from now."""
        if self._service is None:
            return
        now = time.monotonic()
        for row in rows:
            if not self.planner.tracks(row.number):
                self.planner.track(row.number, row.status, now)
        self._report()

    @Slot(object)
    def track_number(self, number: int) -> None:
        """A ticket fetched elsewhere (opened, created): plan its next check from now."""
        if self._service is not None:
            self.planner.track(number, self._status_of(number), time.monotonic())
            self._report()

    @Slot()
    def manual_refresh(self) -> None:
        """F5: every tracked ticket once, now, without waiting out any backoff; ``sweep_finished`` tells the end."""
        if self._service is None:
            return
        if self._sweep_open:
            return  # one F5 at a time
        self._offline = False
        self._sweep_errors = []
        self.planner.everything_now(time.monotonic())
        self._sweep_open = True
        self.tick()
        self._end_sweep_if_done()  # nothing to fetch

    @Slot(object)
    def forget(self, number: int) -> None:
        """Removed from the list: never fetched in the background again (until the agent opens it)."""
        self.planner.forget(number)
        self._end_sweep_if_done()
        self._report()

    def start_listener(self, host: str, port: int, path: str) -> str:
        """Starts the webhook listener; returns its URL (raises OSError if the port is taken)."""
        self.stop_listener()
        from .services.webhook_listener import WebhookListener  # an HTTP server: loaded only when switched on

        listener: WebhookListener | None = None

        def hand_over(event: WebhookEvent) -> None:
            if self.listener is listener:  # a handler of a stopped listener may still be finishing
                self.hint_received.emit(event.ticket_number)

        listener = WebhookListener(hand_over, host=host, port=port, path=path)
        self.listener = listener.start()
        return listener.url

    def stop_listener(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None

    def stop(self) -> None:
        self._timer.stop()
        self.stop_listener()

    @property
    def running(self) -> bool:
        """Background refresh is on for an environment."""
        return self._service is not None and self._timer.isActive()

    # ------------------------------------------------------------ the loop

    @Slot()
    def tick(self) -> None:
        if self._service is None:
            return
        wall = time.time()
        if wall - self._last_wall > WAKE_GAP_S:
            log.info("Woke up after %.0f s: catching up", wall - self._last_wall)
            self.planner.catch_up(time.monotonic())
        self._last_wall = wall
        self._submit_due()
        self._report()

    def _submit_due(self) -> None:
        for number in self.planner.due(time.monotonic()):
            self._runner.submit(self._service.refresh_quietly, number, on_screen=number == self._on_screen,
                                fetch=self._service.tickets.begin_fetch(number), scope=self._scope,
                                priority=0 if number == self._on_screen else BACKGROUND, on_done=self._fetched)

    @Slot(object)
    def _fetched(self, result: Refreshed) -> None:
        if self._service is None:
            return
        now = time.monotonic()
        sweeping = self.planner.sweeping
        if result.error is None:
            status = result.saved.row.status if result.saved is not None else None
            self.planner.finished(result.number, now, status=status, ok=True)
            self._offline = False
            self._last_sync = time.strftime("%H:%M:%S")
            self._sync_word = "Synced"
        elif isinstance(result.error, NotFoundError):
            self.planner.gone(result.number)  # e.g. a webhook about a ticket this server does not have
            log.info("Background refresh: #%s is not on the server; no longer checked", result.number)
        else:
            self.planner.finished(result.number, now, status=None, ok=False)
            self._offline = isinstance(result.error, NetworkError)
            log.info("Background refresh of #%s failed: %s", result.number, result.error)
            if self._sweep_open:
                self._sweep_errors.append(result.error.message)
                self._end_sweep(self.planner.abandon_sweep())
                sweeping = False
        if sweeping and self.planner.sweeping:
            self._submit_due()
        self._end_sweep_if_done()
        self._report()

    def _end_sweep_if_done(self) -> None:
        if self._sweep_open and not self.planner.sweeping:
            self._end_sweep(0)

    def _end_sweep(self, left: int) -> None:
        self._sweep_open = False
        errors, self._sweep_errors = self._sweep_errors, []
        if not errors:
            self._last_sync, self._sync_word = time.strftime("%H:%M:%S"), "Refreshed"
        self._report()
        self.sweep_finished.emit(errors, left)

    def _report(self) -> None:
        now = time.monotonic()
        if self.planner.backing_off:
            wait = self.planner.paused_for(now)
            what = "Offline" if self._offline else "Server trouble"
            self.state_changed.emit(f"{what}: retrying in {wait:.0f} s")
        elif self._last_sync:
            pending = self.planner.in_flight
            more = f" · {pending} pending" if pending else ""
            self.state_changed.emit(f"{self._sync_word} {self._last_sync}{more}")
        else:  # nothing fetched in the background yet: say how many tickets will be (the demo learns them late)
            count = self.planner.tracked
            self.state_changed.emit(f"Watching {count} ticket{'s' if count != 1 else ''}")

    # ------------------------------------------------------------ webhooks

    @Slot(object)
    def _hint(self, number: int) -> None:
        """A webhook is only a hint: fetch the ticket with a signed GET and believe the server. Hints for
        tracked tickets coalesce (one fetch however many came); those for tickets this desk does not track
        (anyone can post a webhook) get a small budget per minute, the rest are dropped with a log line.
        Nothing here reads the store: the plan knows the tracked tickets' status."""
        if self._service is None or self._service.tickets.is_removed(number):
            return  # the agent removed it: it stays off the list until opened again
        now = time.monotonic()
        status = self.planner.status_of(number)
        if status is None:
            if now - self._hint_window >= 60.0:
                if self._hints_dropped:
                    log.warning("Dropped %d webhook hints for tickets this desk does not track (over %d a minute)",
                                self._hints_dropped, UNTRACKED_HINTS_PER_MINUTE)
                self._hint_window, self._hints_taken, self._hints_dropped = now, 0, 0
            if self._hints_taken >= UNTRACKED_HINTS_PER_MINUTE:
                self._hints_dropped += 1
                return
            self._hints_taken += 1
            status = Status.NEW_TICKET.value
        self.planner.track(number, status, now, fresh=False)
        self.tick()

    def _status_of(self, number: int) -> str:
        return self._service.tickets.status_of(number) if self._service else Status.NEW_TICKET.value


def plan_for(rows: list[TicketRow], policy: RefreshPolicy) -> RefreshPlanner:
    """The background refresh's plan for these tickets, each due at a random point of its interval. Plain
    Python: made on the worker that read a long list."""
    planner = RefreshPlanner(policy)
    now = time.monotonic()
    for row in rows:  # not fresh: no interval worked out per ticket, spread() places them all just below
        planner.track(row.number, row.status, now, fresh=False)
    planner.spread(now)
    return planner
