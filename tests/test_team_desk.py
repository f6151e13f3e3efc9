"""Desks in team mode on a real PostgreSQL and a real sandbox: each sees what the others learn, catches up
after being away, and the one owner of ticket state still decides (newest copy wins, removals stick)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.sandbox import Fault
from gui.services.tickets import TicketService
from gui.team import TeamRegistry
from gui.team.sync import TeamSync
from gui.tickets import TicketRepository
from tests.test_workspace import QUICK_LOOKS, SPEC_TICKET, WAIT, Desk

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures


class TeamDesk(Desk):
    """A workstation of the test's sandbox, sharing its tickets through the team database at ``team_url``."""

    def __init__(self, qtbot, sandbox, tmp_path, team_url: str, name: str, listeners=()):
        self.team_url, self.name, self.sync, self.listeners = team_url, name, None, listeners
        self.retry_s = 0.2  # a lost team database is tried again this soon (the app: every few seconds)
        super().__init__(qtbot, sandbox, tmp_path / name)

    def connect(self, service=None, label="Sandbox", *, wait=True) -> None:
        if service is None:
            self.repository = TicketRepository(self.store, "sandbox")
            for listener in self.listeners:
                self.repository.subscribe(listener)
            registry = TeamRegistry(self.team_url, agent=f"{self.name}@team.example")
            self.sync = TeamSync(registry, self.repository, self.client.base_url, retry_s=self.retry_s)
            service = TicketService(self.client, self.repository, landed_looks=QUICK_LOOKS, team=self.sync)
            self.service = service
        super().connect(service, label, wait=wait)

    def leave(self) -> None:
        """Closes the desk's connection (the team listener with it), as quitting does."""
        self.controller.connect_to(None)
        if self.sync is not None:
            self.sync.join()

    def close(self) -> None:
        self.leave()
        super().close()

    def lists(self, number: int) -> bool:
        return self.window.model.row_of(number) is not None


@pytest.fixture
def team(qtbot, sandbox, tmp_path, team_schema) -> Iterator[tuple[TeamDesk, TeamDesk]]:
    env_free = team_schema  # every test has its own sandbox, so its own env (the sandbox's URL) in the registry
    first = TeamDesk(qtbot, sandbox, tmp_path, env_free, "alice")
    second = TeamDesk(qtbot, sandbox, tmp_path, env_free, "bob")
    qtbot.waitUntil(lambda: first.sync.online and second.sync.online, timeout=WAIT)
    yield first, second
    first.close()
    second.close()


def test_a_ticket_one_desk_opens_appears_on_the_other(team):
    alice, bob = team
    alice.open(SPEC_TICKET)
    bob.qtbot.waitUntil(lambda: bob.lists(SPEC_TICKET), timeout=WAIT)
    assert "Team: connected" in bob.window.team_label.text()


def test_a_change_made_on_one_desk_reaches_the_other(team, sandbox):
    alice, bob = team
    alice.open(SPEC_TICKET)
    bob.qtbot.waitUntil(lambda: bob.lists(SPEC_TICKET), timeout=WAIT)
    box = alice.window.detail.status_box
    box.setCurrentIndex(box.findData("CLOSED"))
    box.activated.emit(box.currentIndex())
    model = bob.window.model
    bob.qtbot.waitUntil(lambda: model.index(model.row_of(SPEC_TICKET), 4).data() == "Closed", timeout=WAIT)
    assert bob.store.row("sandbox", SPEC_TICKET).status == "CLOSED"


def test_a_desk_that_was_away_catches_up_through_the_log_without_duplicates(team, sandbox):
    alice, bob = team
    bob.leave()
    numbers = sandbox.store.ticket_numbers()[:4]
    for number in numbers:
        alice.open(number)
    bob.connect()  # back: reads the log from its cursor
    bob.qtbot.waitUntil(lambda: all(bob.lists(n) for n in numbers), timeout=WAIT)
    assert bob.window.model.total() == len(numbers)
    assert sorted(bob.store.ticket_numbers("sandbox")) == sorted(numbers)


