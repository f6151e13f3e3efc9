"""The local store: tickets per environment with snapshots, unread marking, drafts, schema version."""

from __future__ import annotations

import contextlib
import random
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

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


def test_first_seen_is_when_the_desk_first_stored_the_ticket_in_utc_and_later_copies_keep_it(store):
    from gui.tickets import TicketRepository

    before = datetime.now(UTC).replace(microsecond=0)
    store.save_snapshot("sandbox", ticket(), seen=True)
    after = datetime.now(UTC)
    first = store.first_seen("sandbox", 1001)
    assert before <= datetime.fromisoformat(first) <= after and first.endswith("+00:00")
    store.save_snapshot("sandbox", ticket(replies=3, subject="Edited"), seen=False)
    assert store.first_seen("sandbox", 1001) == first
    owner = TicketRepository(store, "sandbox")
    assert owner.first_seen(1001) == first
    assert owner.first_seen(1002) == "" and store.first_seen("https://api.agilantsolutions.com", 1001) == ""


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
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with contextlib.closing(LocalStore(path)) as again:
        assert "it jams." in again.row("sandbox", 1001).search  # made again from the snapshot


# ------------------------------------------------ a local database that cannot be opened is moved aside

def filled(path) -> None:
    """A store as a desk leaves it: tickets and a draft, closed (the WAL checkpointed into the file)."""
    db = LocalStore(path)
    for number in range(1001, 1041):
        db.save_snapshot("sandbox", ticket(number, replies=3, subject=f"Printer {number}"), seen=True)
    db.save_draft("sandbox", "reply", 1001, {"message": "half a reply"})
    db.close()


