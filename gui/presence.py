"""Who else is on a ticket, in team mode: this desk's own presence (a heartbeat) and its colleagues'.

While a ticket is on screen the desk records "viewing", while its composer holds unsent text
"replying", renewed every few seconds and expiring by itself, so a desk that crashes or sleeps
fades from the others' screens within ``TTL_S``. Colleagues' changes arrive as NOTIFY hints
(through the team listener); a row that fades without a word is noticed when it expires.
The registry calls run on workers; nothing here blocks the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from .tasks import OneAtATime, TaskRunner, TaskScope

if TYPE_CHECKING:
    from .team import Presence
    from .team.sync import TeamSync

HEARTBEAT_MS = 5_000
TTL_S = 15.0  # a presence not renewed for this long is gone
VIEWING, REPLYING = "viewing", "replying"


class PresenceWatch(QObject):
    shown = Signal(object, object)  # (the open ticket, [Presence of colleagues on it, replying first])
    replying = Signal(object)  # {ticket number: "Jane Doe, Sam Rivera"}: colleagues replying, for the list
    _woke = Signal()  # from the team listener's thread: someone's presence changed

    def __init__(self, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self._runner = runner
        self._team: TeamSync | None = None
        self._scope: TaskScope | None = None
        self._number: int | None = None
        self._composing = False
        self._sending, self._reading = OneAtATime(), OneAtATime()
        self._others: dict[int, list[Presence]] = {}
        self._names: dict[str, str] = {}  # agent -> the name their desk gives, as seen in presence
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(HEARTBEAT_MS)
        self._heartbeat.timeout.connect(self._send)
        self._expiry = QTimer(self)  # a colleague's presence expires without a NOTIFY: read again then
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self._read)
        self._woke.connect(self._read)

    def start(self, team: TeamSync, scope: TaskScope) -> None:
        self._team, self._scope = team, scope
        self._heartbeat.start()
        self._send()
        self._read()

    def stop(self) -> None:
        self._team = self._scope = None
        self._heartbeat.stop()
        self._expiry.stop()
        self._others = {}
        self._sending.reset()
        self._reading.reset()
        self.replying.emit({})

    def heard(self, _number: int) -> None:
        """From the listener's thread."""
        self._woke.emit()

    def name_of(self, agent: str) -> str:
        """The name a colleague's desk gives them ("Jane Doe"), once seen; else how the registry names them."""
        return self._names.get(agent) or agent

    def colleagues_on(self, number: int) -> list[Presence]:
        return list(self._others.get(number, []))

    def set_ticket(self, number: int | None) -> None:
        if number != self._number:
            self._number, self._composing = number, False
            self._send()
            if number is not None:
                self.shown.emit(number, self.colleagues_on(number))

    def set_composing(self, number: int, composing: bool) -> None:
        if number == self._number and composing != self._composing:
            self._composing = composing
            self._send()

    # ------------------------------------------------------------ the registry, on workers

    @Slot()
    def _send(self) -> None:
        if self._team is None or not self._sending.begin():
            return
        state = REPLYING if self._composing else VIEWING
        self._runner.submit(self._team.set_presence, self._number, state, TTL_S, scope=self._scope,
                            on_done=self._sent, on_error=self._sent)

    @Slot(object)
    def _sent(self, _outcome: object) -> None:
        if self._sending.end():
            self._send()

    @Slot()
    def _read(self) -> None:
        if self._team is None or not self._reading.begin():
            return
        self._runner.submit(self._team.presence, scope=self._scope, on_done=self._heard, on_error=self._heard)

    @Slot(object)
    def _heard(self, found: object) -> None:
        again = self._reading.end()
        team = self._team
        if team is None:
            return
        me = team.registry.agent
        others: dict[int, list[Presence]] = {}
        for presence in found if isinstance(found, list) else []:
            if presence.name:
                self._names[presence.agent] = presence.name
            if presence.agent != me:
                others.setdefault(presence.number, []).append(presence)
        for present in others.values():
            present.sort(key=lambda p: (p.state != REPLYING, p.who.casefold()))
        self._others = others
        if self._number is not None:
            self.shown.emit(self._number, self.colleagues_on(self._number))
        self.replying.emit({number: ", ".join(p.who for p in present if p.state == REPLYING)
                            for number, present in others.items() if any(p.state == REPLYING for p in present)})
        soonest = min((p.expires_in for present in others.values() for p in present), default=None)
        if soonest is not None:
            self._expiry.start(int(max(0.0, soonest) * 1000) + 100)
        if again:
            self._read()