def test_two_desks_opening_the_same_ticket_at_once_record_it_once(team, sandbox):
    alice, bob = team
    with alice.qtbot.waitSignals([alice.controller.opened, bob.controller.opened], timeout=WAIT):
        alice.controller.open(SPEC_TICKET)  # both GETs and both publishes race
        bob.controller.open(SPEC_TICKET)
    alice.qtbot.waitUntil(lambda: alice.sync.waiting == 0 and bob.sync.waiting == 0, timeout=WAIT)
    events, _ = alice.sync.registry.events_after(alice.client.base_url, 0)
    assert [(e.number, e.kind) for e in events] == [(SPEC_TICKET, "added")]  # the later copy only moved its time
    known = alice.sync.registry.snapshot(alice.client.base_url, SPEC_TICKET)
    assert known.fetched_by in ("alice@team.example", "bob@team.example")
    assert alice.window.model.total() == bob.window.model.total() == 1


def test_an_older_copy_from_a_colleague_never_replaces_the_newer_one_here(team, sandbox):
    alice, bob = team
    alice.open(SPEC_TICKET)
    mine = alice.store.snapshot("sandbox", SPEC_TICKET)
    stale = bob.client.get_ticket(SPEC_TICKET)
    older = datetime.now(UTC) - timedelta(hours=1)
    assert alice.repository.accept_published(dataclasses.replace(stale, subject="OLD"), older, seen=False) is None
    assert alice.store.snapshot("sandbox", SPEC_TICKET).subject == mine.subject


def test_a_ticket_removed_here_stays_removed_when_a_colleague_publishes_it(team, sandbox):
    alice, bob = team
    alice.open(SPEC_TICKET)
    bob.qtbot.waitUntil(lambda: bob.lists(SPEC_TICKET), timeout=WAIT)
    bob.controller.remove(SPEC_TICKET)
    sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": "2030-01-01T10:00:00+00:00", "emailAddress": "x@y.z",
                                          "message": "News."})
    with alice.qtbot.waitSignal(alice.controller.opened, timeout=WAIT):
        alice.controller.open(SPEC_TICKET)  # alice fetches the news and publishes it
    head = alice.sync.registry.head(alice.client.base_url)
    bob.qtbot.waitUntil(lambda: bob.store.team_cursor("sandbox", bob.sync.registry.where) >= head, timeout=WAIT)
    assert not bob.lists(SPEC_TICKET) and bob.store.row("sandbox", SPEC_TICKET) is None


