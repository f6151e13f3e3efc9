"""The relay in this process, on a real sandbox, real HTTP and a real PostgreSQL: the vendor's webhooks become
registry events a desk reads, forged ones change nothing, floods cost few GETs, a restart loses nothing, and a
catch-up never goes faster than the rate ceiling."""

from __future__ import annotations

import dataclasses
import queue
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from psycopg.conninfo import conninfo_to_dict

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, Status, TogaClient
from gui.relay.app import Relay, RelayTimings
from gui.relay.health import polling_relay, relay_health
from gui.relay.poller import BURST_S, RegistrySink, RelayPoller
from gui.sandbox import SandboxServer
from gui.services.refresh import RefreshPolicy
from gui.team import RELAY_ROLE, TeamRegistry
from tests.team_postgres import free_port, login_role, with_database

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures

SPEC_TICKET = 12345678
WAIT = 5.0
QUICK = RelayTimings(tick_s=0.05, heartbeat_s=0.2, election_retry_s=0.1, hint_per_ticket_s=0.2)
PASSWORD = "relay-secret-9f3"


@pytest.fixture(scope="module")
def relay_role(team_schema: str) -> Iterator[str]:
    """A login role with only the relay's grants: the relay must need nothing more."""
    with login_role(team_schema, "relay", PASSWORD, RELAY_ROLE) as name:
        yield name


@pytest.fixture
def relay_url(team_schema, relay_role, monkeypatch) -> str:
    """The team URL as a relay is given it: no password in it (libpq reads PGPASSWORD)."""
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    return with_database(team_schema, conninfo_to_dict(team_schema)["dbname"], user=relay_role)


@pytest.fixture
def hooked() -> Iterator[SandboxServer]:
    """A sandbox that posts its webhooks to the port the relay will listen on."""
    port = free_port()
    with SandboxServer(webhook_url=f"http://127.0.0.1:{port}/toga/webhook") as server:
        server.webhooks.backoff = 0.05
        server.relay_port = port
        yield server


@pytest.fixture
def client(hooked) -> Iterator[TogaClient]:
    with TogaClient(hooked.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, timeout=5) as api:
        yield api


class Relays:
    """Starts relays on the sandbox's webhook port; stops whatever is left at the end."""

    def __init__(self, team_url: str, sandbox: SandboxServer) -> None:
        self.team_url, self.sandbox, self.running = team_url, sandbox, []

    def start(self, timings: RelayTimings = QUICK, port: int | None = None) -> Relay:
        relay = Relay(self.team_url, self.sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY,
                      port=self.sandbox.relay_port if port is None else port, timings=timings).start()
        self.running.append(relay)
        return relay

    def stop(self, relay: Relay) -> None:
        relay.stop()
        self.running.remove(relay)


@pytest.fixture
def relays(relay_url, hooked) -> Iterator[Relays]:
    box = Relays(relay_url, hooked)
    yield box
    for relay in list(box.running):
        box.stop(relay)


class ListeningDesk:
    """What a desk does in team mode: listens for NOTIFY and reads the log from its cursor."""

    def __init__(self, team_url: str, env: str) -> None:
        self.registry = TeamRegistry(team_url, agent="desk@team.example")
        self.env = env
        self.cursor = self.registry.head(env)
        self.heard: queue.Queue[int] = queue.Queue()
        self._stop = threading.Event()
        ready = threading.Event()
        self._thread = threading.Thread(target=self.registry.listen, args=(self.heard.put, self._stop),
                                        kwargs={"poll": 0.05, "ready": ready}, name="togadesk-team-test-desk")
        self._thread.start()
        assert ready.wait(WAIT)

    def next_events(self, timeout: float = WAIT):
        self.heard.get(timeout=timeout)
        events, self.cursor = self.registry.events_after(self.env, self.cursor)
        return events

    def close(self) -> None:
        self._stop.set()
        self._thread.join(WAIT)
        self.registry.close()


@pytest.fixture
def desk(team_schema, hooked) -> Iterator[ListeningDesk]:
    listening = ListeningDesk(team_schema, hooked.url)
    yield listening
    listening.close()


def ticket_gets(sandbox: SandboxServer, number: int) -> int:
    return sum(1 for r in sandbox.recent if r.method == "GET" and r.path == f"/ticket/{number}")


def post_hint(url: str, payload: dict, session: requests.Session | None = None) -> int:
    return (session or requests).post(url, json=payload, timeout=5).status_code


# -- webhooks to events ------------------------------------------------------------------------------------

def test_a_status_change_webhook_becomes_an_event_a_desk_reads_with_the_vendors_snapshot(relays, desk, client):
    relays.start()
    client.update_ticket(SPEC_TICKET, status="CLOSED")  # the sandbox posts TICKET_STATUS_CHANGE to the relay
    events = desk.next_events()
    assert [(e.number, e.kind, e.agent.startswith("relay ")) for e in events] == [(SPEC_TICKET, "added", True)]
    assert desk.registry.snapshot(desk.env, SPEC_TICKET).ticket.status == Status.CLOSED


