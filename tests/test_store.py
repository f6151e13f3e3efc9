"""The local store: tickets per environment with snapshots, unread marking, drafts, schema version."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gui.api import Reply, Status, Ticket
from gui.store import SCHEMA_VERSION, Change, LocalStore


@pytest.fixture
def store(tmp_path):
    db = LocalStore(tmp_path / "togadesk.sqlite3")
    yield db
    db.close()


def ticket(number=1001, status=Status.OPEN, replies=0, subject="Printer jam") -> Ticket:
    thread = [Reply(f"reply {i}", "c@example.com", "Cara", "Client", datetime(2026, 1, 1, 9, i, tzinfo=UTC))
              for i in range(replies)]
    return Ticket(number, subject, "It jams.", status, "NORMAL", "Cara", "Client", "c@example.com", None, thread)


def test_a_ticket_saved_once_is_listed_with_its_row_values(store):
    saved = store.save_snapshot("sandbox", ticket(replies=2), seen=True)
    assert saved.change is Change.NEW
    [row] = store.tickets("sandbox")
    assert (row.number, row.subject, row.requester, row.status, row.replies) == (1001, "Printer jam", "Cara Client",
                                                                                 "OPEN", 2)
    assert row.last_activity == "2026-01-01T09:01:00+00:00"
    assert "printer jam" in row.search and "c@example.com" in row.search and "it jams." in row.search
    assert store.snapshot("sandbox", 1001) == ticket(replies=2)


def test_environments_never_mix(store):
    store.save_snapshot("sandbox", ticket(), seen=True)
    assert store.tickets("https://api.agilantsolutions.com") == []


def test_an_identical_snapshot_changes_nothing(store):
    store.save_snapshot("sandbox", ticket(), seen=True)
    assert store.save_snapshot("sandbox", ticket(), seen=False).change is Change.SAME
    assert not store.row("sandbox", 1001).unread


def test_a_new_reply_on_a_ticket_not_on_screen_marks_it_unread_until_seen(store):
    store.save_snapshot("sandbox", ticket(replies=1), seen=True)
    saved = store.save_snapshot("sandbox", ticket(replies=2), seen=False)
    assert (saved.change, saved.new_replies, saved.row.unread) == (Change.CHANGED, 1, True)
    assert store.save_snapshot("sandbox", ticket(replies=2), seen=False).row.unread  # stays unread
    store.mark_read("sandbox", 1001)
    assert not store.row("sandbox", 1001).unread


def test_a_status_change_marks_unread_but_a_subject_edit_does_not(store):
    store.save_snapshot("sandbox", ticket(), seen=True)
    assert not store.save_snapshot("sandbox", ticket(subject="Edited"), seen=False).row.unread
    saved = store.save_snapshot("sandbox", ticket(subject="Edited", status=Status.CLOSED), seen=False)
    assert saved.row.unread and saved.old_status == "OPEN"


def test_removing_forgets_the_ticket_locally(store):
    store.save_snapshot("sandbox", ticket(), seen=True)
    store.remove("sandbox", 1001)
    assert store.tickets("sandbox") == [] and store.snapshot("sandbox", 1001) is None


def test_drafts_survive_reopening_the_store_and_blank_ones_are_dropped(tmp_path):
    first = LocalStore(tmp_path / "d.sqlite3")
    first.save_draft("sandbox", "reply", 1001, {"message": "Half-written 🙂"})
    first.close()
    second = LocalStore(tmp_path / "d.sqlite3")
    assert second.draft("sandbox", "reply", 1001) == {"message": "Half-written 🙂"}
    second.save_draft("sandbox", "reply", 1001, {"message": "   "})
    assert second.draft("sandbox", "reply", 1001) is None
    second.close()


def test_the_schema_is_versioned_and_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "v.sqlite3"
    LocalStore(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(sqlite3.DatabaseError, match="newer version"):
        LocalStore(path)


def test_snapshots_round_trip_unknown_values(store):
    odd = replace(ticket(), status="ESCALATED", priority="URGENT")
    store.save_snapshot("sandbox", odd, seen=True)
    assert store.snapshot("sandbox", 1001) == odd


def test_a_version_1_database_is_migrated_keeping_its_tickets(tmp_path):
    import json as _json

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        from gui.store import _MIGRATIONS

        db.executescript(_MIGRATIONS[1])
        db.execute("PRAGMA user_version=1")
        db.execute("INSERT INTO ticket (env, number, subject, snapshot, added_at) VALUES (?, ?, ?, ?, ?)",
                   ("sandbox", 1001, "Old", _json.dumps(ticket().to_json()), "2026-01-01T00:00:00+00:00"))
    store = LocalStore(path)
    try:
        assert [row.number for row in store.tickets("sandbox")] == [1001]
        assert store.recent_orders("sandbox") == []
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