def page_of(path, table: str) -> tuple[int, int]:
    """(page size, first page of ``table``'s b-tree)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
    return size, root


def garbage_header(path) -> None:
    with open(path, "r+b") as f:
        f.write(b"this is not what SQLite wrote here" * 3)


def garbage_in_one_page(table: str):
    def spoil(path) -> None:
        size, page = page_of(path, table)
        with open(path, "r+b") as f:
            f.seek((page - 1) * size)
            f.write(random.Random(page).randbytes(size))
    return spoil


def truncated(path) -> None:
    with open(path, "r+b") as f:
        f.truncate(0)


CORRUPTIONS = {
    "garbage header": garbage_header,
    "garbage in a ticket page": garbage_in_one_page("ticket"),
    "garbage in the draft page": garbage_in_one_page("draft"),
    "truncated to 0 bytes": truncated,
}


@pytest.mark.parametrize("spoil", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_damaged_database_is_moved_aside_told_in_words_and_a_fresh_store_works(tmp_path, spoil):
    from gui.store import open_store

    path = tmp_path / "togadesk.sqlite3"
    filled(path)
    spoil(path)
    damaged = path.read_bytes()
    store, message = open_store(path)
    try:
        [kept] = list(tmp_path.glob("togadesk.sqlite3.broken-*"))
        assert re.fullmatch(r"togadesk\.sqlite3\.broken-\d{8}-\d{6}", kept.name)
        assert kept.read_bytes() == damaged  # nothing deleted, nothing changed
        assert message is not None and str(kept) in message and "Nothing was deleted" in message
        assert message.startswith("The local database could not be opened: ") and "Traceback" not in message
        assert ("is still in the old file" in message) is (spoil is not truncated)
        assert store.tickets("sandbox") == [] and store.draft("sandbox", "reply", 1001) is None
        store.save_snapshot("sandbox", ticket(2002), seen=True)
        store.save_draft("sandbox", "reply", 2002, {"message": "fresh"})
        assert [r.number for r in store.tickets("sandbox")] == [2002]
        assert store.draft("sandbox", "reply", 2002) == {"message": "fresh"}
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_without_the_check_a_page_of_garbage_surfaces_later_as_raw_sqlite_text(tmp_path):
    """Why open_store checks: LocalStore alone opens this file, and the list read fails at start."""
    path = tmp_path / "togadesk.sqlite3"
    filled(path)
    garbage_in_one_page("ticket")(path)
    db = LocalStore(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="malformed"):
            db.tickets("sandbox")
    finally:
        db.close()


def test_a_sound_or_missing_database_opens_without_a_message_and_keeps_its_data(tmp_path):
    from gui.store import open_store

    path = tmp_path / "togadesk.sqlite3"
    store, message = open_store(path)  # first start: no file yet
    store.close()
    assert message is None
    filled(path)
    store, message = open_store(path)
    try:
        assert message is None and len(store.tickets("sandbox")) == 40
        assert store.draft("sandbox", "reply", 1001) == {"message": "half a reply"}
    finally:
        store.close()
    assert list(tmp_path.glob("*.broken-*")) == []


def test_a_database_of_a_newer_version_is_not_moved_aside(tmp_path):
    from gui.store import open_store

    path = tmp_path / "togadesk.sqlite3"
    filled(path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(sqlite3.DatabaseError, match="newer version"):
        open_store(path)
    assert list(tmp_path.glob("*.broken-*")) == []


def test_moving_aside_takes_the_wal_and_shm_along_and_never_overwrites_an_earlier_copy(tmp_path):
    from gui.store import move_aside

    path = tmp_path / "togadesk.sqlite3"
    moment = datetime(2026, 12, 1, 21, 30, 5)
    for round_ in ("first", "second"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").write_text(f"{round_}{suffix}")
        move_aside(path, moment)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["togadesk.sqlite3.broken-20261201-213005", "togadesk.sqlite3.broken-20261201-213005-2",
                     "togadesk.sqlite3.broken-20261201-213005-2-shm", "togadesk.sqlite3.broken-20261201-213005-2-wal",
                     "togadesk.sqlite3.broken-20261201-213005-shm", "togadesk.sqlite3.broken-20261201-213005-wal"]
    assert (tmp_path / "togadesk.sqlite3.broken-20261201-213005-wal").read_text() == "first-wal"
    assert (tmp_path / "togadesk.sqlite3.broken-20261201-213005-2").read_text() == "second"


def test_the_desk_on_a_damaged_database_starts_on_a_fresh_one_and_says_where_the_old_one_is(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from gui.app import STORE_FILE
    from gui.app import Desk as AppDesk
    from gui.settings import Secrets

    folder = tmp_path / "data"
    folder.mkdir()
    filled(folder / STORE_FILE)
    garbage_in_one_page("ticket")(folder / STORE_FILE)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    desk = AppDesk(folder, settings, Secrets(), demo=True)
    qtbot.addWidget(desk.window)
    try:
        with qtbot.waitSignal(desk.ready, timeout=10_000):
            desk.start()
        [kept] = list(folder.glob(f"{STORE_FILE}.broken-*"))
        shown = desk.window.list_banner.text() + desk.window.welcome.banner.text()
        assert "could not be opened" in shown and str(kept) in shown and "Nothing was deleted" in shown
    finally:
        desk.window.close()
        assert desk.shutdown()


# ------------------------------------------------ who the agent is to a ticket ("Mine")

def test_a_row_names_its_creator_on_this_desk_and_every_reply_author_between_spaces(store):
    answered = replace(ticket(1001), replies=[
        Reply("On it", "Sam@Example.COM", "Sam", "Rivera", datetime(2026, 1, 1, 9, tzinfo=UTC)),
        Reply("Thanks", "c@example.com", "Cara", "Client", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        Reply("Again", "sam@example.com", "Sam", "Rivera", datetime(2026, 1, 1, 11, tzinfo=UTC))])
    store.save_snapshot("sandbox", answered, seen=True)
    store.save_snapshot("sandbox", ticket(1002), seen=True, created_by=" Jane@Example.com ")
    store.save_snapshot("sandbox", ticket(1002, subject="Edited"), seen=True)  # a later fetch keeps the creator

    people = {row.number: row.people for row in store.tickets("sandbox")}
    assert people[1001].split() == ["sam@example.com", "c@example.com"]
    assert people[1001].startswith(" ") and people[1001].endswith(" ")
    assert people[1002] == " jane@example.com "


def test_a_version_4_database_learns_its_reply_authors_from_the_stored_snapshots(tmp_path):
    import json as _json

    from gui.store import _MIGRATIONS

    path = tmp_path / "v4.sqlite3"
    answered = ticket(1001, replies=1)
    with sqlite3.connect(path) as db:
        for step in range(1, 5):
            db.executescript(_MIGRATIONS[step])
        db.execute("PRAGMA user_version=4")
        for number, snapshot in ((1001, _json.dumps(answered.to_json())), (1002, "not json"), (1003, None)):
            db.execute("INSERT INTO ticket (env, number, snapshot, added_at) VALUES (?, ?, ?, ?)",
                       ("sandbox", number, snapshot, "2026-01-01T00:00:00+00:00"))
    store = LocalStore(path)
    try:
        assert {row.number: row.people for row in store.tickets("sandbox")} == {
            1001: " c@example.com ", 1002: "", 1003: ""}
    finally:
        store.close()


def test_the_search_text_holds_the_latest_replies_newest_first_up_to_the_cap(store, monkeypatch):
    monkeypatch.setattr("gui.store.REPLY_SEARCH_CHARS", 45)
    thread = [Reply(text, "c@example.com", "Cara", "Client", datetime(2026, 1, 1, 9, i, tzinfo=UTC))
              for i, text in enumerate(["Oldest words: FLOPPY", "Middle one: Toner", "Newest: Restart the DOCK"])]
    store.save_snapshot("sandbox", replace(ticket(), replies=thread), seen=True)
    search = store.row("sandbox", 1001).search
    assert "restart the dock" in search and "middle one: toner" in search  # casefolded, like the rest
    assert "floppy" not in search  # beyond the 45 characters of the newest replies
    assert search.count("newest") == 1


def test_a_version_7_database_finds_reply_text_after_its_migration_batch_by_batch(tmp_path, monkeypatch):
    monkeypatch.setattr("gui.store.MIGRATION_BATCH", 2)
    path = tmp_path / "v7.sqlite3"
    with contextlib.closing(LocalStore(path)) as first:
        for number in range(1001, 1006):
            first.save_snapshot("sandbox", replace(ticket(number, replies=1), replies=[
                Reply(f"Word{number} in a reply", "c@example.com", "Cara", "Client")]), seen=True)
    with sqlite3.connect(path) as db:  # as version 7 stored them: no reply text in search
        db.execute("UPDATE ticket SET search = number || ' printer jam'")
        db.execute("UPDATE ticket SET snapshot='not json' WHERE number=1005")
        db.execute("PRAGMA user_version=7")
    with contextlib.closing(LocalStore(path)) as store:
        searches = {row.number: row.search for row in store.tickets("sandbox")}
    assert all(f"word{n} in a reply" in searches[n] for n in range(1001, 1005))
    assert searches[1005] == "1005 printer jam"  # a snapshot that cannot be read keeps what it had
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_ticket_without_a_reply_is_as_new_as_when_the_desk_first_saw_it(store):
    store.save_snapshot("sandbox", ticket(1001), seen=True)
    store.save_snapshot("sandbox", ticket(1002, replies=1), seen=True)
    rows = {row.number: row for row in store.tickets("sandbox")}
    assert rows[1001].last_activity == store.first_seen("sandbox", 1001) and rows[1001].first_seen
    assert rows[1002].last_activity == "2026-01-01T09:00:00+00:00" and not rows[1002].first_seen
    assert store.row("sandbox", 1001) == rows[1001]
    newest_first = store.requester_tickets("sandbox", "c@example.com", exclude=0)
    assert [row.number for row in newest_first] == [1001, 1002]


def test_the_journal_keeps_about_the_newest_settled_entries_and_every_unsettled_one(store, monkeypatch):
    monkeypatch.setattr("gui.store.JOURNAL_KEPT", 150)
    first = store.journal_open("sandbox", "reply", 1001, {"message": "never answered"})  # stays unsettled
    for i in range(400):
        entry = store.journal_open("sandbox", "reply", 1001, {"message": f"reply {i}"})
        store.journal_settle(entry, "done", "Reply sent")
    kept = store.journal("sandbox", limit=10_000)
    assert 150 <= len(kept) <= 260
    assert first in {e.id for e in kept} and kept[0].body == {"message": "reply 399"}
