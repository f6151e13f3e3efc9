"""The team registry against a real PostgreSQL: newest wins, the event log and its cursor, NOTIFY, search."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from gui.api.models import Reply, Status, Ticket
from gui.team import CHANNEL, TeamError, TeamRegistry

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def env(request) -> str:
    """An environment of this test's own, so tests sharing the module's database never see each other."""
    return f"https://vendor.example/{request.node.name}"


@pytest.fixture
def desk(team_schema):
    with TeamRegistry(team_schema, agent="ann") as registry:
        yield registry


@pytest.fixture
def other_desk(team_schema):
    with TeamRegistry(team_schema, agent="bob") as registry:
        yield registry


def ticket(number: int, **fields) -> Ticket:
    base = {"subject": "Printer on fire", "message": "It smokes", "status": Status.OPEN, "first_name": "Ann",
            "last_name": "Lee", "email_address": "ann.lee@example.com", "phone_number": "(123) 456-7890"}
    return Ticket(ticket_number=number, **{**base, **fields})


# -- newest wins ---------------------------------------------------------------------------------------

def test_publish_adds_then_records_only_what_changed(desk, other_desk, env):
    assert desk.publish(env, ticket(1), at(0))
    assert not desk.publish(env, ticket(1), at(0))  # the same fetch again
    assert not other_desk.publish(env, ticket(1), at(5))  # newer fetch, same content: no event
    assert other_desk.publish(env, ticket(1, status=Status.CLOSED, subject="Fire out"), at(10))
    events, cursor = desk.events_after(env, 0)
    assert [(e.kind, e.changed_fields, e.agent) for e in events] == [
        ("added", (), "ann"), ("changed", ("status", "subject"), "bob")]
    assert cursor == events[-1].id
    stored = desk.snapshot(env, 1)
    assert stored.ticket.subject == "Fire out" and stored.fetched_at == at(10) and stored.fetched_by == "bob"
    assert stored.first_recorded_by == "ann" and not stored.vendor_missing
    assert desk.snapshot(env, 2) is None


def test_an_older_snapshot_never_replaces_a_newer_one(desk, other_desk, env):
    assert desk.publish(env, ticket(1, subject="new"), at(10))
    assert not other_desk.publish(env, ticket(1, subject="old"), at(9))
    assert not other_desk.publish(env, ticket(1, subject="same time"), at(10))
    assert desk.snapshot(env, 1).ticket.subject == "new"
    assert len(desk.events_after(env, 0)[0]) == 1


def test_two_desks_publishing_the_same_new_ticket_at_once_make_one_row_and_one_event(desk, other_desk, env):
    numbers = range(1, 21)
    barrier = threading.Barrier(2)
    results: dict[str, list[bool]] = {"ann": [], "bob": []}

    def run(registry: TeamRegistry) -> None:
        for number in numbers:
            barrier.wait(5)
            results[registry.agent].append(registry.publish(env, ticket(number), at(0)))

    threads = [threading.Thread(target=run, args=(r,)) for r in (desk, other_desk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert [a + b for a, b in zip(results["ann"], results["bob"], strict=True)] == [1] * len(numbers)
    events = desk.events_after(env, 0, limit=1000)[0]
    assert sorted(e.number for e in events) == list(numbers) and {e.kind for e in events} == {"added"}
    assert [t.number for t in desk.tickets(env)] == list(numbers)


def test_racing_versions_end_with_the_newest_and_one_event_per_accepted_change(desk, other_desk, env):
    accepted: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def run(registry: TeamRegistry, offset: int) -> None:
        barrier.wait(5)
        for step in range(offset, 60, 2):
            done = registry.publish(env, ticket(7, subject=f"version {step}"), at(step))
            with lock:
                accepted.append(done)

    threads = [threading.Thread(target=run, args=(desk, 0)), threading.Thread(target=run, args=(other_desk, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    stored = desk.snapshot(env, 7)
    assert stored.ticket.subject == "version 59" and stored.fetched_at == at(59)
    events = desk.events_after(env, 0, limit=1000)[0]
    assert len(events) == sum(accepted)
    assert events[0].kind == "added" and all(e.kind == "changed" and e.changed_fields == ("subject",)
                                             for e in events[1:])


def test_a_missing_ticket_is_marked_not_deleted_and_a_later_fetch_clears_it(desk, other_desk, env):
    desk.publish(env, ticket(3), at(0))
    assert other_desk.mark_missing(env, 3, at(5))
    assert not other_desk.mark_missing(env, 3, at(6))  # already marked
    stored = desk.snapshot(env, 3)
    assert stored.vendor_missing and stored.ticket.subject == "Printer on fire"
    assert not desk.publish(env, ticket(3), at(4))  # fetched before the 404: the 404 is newer
    assert desk.publish(env, ticket(3), at(8))
    assert not desk.snapshot(env, 3).vendor_missing
    assert not desk.mark_missing(env, 3, at(7))  # a 404 older than the last fetch changes nothing
    assert not desk.mark_missing(env, 404)  # never recorded
    kinds = [(e.kind, e.changed_fields) for e in desk.events_after(env, 0)[0]]
    assert kinds == [("added", ()), ("missing", ()), ("changed", ("vendor_missing",))]


# -- the log and its cursor ----------------------------------------------------------------------------

def test_the_cursor_sees_each_event_once_across_reconnects(team_schema, desk, env):
    for number in range(1, 6):
        desk.publish(env, ticket(number), at(0))
    seen = []
    with TeamRegistry(team_schema, agent="carol") as reader:
        page, cursor = reader.events_after(env, 0, limit=2)
        seen += page
    with TeamRegistry(team_schema, agent="carol") as reader:  # closed and reopened
        for number in range(6, 9):
            desk.publish(env, ticket(number), at(0))
        while True:
            page, cursor = reader.events_after(env, cursor, limit=2)
            if not page:
                break
            seen += page
        assert reader.events_after(env, cursor) == ([], cursor)
        assert reader.head(env) == cursor
    assert [e.number for e in seen] == list(range(1, 9))
    assert len({e.id for e in seen}) == 8


def test_a_reader_racing_many_writers_misses_nothing_and_sees_nothing_twice(team_schema, env):
    """Ids are visible in id order, so a cursor never passes an event still committing."""
    writers = [TeamRegistry(team_schema, agent=f"w{i}") for i in range(4)]
    stop = threading.Event()
    seen: list[int] = []

    def write(registry: TeamRegistry, base: int) -> None:
        for step in range(40):
            registry.publish(env, ticket(base + step % 10, subject=f"v{step}"), at(step))

    def read() -> None:
        with TeamRegistry(team_schema, agent="reader") as reader:
            cursor = 0
            while True:
                finished = stop.is_set()
                page, cursor = reader.events_after(env, cursor, limit=7)
                seen.extend(e.id for e in page)
                if finished and not page:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(w, 100 * (i % 2))) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    stop.set()
    reader.join(10)
    for registry in writers:
        registry.close()
    with psycopg.connect(team_schema) as conn:
        everything = [r[0] for r in conn.execute("SELECT id FROM togadesk.event WHERE env = %s ORDER BY id", (env,))]
    assert seen == everything and len(everything) > 20


def test_a_dropped_connection_is_one_team_error_then_it_reconnects(team_schema, desk, env):
    desk.publish(env, ticket(1), at(0))
    with psycopg.connect(team_schema, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = 'TOGaDesk Agent' AND pid <> pg_backend_pid()")
    with pytest.raises(TeamError, match="connection"):
        desk.snapshot(env, 1)
    assert desk.snapshot(env, 1).number == 1


# -- NOTIFY --------------------------------------------------------------------------------------------

def test_a_listener_hears_each_event_id_within_a_second_and_stops_promptly(team_schema, desk, env):
    heard: list[tuple[int, float]] = []
    got = threading.Event()
    stop, ready = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def on_event(event_id: int) -> None:
        heard.append((event_id, time.monotonic()))
        got.set()

    def run() -> None:
        with TeamRegistry(team_schema, agent="listener") as listener:
            try:
                listener.listen(on_event, stop, ready=ready)
            except TeamError as exc:
                errors.append(exc)

    thread = threading.Thread(target=run, name="team-listener")
    thread.start()
    assert ready.wait(5)
    with psycopg.connect(team_schema, autocommit=True) as raw:
        raw.execute(f"LISTEN {CHANNEL}")
        sent = time.monotonic()
        desk.publish(env, ticket(1), at(0))
        assert got.wait(1), "no notification within a second"
        payloads = [n.payload for n in raw.notifies(timeout=1, stop_after=1)]
    events = desk.events_after(env, 0)[0]
    assert [h[0] for h in heard] == [events[0].id]
    assert heard[0][1] - sent < 1
    assert payloads == [str(events[0].id)]  # the id only: the log is the truth
    stopped = time.monotonic()
    stop.set()
    thread.join(2)
    assert not thread.is_alive() and time.monotonic() - stopped < 1.5
    assert not errors


# -- search and history --------------------------------------------------------------------------------

@pytest.fixture
def people(desk, env):
    rows = [
        ticket(101, first_name="Ann", last_name="Lee", email_address="ann.lee@example.com",
               phone_number="(123) 456-7890", subject="Printer on fire", message="It smokes"),
        ticket(102, first_name="Bob", last_name="Marley", email_address="BOB@Reggae.org",
               phone_number="+44 20 7946 0958", subject="Invoice missing", message="Where is invoice 4471?"),
        ticket(103, first_name="Chloé", last_name="Ümlaut", email_address="chloe@example.com",
               phone_number="555.123.4567", subject="Login fails", message="Password reset loop"),
        ticket(104, first_name="Ann", last_name="Lee", email_address="Ann.Lee@Example.com",
               phone_number="123-456-7890", subject="Second call", message="Still smoking, 100% sure"),
    ]
    for row in rows:
        desk.publish(env, row, at(0))
    desk.publish(f"{env}-other", ticket(101), at(0))  # another environment is never found
    return rows


@pytest.mark.parametrize(("query", "numbers"), [
    ("101", [101]),
    ("ann", [104, 101]), ("ANN LEE", [104, 101]), ("marley", [102]), ("chloé", [103]), ("ümlaut", [103]),
    ("ann.lee@", [104, 101]), ("@example.com", [104, 103, 101]), ("reggae", [102]), ("bob@reggae.org", [102]),
    ("(123) 456-7890", [104, 101]), ("1234567890", [104, 101]), ("456-7890", [104, 101]), ("7890", [104, 101]),
    ("+44 20 7946 0958", [102]), ("20 7946", [102]), ("555-123-4567", [103]), ("(555) 123 4567", [103]),
    ("printer", [101]), ("INVOICE", [102]), ("login fails", [103]),
    ("reset loop", [103]), ("4471", [102]), ("smok", [104, 101]),
    ("100%", [104]), ("% s", [104]), ("%", []), ("_", []), ("zzz", []), ("   ", []), ("12", []),  # 3 at least
    ("lee 7890", []),  # digits inside other words are not a phone number
])
def test_search_finds_by_each_field(desk, env, people, query, numbers):
    assert [t.number for t in desk.search(env, query)] == numbers


def test_search_puts_an_exact_number_first_and_respects_the_limit(desk, env):
    desk.publish(env, ticket(4567, subject="number"), at(0))
    desk.publish(env, ticket(9999, subject="phone", phone_number="555 4567"), at(0))
    assert [t.number for t in desk.search(env, "4567")] == [4567, 9999]
    assert len(desk.search(env, "4567", limit=1)) == 1


def test_history_finds_the_requesters_other_tickets(desk, env, people):
    by_email = desk.history(env, "ANN.LEE@EXAMPLE.COM", None, exclude=101)
    assert [t.number for t in by_email] == [104]
    by_phone = desk.history(env, None, "123.456.7890")
    assert [t.number for t in by_phone] == [104, 101]
    assert [t.number for t in desk.history(env, "nobody@example.com", "+44 (20) 7946-0958")] == [102]
    assert desk.history(env, "", "12") == []


# -- hostile text --------------------------------------------------------------------------------------

def test_hostile_text_round_trips_unchanged(desk, env):
    word = "x" * 100_000
    hostile = ticket(
        66, subject="<script>alert('x')</script> \u202eevil\u202c", message=f"{word} \\ ' \" ; DROP TABLE x; --",
        first_name="\u05e9\u05dc\u05d5\u05dd", last_name="O'Brien 🎉", email_address="a+b%_@x.example",
        replies=[Reply(message="<b>bold</b>\r\n\t", email_address="r@x.example", replied_on=at(1))],
    )
    assert desk.publish(env, hostile, at(0))
    assert desk.snapshot(env, 66).ticket == hostile
    assert [t.number for t in desk.search(env, "<script>")] == [66]
    assert [t.number for t in desk.search(env, "\u202eevil")] == [66]
    assert [t.number for t in desk.search(env, "a+b%_@")] == [66]
    assert [t.number for t in desk.search(env, "x" * 200)] == [66]
    assert [t.number for t in desk.search(env, "שלום")] == [66]


def test_a_nul_which_postgresql_cannot_store_becomes_a_replacement_character(desk, env):
    assert desk.publish(env, ticket(67, subject="a\x00b"), at(0))
    assert desk.snapshot(env, 67).ticket.subject == "a\ufffdb"
    assert not desk.publish(env, ticket(67, subject="a\x00b"), at(1))  # the same content: no event


def test_a_naive_fetch_time_is_refused(desk, env):
    with pytest.raises(ValueError, match="timezone-aware"):
        desk.publish(env, ticket(1), datetime(2026, 1, 1))


def test_the_registry_is_usable_from_worker_threads(desk, env):
    errors = []

    def work(base: int) -> None:
        try:
            for number in range(base, base + 10):
                desk.publish(env, dataclasses.replace(ticket(number)), at(0))
                desk.search(env, "ann")
        except TeamError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i * 100,)) for i in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors and len(desk.tickets(env)) == 40
