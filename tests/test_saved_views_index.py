"""Saved views without Qt: the index's conditions beyond the filter bar (unread, idle since), its counts for many
views at once, a filter and a sort in one go; what a view is, how it is written down and read back tolerantly,
and how the local store keeps views per environment."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime

import pytest

from gui.saved_views import MINE, UNASSIGNED_VIEW, SavedView, SavedViewError, SavedViews, older_than
from gui.store import SCHEMA_VERSION, LocalStore, TicketRow
from gui.ticket_index import ACTIVITY, NOT_CLOSED, NUMBER, UNASSIGNED, TicketIndex, make_filter
from tests.test_ticket_index import WORDS, shown

STATUSES = ("NEW_TICKET", "OPEN", "AWAITING_USER", "CLOSED")


def rows(count: int, seed: int = 3) -> list[TicketRow]:
    pick = random.Random(seed)
    made = []
    for number in range(1, count + 1):
        day = pick.randint(1, 28)
        subject = " ".join(pick.sample(WORDS, 2))
        made.append(TicketRow(number, subject, "Ann", "ann@x.co", pick.choice(STATUSES),
                              pick.choice(("HIGH", "NORMAL", "LOW")), 0, f"2026-01-{day:02d}T10:00:00+00:00",
                              pick.random() < 0.3, f"{number} {subject}", pick.choice(("", " me@x.co ")),
                              pick.choice(("", "me@x.co"))))
    return made


FILTERS = [
    make_filter(),
    make_filter(unread=True),
    make_filter(older_than="2026-01-10T00:00:00+00:00"),
    make_filter("printer", NOT_CLOSED, unread=True),
    make_filter("", "AWAITING_USER", older_than="2026-01-15T10:00:00+00:00"),
    make_filter("", "", "HIGH", " me@x.co ", True, "2026-01-20T00:00:00+00:00"),
    make_filter("o", "", "", UNASSIGNED, False, "2026-01-25T00:00:00+00:00"),
]


@pytest.mark.parametrize("wanted", FILTERS[1:])
def test_unread_and_idle_since_show_exactly_the_rows_that_pass_in_the_sort_order(wanted):
    index = TicketIndex()
    held = rows(400)
    index.set_rows(held)
    index.set_filter(wanted[0], wanted[1], wanted[2], wanted[3], wanted[4], wanted[5])
    passing = [r for r in held if index.matches(r, wanted)]
    if wanted[4]:
        assert all(r.unread for r in passing)
    if wanted[5]:
        assert all(r.last_activity < wanted[5] for r in passing)
    expected = [r.number for r in sorted(passing, key=lambda r: r.last_activity, reverse=True)]
    assert sorted(shown(index)) == sorted(expected) and len(passing) < len(held)
    changed = passing[0]._replace(unread=False, last_activity="2026-02-01T00:00:00+00:00") if passing else held[0]
    index.upsert(changed)  # read and active again: it leaves an unread or idle view at once
    assert (changed.number in shown(index)) == index.matches(changed, wanted)


def test_counts_of_many_views_are_what_each_filter_shows_and_change_nothing_shown():
    index = TicketIndex()
    index.set_rows(rows(2_000))
    index.set_filter("printer")
    before = shown(index)
    counts = index.counts(FILTERS)
    assert shown(index) == before and index.filter() == make_filter("printer")
    for wanted, count in zip(FILTERS, counts, strict=True):
        other = TicketIndex()
        other.set_rows(index.rows())
        other.set_filter(*wanted)
        assert other.shown_count() == count
    assert TicketIndex().counts(FILTERS) == [0] * len(FILTERS)


def test_a_filter_and_a_sort_at_once_show_what_setting_them_one_after_the_other_shows():
    held = rows(300)
    one, other = TicketIndex(), TicketIndex()
    one.set_rows(held)
    other.set_rows(held)
    wanted = make_filter("boot", NOT_CLOSED, unread=True)
    assert one.show(wanted, NUMBER, False).reset
    other.set_filter(*wanted)
    other.sort(NUMBER, False)
    assert shown(one) == shown(other) and one.filter() == wanted and one.sort_key() == (NUMBER, False)
    one.show(make_filter(), NUMBER, False)  # the same order: only the filter changes
    assert shown(one) == sorted(r.number for r in held)


def test_idle_for_hours_is_a_time_in_utc_to_the_minute_as_the_store_writes_last_activity():
    now = datetime(2026, 3, 10, 12, 34, 56, tzinfo=UTC)
    assert older_than(48, now) == "2026-03-08T12:34:00+00:00"
    assert older_than(0, now) == ""


def test_a_view_is_written_down_and_read_back_whole_and_what_it_cannot_read_takes_its_default():
    view = SavedView("Awaiting user > 48 h", "printer", frozenset({"AWAITING_USER"}), "HIGH", MINE, NUMBER,
                     False, True, 48).checked()
    assert SavedView.from_json(view.name, view.to_json(), 7) == SavedView(**{**view.__dict__, "id": 7})
    not_closed = SavedView("Open", statuses=NOT_CLOSED).checked()
    assert SavedView.from_json("Open", not_closed.to_json()).statuses == NOT_CLOSED
    odd = SavedView.from_json("Odd", json.dumps({"text": 5, "who": "everyone", "sort_column": 99, "idle_hours": -3,
                                                 "unread": "yes", "statuses": ["OPEN", 1], "future": True}))
    assert (odd.text, odd.who, odd.sort_column, odd.idle_hours, odd.unread, odd.statuses) == \
        ("", "all", ACTIVITY, 0, False, frozenset({"OPEN"}))
    with pytest.raises(ValueError):
        SavedView.from_json("Broken", "[1, 2]")


def test_a_view_filters_mine_with_the_agent_and_unassigned_only_in_a_team():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert SavedView("m", who=MINE).filter_at(now, " me@x.co ", False)[3] == " me@x.co "
    assert SavedView("u", who=UNASSIGNED_VIEW).filter_at(now, "", True)[3] == UNASSIGNED
    assert SavedView("u", who=UNASSIGNED_VIEW).filter_at(now, "", False)[3] == ""


@pytest.mark.parametrize("name, problem", [("   ", "needs a name"), ("x" * 81, "80 characters")])
def test_a_view_without_a_name_or_with_a_long_one_is_refused_in_words(name, problem):
    with pytest.raises(SavedViewError, match=problem):
        SavedView(name).checked()


def test_the_store_keeps_views_per_environment_in_order_with_names_unique_whatever_their_case(tmp_path):
    store = LocalStore(tmp_path / "desk.sqlite3")
    try:
        sandbox, production = SavedViews(store, "sandbox"), SavedViews(store, "production")
        first = sandbox.save(SavedView("First"))
        second = sandbox.save(SavedView("Second\tline", unread=True))
        assert second.name == "Second line"
        production.save(SavedView("First"))  # another environment: the same name is free
        with pytest.raises(SavedViewError, match="already have a view named"):
            sandbox.save(SavedView("FIRST"))
        sandbox.save(SavedView("Renamed", idle_hours=24, id=first.id))
        assert [(v.name, v.idle_hours) for v in sandbox.all()] == [("Renamed", 24), ("Second line", 0)]
        sandbox.delete(first.id)
        with pytest.raises(SavedViewError, match="no longer stored"):
            sandbox.save(SavedView("Gone", id=first.id))
        with store.batch():  # a view written by a newer desk, unreadable here: left out and left alone
            store._db.execute("UPDATE saved_view SET definition='not json' WHERE name='First'")
        assert [v.name for v in production.all()] == []
        assert [v.name for v in sandbox.all()] == ["Second line"]
    finally:
        store.close()


def test_migration_10_adds_the_views_to_a_store_of_schema_9_and_keeps_what_it_held(tmp_path):
    path = tmp_path / "old.sqlite3"
    store = LocalStore(path)
    store.close()
    with sqlite3.connect(path) as db:  # as a desk of schema 9 left it
        db.execute("DROP TABLE saved_view")
        db.execute("PRAGMA user_version=9")
    store = LocalStore(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10
        assert SavedViews(store, "sandbox").save(SavedView("After")).id
    finally:
        store.close()
