"""The workstation's own SQLite store: tracked tickets with their last snapshot, and drafts.

The API cannot list tickets, so this is the ticket list. Everything is keyed by
environment (a sandbox and production never mix numbers). Used from the UI thread and
from workers: one connection guarded by a lock; WAL so a reader never waits on a writer.
What the agent typed (drafts) is written at once and deleted only when the server took it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from .api import ApiError, Order, Reply, Ticket
from .canned import PERSONAL, Template, TemplateError

SCHEMA_VERSION = 10
JOURNAL_KEPT = 5_000  # settled outbox entries kept for Help > What this desk sent (about the newest this many)
# The list's filter looks in the replies too, the newest first, up to this many characters per ticket. The list
# holds every ticket's search text in memory (with a copy per kept sort order) and a keystroke may scan all of it
# on the UI thread, so each character here costs a little on the slowest keystroke and in memory at 100,000
# tickets; the cap bounds both for long threads, and the agent mostly looks for what was written lately.
REPLY_SEARCH_CHARS = 500
MIGRATION_BATCH = 500  # snapshots read and rewritten at a time by a migration that parses them


def _search_from_snapshots(db: sqlite3.Connection) -> None:
    """Migration 8: every stored ticket's ``search`` made again from its snapshot (now with its replies' text),
    a batch at a time so that 100,000 snapshots are never in memory at once. A snapshot that cannot be read
    keeps the search text it had."""
    last = 0
    while True:
        batch = db.execute("SELECT rowid, snapshot FROM ticket WHERE rowid > ? AND snapshot IS NOT NULL"
                           " ORDER BY rowid LIMIT ?", (last, MIGRATION_BATCH)).fetchall()
        if not batch:
            return
        last = batch[-1][0]
        searches = []
        for rowid, snapshot in batch:
            try:
                searches.append((_row_values(Ticket.from_json(json.loads(snapshot)))["search"], rowid))
            except (ValueError, ApiError):  # not JSON, or not a ticket: left as it was
                continue
        db.executemany("UPDATE ticket SET search=? WHERE rowid=?", searches)


_MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    1: """
    CREATE TABLE ticket (
        env TEXT NOT NULL,
        number INTEGER NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        requester TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT '',
        priority TEXT NOT NULL DEFAULT '',
        replies INTEGER NOT NULL DEFAULT 0,
        last_activity TEXT NOT NULL DEFAULT '',
        search TEXT NOT NULL DEFAULT '',
        snapshot TEXT,
        fetched_at TEXT,
        unread INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL,
        PRIMARY KEY (env, number)
    );
    CREATE TABLE draft (
        env TEXT NOT NULL,
        kind TEXT NOT NULL,
        ticket_number INTEGER NOT NULL,
        fields TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (env, kind, ticket_number)
    );
    """,
    2: """
    CREATE TABLE order_lookup (
        env TEXT NOT NULL,
        number INTEGER NOT NULL,
        customer TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        type TEXT NOT NULL DEFAULT '',
        snapshot TEXT NOT NULL,
        looked_up_at TEXT NOT NULL,
        PRIMARY KEY (env, number)
    );
    CREATE INDEX order_lookup_recent ON order_lookup (env, looked_up_at);
    CREATE TABLE diagnostic_sent (
        env TEXT NOT NULL,
        order_number INTEGER NOT NULL,
        result_code TEXT NOT NULL,
        eligible INTEGER NOT NULL,
        document TEXT NOT NULL DEFAULT '',
        sent_at TEXT NOT NULL
    );
    CREATE INDEX diagnostic_sent_order ON diagnostic_sent (env, order_number);
    """,
    3: """
    CREATE TABLE removed (
        env TEXT NOT NULL,
        number INTEGER NOT NULL,
        removed_at TEXT NOT NULL,
        PRIMARY KEY (env, number)
    );
    """,
    4: """
    CREATE TABLE team_cursor (
        env TEXT NOT NULL,
        team TEXT NOT NULL,
        cursor INTEGER NOT NULL,
        PRIMARY KEY (env, team)
    );
    """,
    # Who the agent is to a ticket ("Mine"): its creator on this desk, and the e-mail of every reply's author.
    # Backfilled from the snapshots (SQLite's lower() is ASCII-only; the next fetch stores Python's casefold).
    5: """
    ALTER TABLE ticket ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE ticket ADD COLUMN authors TEXT NOT NULL DEFAULT '';
    UPDATE ticket SET authors = coalesce((
        SELECT ' ' || group_concat(lower(json_extract(reply.value, '$.emailAddress')), ' ') || ' '
        FROM json_each(ticket.snapshot, '$.replies') AS reply
        WHERE json_extract(reply.value, '$.emailAddress') <> ''), '')
    WHERE snapshot IS NOT NULL AND json_valid(snapshot);
    """,
    # Who has the ticket in the team (the registry's own state: the vendor has no assignee).
    6: """
    ALTER TABLE ticket ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
    """,
    # The outbox and journal: each POST/PUT is written here before it leaves and settled when its outcome
    # is known (state 'open' until then), so a crash mid-send is settled at the next start, not guessed.
    7: """
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        env TEXT NOT NULL,
        kind TEXT NOT NULL,
        ticket_number INTEGER NOT NULL DEFAULT 0,
        body TEXT NOT NULL,
        digest TEXT NOT NULL,
        had INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open',
        outcome TEXT NOT NULL DEFAULT '',
        settled_at TEXT
    );
    CREATE INDEX journal_open ON journal (env, state);
    """,
    # The filter finds reply text: each ticket's search text gains its latest replies.
    8: _search_from_snapshots,
    # The agent's own canned replies (the team's are in the team database).
    9: """
    CREATE TABLE IF NOT EXISTS canned_reply (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        folded TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    """,
    # Saved views of the ticket list, per environment: a name and its filters (saved_views.SavedView.to_json).
    10: """
    CREATE TABLE IF NOT EXISTS saved_view (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        env TEXT NOT NULL,
        name TEXT NOT NULL,
        folded TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        definition TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (env, folded)
    );
    """,
}


class TicketRow(NamedTuple):
    """One line of the ticket list: plain values, so filtering and sorting stay in fast Python."""

    number: int
    subject: str
    requester: str
    email: str
    status: str
    priority: str
    replies: int
    last_activity: str  # ISO 8601 in UTC, sortable as text; '' when unknown (see first_seen)
    unread: bool
    search: str  # lower-case text the filter looks in
    people: str = ""  # " assignee creator reply-author ... ": casefolded, each between spaces ("Mine" looks here)
    assignee: str = ""  # the agent who took it in the team ('' : nobody)
    first_seen: bool = False  # no reply has a time: last_activity is when this desk first saw the ticket


class OrderRow(NamedTuple):
    """One line of the recent order lookups."""

    number: int
    customer: str
    email: str
    type: str
    looked_up_at: str


class Change(Enum):
    NEW = "new"  # the ticket was not in the list before
    CHANGED = "changed"  # replies, status or another field differ from the last snapshot
    SAME = "same"  # identical snapshot: nothing written


@dataclass(frozen=True)
class JournalEntry:
    """One request the desk sent (or was sending): what, about which ticket, and how it ended."""

    id: int
    kind: str  # 'reply' | 'change' | 'create'
    ticket_number: int  # 0 for a create whose number never came back
    body: dict[str, Any]
    had: int  # replies: copies of this text by this author on the ticket before it was sent
    started_at: str
    state: str  # 'open' (in flight), 'unknown' (no clear answer yet), 'done', 'failed'
    outcome: str
    settled_at: str | None

    @property
    def unsettled(self) -> bool:
        return self.state in ("open", "unknown")


@dataclass(frozen=True)
class Saved:
    """What one stored answer changed: the list row, and the snapshot as now stored."""

    change: Change
    row: TicketRow
    new_replies: int = 0
    old_status: str | None = None
    ticket: Ticket | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _now_precise() -> str:
    """Orders two lookups in the same second correctly."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _row_values(ticket: Ticket) -> dict[str, Any]:
    activity = ticket.last_activity
    digits = "".join(ch for ch in ticket.phone_number or "" if ch.isdigit())  # "(123) 456-7890" -> 1234567890
    texts = [str(ticket.ticket_number), ticket.subject, ticket.requester, ticket.email_address, digits,
             ticket.message, _latest_replies(ticket.replies)]
    return {
        "subject": ticket.subject or "",
        "requester": ticket.requester,
        "email": ticket.email_address or "",
        "status": str(ticket.status or ""),
        "priority": str(ticket.priority or ""),
        "replies": len(ticket.replies),
        "last_activity": activity.astimezone(UTC).isoformat(timespec="seconds") if activity else "",
        "search": " ".join(t for t in texts if t).casefold(),
        "authors": _authors(ticket),
    }


def _latest_replies(replies: list[Reply]) -> str:
    """The replies' text, the newest first, cut at ``REPLY_SEARCH_CHARS`` in all."""
    parts: list[str] = []
    room = REPLY_SEARCH_CHARS
    for reply in reversed(replies):
        if room <= 0:
            break
        text = (reply.message or "")[:room]
        if text:
            parts.append(text)
            room -= len(text) + 1
    return " ".join(parts)


def _authors(ticket: Ticket) -> str:
    """The reply authors' e-mails, each between spaces, so that " me@x.co " is found and "ame@x.co" is not."""
    emails = dict.fromkeys(e.strip().casefold() for r in ticket.replies if (e := r.email_address) and e.strip())
    return f" {' '.join(emails)} " if emails else ""


def person(email: str) -> str:
    """How ``TicketRow.people`` holds an e-mail: what the "Mine" view looks for."""
    email = email.strip().casefold()
    return f" {email} " if email else ""


_SELECT_ROWS = (  # the 8th column: a ticket without a reply's time is as new as when this desk first saw it
    "SELECT number, subject, requester, email, status, priority, replies,"
    " CASE last_activity WHEN '' THEN added_at ELSE last_activity END, unread, search,"
    " CASE assignee WHEN '' THEN '' ELSE ' ' || lower(assignee) || ' ' END"
    " || CASE created_by WHEN '' THEN authors ELSE ' ' || created_by || ' ' || authors END, assignee,"
    " last_activity = ''"
    " FROM ticket WHERE env=?"
)
_SELECT_ROW = _SELECT_ROWS + " AND number=?"


def _to_row(record: sqlite3.Row | tuple) -> TicketRow:
    (number, subject, requester, email, status, priority, replies, activity, unread, search, people, assignee,
     first_seen) = record
    return TicketRow(number, subject, requester, email, status, priority, replies, activity, bool(unread), search,
                     people, assignee, bool(first_seen))


class LocalStore:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._migrate()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"The local database {self.path} was made by a newer version of the app (schema {version})."
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            # One transaction per step: a crash mid-migration leaves the previous version intact.
            migration = _MIGRATIONS[step]
            if isinstance(migration, str):
                self._db.executescript(f"BEGIN; {migration} PRAGMA user_version={step}; COMMIT;")
                continue
            self._db.execute("BEGIN")
            try:
                migration(self._db)
                self._db.execute(f"PRAGMA user_version={step}")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes in one transaction (a page of a team catch-up): one commit instead of hundreds.
        Other threads' store calls wait meanwhile, so keep batches short."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ----------------------------------------------------------------- tickets

    def tickets(self, env: str) -> list[TicketRow]:
        """The environment's list, read on a connection of its own (WAL lets it run beside writes), so that a
        long read on a worker never makes the UI thread's store calls wait for the shared connection."""
        if self.path == ":memory:":
            with self._lock:
                records = self._db.execute(_SELECT_ROWS, (env,)).fetchall()
        else:
            with contextlib.closing(sqlite3.connect(self.path)) as reader:
                records = reader.execute(_SELECT_ROWS, (env,)).fetchall()
        return [_to_row(r) for r in records]

    def ticket_count(self, env: str) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM ticket WHERE env=?", (env,)).fetchone()[0]

    def ticket_numbers(self, env: str) -> list[int]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT number FROM ticket WHERE env=? ORDER BY number", (env,))]

    def snapshot(self, env: str, number: int) -> Ticket | None:
        with self._lock:
            record = self._db.execute(
                "SELECT snapshot FROM ticket WHERE env=? AND number=?", (env, number)
            ).fetchone()
        if record is None or not record[0]:
            return None
        return Ticket.from_json(json.loads(record[0]))

    def save_snapshot(self, env: str, ticket: Ticket, *, seen: bool, created_by: str = "") -> Saved:
        """Stores what the server just said. ``seen`` when the agent is looking at it (clears unread).
        ``created_by``: the e-mail of the agent who filed it on this desk (kept once known).

        A ticket the agent is not looking at becomes unread when it gained replies or changed
        status. An identical snapshot writes nothing.
        """
        snapshot = json.dumps(ticket.to_json(), ensure_ascii=False, sort_keys=True)
        values = _row_values(ticket)
        creator = created_by.strip().casefold()
        with self._lock:
            if creator:
                self._db.execute("UPDATE ticket SET created_by=? WHERE env=? AND number=?",
                                 (creator, env, ticket.ticket_number))
            old = self._db.execute(
                "SELECT snapshot, unread, replies, status FROM ticket WHERE env=? AND number=?",
                (env, ticket.ticket_number),
            ).fetchone()
            if old is None:
                self._db.execute(
                    "INSERT INTO ticket (env, number, subject, requester, email, status, priority, replies,"
                    " last_activity, search, snapshot, fetched_at, unread, added_at, authors, created_by)"
                    " VALUES (:env, :number, :subject, :requester, :email, :status, :priority, :replies,"
                    " :last_activity, :search, :snapshot, :fetched_at, :unread, :added_at, :authors, :created_by)",
                    {**values, "env": env, "number": ticket.ticket_number, "snapshot": snapshot,
                     "fetched_at": _now(), "unread": int(not seen), "added_at": _now(), "created_by": creator},
                )
                return Saved(Change.NEW, self._row(env, ticket.ticket_number), len(ticket.replies), ticket=ticket)
            old_snapshot, old_unread, old_replies, old_status = old
            same = old_snapshot == snapshot
            newsworthy = len(ticket.replies) > old_replies or values["status"] != old_status
            unread = False if seen else bool(old_unread or (newsworthy and not same))
            if same and unread == bool(old_unread):
                self._db.execute(
                    "UPDATE ticket SET fetched_at=? WHERE env=? AND number=?", (_now(), env, ticket.ticket_number)
                )
                return Saved(Change.SAME, self._row(env, ticket.ticket_number), ticket=ticket)
            self._db.execute(
                "UPDATE ticket SET subject=:subject, requester=:requester, email=:email, status=:status,"
                " priority=:priority, replies=:replies, last_activity=:last_activity, search=:search,"
                " authors=:authors, snapshot=:snapshot, fetched_at=:fetched_at, unread=:unread"
                " WHERE env=:env AND number=:number",
                {**values, "env": env, "number": ticket.ticket_number, "snapshot": snapshot,
                 "fetched_at": _now(), "unread": int(unread)},
            )
            return Saved(
                Change.SAME if same else Change.CHANGED,
                self._row(env, ticket.ticket_number),
                max(0, len(ticket.replies) - old_replies),
                old_status,
                ticket,
            )

    def _row(self, env: str, number: int) -> TicketRow:
        record = self._db.execute(_SELECT_ROW, (env, number)).fetchone()
        return _to_row(record)

    def first_seen(self, env: str, number: int) -> str:
        """When this desk first stored the ticket (ISO 8601 in UTC; '' when it is not listed): the nearest this
        desk knows to when the original message was written, which the API does not say."""
        with self._lock:
            record = self._db.execute("SELECT added_at FROM ticket WHERE env=? AND number=?", (env, number)).fetchone()
        return record[0] if record else ""

    def row(self, env: str, number: int) -> TicketRow | None:
        with self._lock:
            record = self._db.execute(_SELECT_ROW, (env, number)).fetchone()
        return None if record is None else _to_row(record)

    def set_assignee(self, env: str, number: int, assignee: str | None) -> TicketRow | None:
        """Who has the ticket in the team now; the new row, or None when it is not listed or already so."""
        with self._lock:
            changed = self._db.execute("UPDATE ticket SET assignee=? WHERE env=? AND number=? AND assignee<>?",
                                       (assignee or "", env, number, assignee or "")).rowcount
            return self._row(env, number) if changed else None

    def requester_tickets(self, env: str, email: str, exclude: int, limit: int = 50) -> list[TicketRow]:
        """This requester's other tickets on this desk (same e-mail, any case), newest first."""
        with self._lock:
            records = self._db.execute(_SELECT_ROWS + " AND lower(email)=? AND number<>? ORDER BY 8 DESC"
                                       " LIMIT ?", (env, email.strip().lower(), exclude, limit)).fetchall()
        return [_to_row(r) for r in records]

    def mark_read(self, env: str, number: int) -> None:
        with self._lock:
            self._db.execute("UPDATE ticket SET unread=0 WHERE env=? AND number=?", (env, number))

    def remove(self, env: str, number: int) -> None:
        """Forgets a ticket on this workstation (the server keeps it) and remembers that the agent did;
        its drafts stay."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM ticket WHERE env=? AND number=?", (env, number))
            self._db.execute("INSERT INTO removed (env, number, removed_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (env, number) DO UPDATE SET removed_at=excluded.removed_at",
                             (env, number, _now()))
            self._db.execute("COMMIT")

    def removed(self, env: str) -> set[int]:
        """Tickets the agent removed from this list and has not opened again."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT number FROM removed WHERE env=?", (env,))}

    def unremove(self, env: str, number: int) -> None:
        """The agent opened a removed ticket again: it may join the list."""
        with self._lock:
            self._db.execute("DELETE FROM removed WHERE env=? AND number=?", (env, number))

    # ------------------------------------------------------------------ several tickets at once (bulk)

    def set_unread(self, env: str, numbers: list[int], unread: bool) -> list[TicketRow]:
        """Marks each listed ticket unread (or read) in one transaction; the rows that changed (an Undo sets
        only those back)."""
        with self._lock:
            changed = []
            self._db.execute("BEGIN")
            try:
                for number in numbers:
                    if self._db.execute("UPDATE ticket SET unread=? WHERE env=? AND number=? AND unread<>?",
                                        (int(unread), env, number, int(unread))).rowcount:
                        changed.append(number)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return [self._row(env, number) for number in changed]

    def remove_many(self, env: str, numbers: list[int]) -> list[dict[str, Any]]:
        """``remove`` for several in one transaction; returns their stored records whole (snapshot, unread,
        when first seen, who filed it), so ``restore`` puts them back exactly as they were."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                records = []
                for number in numbers:
                    cursor = self._db.execute("SELECT * FROM ticket WHERE env=? AND number=?", (env, number))
                    record = cursor.fetchone()
                    if record is not None:
                        records.append(dict(zip([c[0] for c in cursor.description], record, strict=True)))
                    self._db.execute("DELETE FROM ticket WHERE env=? AND number=?", (env, number))
                    self._db.execute("INSERT INTO removed (env, number, removed_at) VALUES (?, ?, ?)"
                                     " ON CONFLICT (env, number) DO UPDATE SET removed_at=excluded.removed_at",
                                     (env, number, _now()))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return records

    def restore(self, env: str, records: list[dict[str, Any]]) -> list[TicketRow]:
        """Undoes ``remove_many``: the records are listed again as they were and no longer count as removed.
        A ticket listed again meanwhile (opened by number) keeps its newer row."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                restored = []
                known = [c[1] for c in self._db.execute("PRAGMA table_info(ticket)")]
                for record in records:
                    if record.get("env") != env:
                        continue
                    columns = [c for c in known if c in record]  # the table's own names, never the caller's
                    inserted = self._db.execute(
                        f"INSERT INTO ticket ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
                        " ON CONFLICT DO NOTHING", [record[c] for c in columns]).rowcount
                    self._db.execute("DELETE FROM removed WHERE env=? AND number=?", (env, record["number"]))
                    if inserted:
                        restored.append(record["number"])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return [self._row(env, number) for number in restored]

    # ------------------------------------------------------------------ team

    def team_cursor(self, env: str, team: str) -> int:
        """The last event of the team registry ``team`` this desk has taken in (0: none yet)."""
        with self._lock:
            record = self._db.execute("SELECT cursor FROM team_cursor WHERE env=? AND team=?", (env, team)).fetchone()
        return record[0] if record else 0

    def save_team_cursor(self, env: str, team: str, cursor: int) -> None:
        with self._lock:
            self._db.execute("INSERT INTO team_cursor (env, team, cursor) VALUES (?, ?, ?)"
                             " ON CONFLICT (env, team) DO UPDATE SET cursor=excluded.cursor", (env, team, cursor))

    # ------------------------------------------------------------------ drafts

    def save_draft(self, env: str, kind: str, ticket_number: int, fields: dict[str, Any]) -> None:
        """Keeps what the agent typed; an all-empty draft is deleted instead."""
        if not any(isinstance(v, str) and v.strip() for v in fields.values()):
            self.delete_draft(env, kind, ticket_number)
            return
        with self._lock:
            self._db.execute(
                "INSERT INTO draft (env, kind, ticket_number, fields, saved_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (env, kind, ticket_number) DO UPDATE SET fields=excluded.fields,"
                " saved_at=excluded.saved_at",
                (env, kind, ticket_number, json.dumps(fields, ensure_ascii=False), _now()),
            )

    def draft(self, env: str, kind: str, ticket_number: int) -> dict[str, Any] | None:
        with self._lock:
            record = self._db.execute(
                "SELECT fields FROM draft WHERE env=? AND kind=? AND ticket_number=?", (env, kind, ticket_number)
            ).fetchone()
        return None if record is None else json.loads(record[0])

    # ------------------------------------------------------------------ canned replies

    def templates(self) -> list[Template]:
        """The agent's own canned replies, by name."""
        with self._lock:
            rows = self._db.execute("SELECT id, name, text, status FROM canned_reply ORDER BY folded, id").fetchall()
        return [Template(name, text, status, PERSONAL, id_) for id_, name, text, status in rows]

    def save_template(self, template: Template) -> Template:
        """Adds (id 0) or replaces one; a name another has (whatever its case) is refused in words."""
        template = template.checked()
        values = (template.name, template.name.casefold(), template.text, template.status, _now())
        with self._lock:
            try:
                if template.id:
                    cursor = self._db.execute("UPDATE canned_reply SET name=?, folded=?, text=?, status=?,"
                                              " updated_at=? WHERE id=?", (*values, template.id))
                    if cursor.rowcount == 0:
                        raise TemplateError(f"\u201c{template.name}\u201d is no longer stored here.")
                    number = template.id
                else:
                    number = self._db.execute("INSERT INTO canned_reply (name, folded, text, status, updated_at)"
                                              " VALUES (?, ?, ?, ?, ?)", values).lastrowid
            except sqlite3.IntegrityError:
                raise TemplateError(f"You already have a canned reply named \u201c{template.name}\u201d.") from None
        return Template(template.name, template.text, template.status, PERSONAL, number)

    def delete_template(self, template_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM canned_reply WHERE id=?", (template_id,))

    # ------------------------------------------------------------------ saved views of the list

    def saved_views(self, env: str) -> list[tuple[int, str, str]]:
        """The environment's saved views, (id, name, definition), in the agent's order (``gui.saved_views``
        reads the definitions)."""
        with self._lock:
            return self._db.execute("SELECT id, name, definition FROM saved_view WHERE env=?"
                                    " ORDER BY position, id", (env,)).fetchall()

    def save_view(self, env: str, view_id: int, name: str, definition: str) -> int | None:
        """Adds (id 0: last in the order) or replaces one (keeping its place); its id, None if the one to replace
        is gone. sqlite3.IntegrityError: another view of this environment has the name (whatever its case)."""
        values = (name, name.casefold(), definition, _now())
        with self._lock:
            if view_id:
                cursor = self._db.execute("UPDATE saved_view SET name=?, folded=?, definition=?, updated_at=?"
                                          " WHERE id=? AND env=?", (*values, view_id, env))
                return view_id if cursor.rowcount else None
            return self._db.execute(
                "INSERT INTO saved_view (env, name, folded, definition, updated_at, position) VALUES"
                " (?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM saved_view WHERE env=?))",
                (env, *values, env)).lastrowid

    def delete_view(self, env: str, view_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM saved_view WHERE id=? AND env=?", (view_id, env))

    def delete_draft(self, env: str, kind: str, ticket_number: int) -> None:
        with self._lock:
            self._db.execute(
                "DELETE FROM draft WHERE env=? AND kind=? AND ticket_number=?", (env, kind, ticket_number)
            )

    # ------------------------------------------------------------------ the outbox and journal

    def journal_open(self, env: str, kind: str, ticket_number: int, body: dict[str, Any], *, had: int = 0) -> int:
        """Records a request about to leave; its id. Written (and committed) before the request is sent."""
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            entry = self._db.execute(
                "INSERT INTO journal (env, kind, ticket_number, body, digest, had, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (env, kind, ticket_number, text, digest, had, _now_precise()),
            ).lastrowid
            if entry % 100 == 0:  # now and then, the oldest settled entries go (unsettled ones always stay)
                self._db.execute("DELETE FROM journal WHERE state IN ('done', 'failed') AND id <= ?",
                                 (entry - JOURNAL_KEPT,))
            return entry

    def journal_settle(self, entry: int, state: str, outcome: str, *, ticket_number: int | None = None) -> None:
        """The request's outcome is known ('done', 'failed'), or still not ('unknown', kept open)."""
        with self._lock:
            self._db.execute(
                "UPDATE journal SET state=?, outcome=?, settled_at=?, ticket_number=coalesce(?, ticket_number)"
                " WHERE id=?", (state, outcome, _now_precise() if state in ("done", "failed") else None,
                                ticket_number, entry))

    def journal(self, env: str, *, unsettled: bool = False, limit: int = 500) -> list[JournalEntry]:
        """The newest entries first; ``unsettled``: only those whose outcome is not known yet, oldest first."""
        query = ("SELECT id, kind, ticket_number, body, had, started_at, state, outcome, settled_at FROM journal"
                 " WHERE env=?")
        query += " AND state IN ('open', 'unknown') ORDER BY id" if unsettled else " ORDER BY id DESC"
        with self._lock:
            records = self._db.execute(query + " LIMIT ?", (env, limit)).fetchall()
        return [JournalEntry(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8]) for r in records]

    # ------------------------------------------------------------------ orders

    def record_order(self, env: str, order: Order) -> None:
        """Remembers a lookup (the newest first in the recent list)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO order_lookup (env, number, customer, email, type, snapshot, looked_up_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (env, number) DO UPDATE SET customer=excluded.customer,"
                " email=excluded.email, type=excluded.type, snapshot=excluded.snapshot,"
                " looked_up_at=excluded.looked_up_at",
                (env, order.order_number, order.customer, order.email_address or "", str(order.type or ""),
                 json.dumps(order.to_json(), ensure_ascii=False), _now_precise()),
            )

    def recent_orders(self, env: str, limit: int = 500) -> list[OrderRow]:
        with self._lock:
            records = self._db.execute(
                "SELECT number, customer, email, type, looked_up_at FROM order_lookup WHERE env=?"
                " ORDER BY looked_up_at DESC LIMIT ?", (env, limit),
            ).fetchall()
        return [OrderRow(*record) for record in records]

    def order_snapshot(self, env: str, number: int) -> Order | None:
        with self._lock:
            record = self._db.execute(
                "SELECT snapshot FROM order_lookup WHERE env=? AND number=?", (env, number)
            ).fetchone()
        return None if record is None else Order.from_json(json.loads(record[0]))

    def record_diagnostic(self, env: str, number: int, result_code: str, eligible: bool, document: str) -> str:
        """Keeps a record of a diagnostic the server accepted; returns when (UTC, ISO 8601)."""
        sent_at = _now()
        with self._lock:
            self._db.execute(
                "INSERT INTO diagnostic_sent (env, order_number, result_code, eligible, document, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", (env, number, result_code, int(eligible), document, sent_at),
            )
        return sent_at

    def diagnostics_sent(self, env: str, number: int) -> list[tuple[str, bool, str, str]]:
        """(result code, eligible, document summary, sent at) for an order, oldest first."""
        with self._lock:
            records = self._db.execute(
                "SELECT result_code, eligible, document, sent_at FROM diagnostic_sent WHERE env=? AND order_number=?"
                " ORDER BY sent_at", (env, number),
            ).fetchall()
        return [(code, bool(eligible), document, sent_at) for code, eligible, document, sent_at in records]

    def result_codes(self, env: str) -> list[str]:
        """Result codes used before, most used first: the diagnostic form offers them."""
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT result_code FROM diagnostic_sent WHERE env=? GROUP BY result_code"
                " ORDER BY COUNT(*) DESC, MAX(sent_at) DESC", (env,),
            )]


# ------------------------------------------------------------ a database that cannot be opened

BROKEN_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB: damage, unlike "locked" or "read-only"
_SMALL_TABLES = ("draft", "removed", "team_cursor", "order_lookup", "diagnostic_sent", "canned_reply")


def open_store(path: str | Path) -> tuple[LocalStore, str | None]:
    """The local store at ``path``, and None; or, when that file is damaged, a fresh store and a message in words.

    Damaged means SQLite's own verdict (not a database, a malformed page), a 0-byte file, or what the check at
    open finds. The damaged file and its -wal/-shm are moved aside beside it with a dated name, never deleted.
    A file that cannot be opened for other reasons (locked, read-only, made by a newer version) raises as before.
    """
    path = Path(path)
    problem = damage(path)
    if problem is None:
        try:
            return LocalStore(path), None
        except sqlite3.DatabaseError as error:
            if getattr(error, "sqlite_errorcode", None) not in BROKEN_CODES:
                raise
            problem = _in_words(error)
    held = path.stat().st_size > 0 or Path(f"{path}-wal").exists()
    moved = move_aside(path)
    store = LocalStore(path)
    kept = ("What it held, drafts included, is still in the old file." if held
            else "The old file held nothing any more.")
    return store, (
        f"The local database could not be opened: {problem}. It was moved aside to {moved}, and the desk started "
        f"with a fresh one: tickets listed before must be opened again by number. {kept} Nothing was deleted."
    )


def _in_words(error: sqlite3.DatabaseError) -> str:
    if getattr(error, "sqlite_errorcode", None) == 26:  # SQLITE_NOTADB
        return "it is no longer a database (its beginning was overwritten)"
    return f"part of it is damaged (SQLite says: {error})"


def damage(path: Path) -> str | None:
    """What is wrong with the database file at ``path``, in SQLite's words; None when it is fine or absent.

    Cheap enough for every start: the header, the schema, ``PRAGMA quick_check`` of the small tables (drafts
    first), and one walk over the ticket table's pages (which the list read makes anyway right after, so it
    finds them in the cache). A full ``quick_check`` would also read every snapshot's overflow pages: 18 ms at
    10,000 tickets (37 MB) with a warm cache, 0.7-1.1 s cold on the machine measured.
    """
    if not path.exists():
        return None
    if path.stat().st_size == 0:
        return "the file is empty (0 bytes)"
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]  # reads the header: "file is not a database"
            if version > SCHEMA_VERSION:
                return None  # a newer app's file: LocalStore says so, nothing is moved
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            for table in ("ticket", *_SMALL_TABLES):
                if table not in tables:
                    continue
                if table == "ticket":
                    db.execute("SELECT count(subject) FROM ticket NOT INDEXED").fetchone()
                    continue
                verdict = [text for (text,) in db.execute(f"PRAGMA quick_check({table})")]
                if verdict != ["ok"]:
                    return f"part of it is damaged (SQLite's check of {table} says: {verdict[0]})"
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorcode", None) not in BROKEN_CODES:
            raise
        return _in_words(error)
    return None


def move_aside(path: Path, now: datetime | None = None) -> Path:
    """Renames ``path`` and its -wal/-shm to ``<name>.broken-YYYYmmdd-HHMMSS`` (-2, -3... if taken); the new name."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    count = 1
    while any(Path(f"{target}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
        count += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{count}")
    for suffix in ("-wal", "-shm", ""):  # the WAL first: an old WAL must never meet the fresh file
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(f"{target}{suffix}")
    return target