def test_without_the_team_database_the_desk_works_and_says_what_waits(qtbot, sandbox, tmp_path):
    desk = TeamDesk(qtbot, sandbox, tmp_path, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", "carol")
    try:
        desk.open(SPEC_TICKET)  # the vendor still answers; the copy for the team waits
        qtbot.waitUntil(lambda: "Team: offline, 1 change to send" in desk.window.team_label.text(), timeout=WAIT)
        assert desk.lists(SPEC_TICKET)
    finally:
        desk.close()


def test_a_desk_whose_settings_name_a_team_joins_it_at_start(qtbot, tmp_path, sandbox, team_schema):
    from PySide6.QtCore import QSettings

    from gui.app import Desk as AppDesk
    from gui.connection import SandboxFaults
    from gui.settings import SANDBOX, Profile, Secrets, save_profile

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    save_profile(settings, Profile(environment=SANDBOX, email_address="dana@team.example", team_url=team_schema))
    app_desk = AppDesk(tmp_path / "data", settings, Secrets(), faults=SandboxFaults(server_url=sandbox.url))
    qtbot.addWidget(app_desk.window)
    try:
        with qtbot.waitSignal(app_desk.ready, timeout=WAIT):
            app_desk.start()
        qtbot.waitUntil(lambda: app_desk.window.team_label.text() == "Team: connected", timeout=WAIT)
    finally:
        app_desk.shutdown()


def test_a_callers_other_ticket_is_found_by_phone_through_the_team(team, sandbox):
    alice, bob = team
    spec = alice.client.get_ticket(SPEC_TICKET)
    other = alice.client.create_ticket("someone.else@customer.example", "Called again", "Same caller, new address.",
                                       phone_number="123.456.7890")  # the same digits as the spec ticket's phone
    alice.open(other)  # only alice has seen it; it reaches the registry
    bob.qtbot.waitUntil(lambda: alice.sync.waiting == 0, timeout=WAIT)
    assert spec.phone_number and spec.email_address != "someone.else@customer.example"
    with bob.qtbot.waitSignal(bob.controller.history_shown, timeout=WAIT,
                              check_params_cb=lambda number, others: number == SPEC_TICKET):
        bob.open(SPEC_TICKET)
    assert f"#{other}" in bob.window.detail.history_label.text()


def test_the_filter_asks_the_team_registry_and_its_matches_join_the_list(qtbot, sandbox, tmp_path, team_schema):
    from gui.store import LocalStore

    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as api:
        ticket = api.get_ticket(SPEC_TICKET)
    with TeamRegistry(team_schema, agent="erin@team.example") as colleague:
        colleague.publish(sandbox.url, ticket, datetime.now(UTC))  # a colleague's desk published it
    store = LocalStore(tmp_path / "frank.sqlite3")
    try:
        repository = TicketRepository(store, "sandbox")
        sync = TeamSync(TeamRegistry(team_schema, agent="frank@team.example"), repository, sandbox.url)
        assert sync.search("(123) 456-7890") == 1  # by phone, typed any way: this desk never saw the ticket
        assert store.row("sandbox", SPEC_TICKET) is not None
        sync.stop()
    finally:
        store.close()


def test_a_ticket_the_vendor_no_longer_has_is_marked_in_the_registry_not_deleted(team, sandbox):
    alice, bob = team
    alice.open(SPEC_TICKET)
    bob.qtbot.waitUntil(lambda: alice.sync.waiting == 0, timeout=WAIT)
    sandbox.faults.script(Fault(404, method="GET", path_prefix=f"/ticket/{SPEC_TICKET}",  # the vendor forgot it
                                body=b'{"success": false, "error": "Ticket not found"}',
                                content_type="application/json"))
    with bob.qtbot.waitSignal(bob.controller.open_failed, timeout=WAIT):
        bob.controller.open(SPEC_TICKET)
    known = bob.sync.registry.snapshot(bob.client.base_url, SPEC_TICKET)
    assert known is not None and known.vendor_missing


def test_a_new_desk_lists_a_big_registry_by_its_tickets_not_its_whole_log(qtbot, sandbox, tmp_path, team_schema):
    from gui.api import Ticket
    from gui.tickets import RELIST_OVER

    env, count = sandbox.url, RELIST_OVER + 50
    with TeamRegistry(team_schema, agent="erin@team.example") as colleague:
        moment = datetime.now(UTC)
        for number in range(1, count + 1):
            colleague.publish(env, Ticket(20_000_000 + number, subject=f"Team ticket {number}"), moment)
        head = colleague.head(env)
    told: list[str] = []
    desk = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "grace", listeners=[lambda e: told.append(type(e).__name__)])
    try:
        qtbot.waitUntil(lambda: desk.window.model.total() == count, timeout=WAIT)
        assert told == ["Relisted"]  # stored in one go and read again on a worker, not patched in row by row
        assert desk.store.team_cursor("sandbox", desk.sync.registry.where) == head
        assert desk.window.model.unread_count() == 0  # the team's existing tickets are not news to a new desk
        assert desk.window.list_pane.count_label.text() == f"{count} tickets"
    finally:
        desk.close()