def test_a_reply_webhook_becomes_a_changed_event_holding_the_new_reply(relays, desk, client):
    relay = relays.start()
    client.update_ticket(SPEC_TICKET, status="OPEN")
    assert desk.next_events()[0].kind == "added"
    relay.hints.wait_idle(WAIT)  # the status change's fetch is done; the reply's is another
    client.add_reply(SPEC_TICKET, "agent@example.com", "Replaced the fuse.")
    events = desk.next_events()
    assert [(e.kind, "replies" in e.changed_fields) for e in events] == [("changed", True)]
    stored = desk.registry.snapshot(desk.env, SPEC_TICKET).ticket
    assert stored.replies[-1].message == "Replaced the fuse."


def test_a_forged_webhook_for_a_ticket_the_vendor_does_not_have_adds_nothing(relays, desk, hooked):
    relay = relays.start()
    forged = {"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 987654321, "status": "CLOSED"}
    assert post_hint(relay.url, forged) == 202  # accepted as a hint, never believed
    assert relay.hints.wait_idle(WAIT)
    assert ticket_gets(hooked, 987654321) == 1 and relay.hints.stats.not_found == 1
    assert desk.registry.snapshot(desk.env, 987654321) is None
    assert desk.registry.events_after(desk.env, 0)[0] == []


def test_a_webhook_that_is_not_the_spec_is_refused_and_fetches_nothing(relays, hooked):
    relay = relays.start()
    assert post_hint(relay.url, {"webhook": "TICKET_DELETED", "ticketNumber": SPEC_TICKET}) == 422
    assert relay.hints.stats.received == 0 and ticket_gets(hooked, SPEC_TICKET) == 0


def test_a_flood_of_hints_for_one_ticket_costs_at_most_two_gets_and_ends_in_the_last_state(relays, desk, hooked,
                                                                                            client):
    per_ticket_s = 0.5
    relay = relays.start(dataclasses.replace(QUICK, hint_per_ticket_s=per_ticket_s))
    hint = {"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": SPEC_TICKET, "status": "OPEN"}
    started = time.monotonic()
    with requests.Session() as session:
        for _ in range(100):
            assert post_hint(relay.url, hint, session) == 202
    flood_s = time.monotonic() - started
    assert relay.hints.wait_idle(WAIT)
    # The first hint's GET, then at most one per per_ticket_s for all that came meanwhile (2 when the flood is quick).
    assert ticket_gets(hooked, SPEC_TICKET) <= 2 + int(flood_s / per_ticket_s), flood_s
    assert relay.hints.stats.received == 100
    assert [e.kind for e in desk.next_events()] == ["added"]


# -- restart, health ---------------------------------------------------------------------------------------

def test_a_restarted_relay_loses_nothing_its_poller_fetches_what_changed_while_it_was_down(relays, desk, hooked,
                                                                                            client):
    eager = RelayTimings(tick_s=0.05, heartbeat_s=0.2, election_retry_s=0.1, hint_per_ticket_s=0.2,
                         policy=RefreshPolicy(active_min_s=0.3, active_max_s=0.3, waiting_s=0.3, jitter=0.0))
    relay = relays.start(eager)
    client.update_ticket(SPEC_TICKET, status="OPEN")
    assert desk.next_events()[0].kind == "added"
    relays.stop(relay)
    client.update_ticket(SPEC_TICKET, status="REVIEW")  # its webhook finds nobody listening: the hint is lost
    relays.start(eager)
    events = desk.next_events()
    assert [(e.kind, "status" in e.changed_fields) for e in events] == [("changed", True)]
    assert desk.registry.snapshot(desk.env, SPEC_TICKET).ticket.status == Status.REVIEW


def test_the_relays_health_says_it_polls_and_a_clean_stop_says_it_no_longer_does(relays, desk):
    relay = relays.start()
    deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
    while (polling := polling_relay(desk.registry, desk.env)) is None or polling.last_poll is None:
        assert datetime.now(UTC) < deadline, relay_health(desk.registry, desk.env)
        relay.wait(0.05)
    assert polling.relay_id == relay.relay_id and polling.alive and polling.lag_seconds is not None
    relays.stop(relay)
    assert polling_relay(desk.registry, desk.env) is None
    (row,) = relay_health(desk.registry, desk.env)
    assert not row.leader and row.relay_id == relay.relay_id


# -- the poller in simulated time ---------------------------------------------------------------------------

def test_a_catch_up_after_downtime_goes_at_the_rate_ceiling_and_lands_in_the_registry(sandbox, team_schema):
    env = sandbox.url
    numbers = sandbox.store.ticket_numbers()[:40]
    now = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()]
    with TeamRegistry(team_schema, agent="relay test") as registry, \
            TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, timeout=5) as client:
        poller = RelayPoller(client.get_ticket, RegistrySink(registry, env), clock=lambda: now[0],
                             rng=random.Random(3), max_rate_per_s=2.0)
        poller.track((n, "OPEN", now[0] - 7200) for n in numbers)  # all fetched two hours ago: all overdue
        start = sandbox.requests_served
        assert poller.poll() == 2.0 * BURST_S  # the burst the ceiling allows
        assert poller.lag_seconds >= 0 and poller.last_round == now[0]
        now[0] += 1.0
        assert poller.poll() == 2  # then the rate: two a second
        assert sandbox.requests_served - start == 2.0 * BURST_S + 2
        stored = registry.snapshots(env, numbers)
        assert len(stored) == 12 and all(t.fetched_by == "relay test" for t in stored)
