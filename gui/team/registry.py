"""The team registry: what a desk (or the relay) reads and writes in the team's PostgreSQL database.

Thread-safe: calls from several worker threads share one connection, one call at a time, and a broken
connection is replaced on the next call. ``listen`` runs on its own connection, on a thread of its
own. Nothing here imports Qt, and nothing blocks the caller for long: libpq's connect timeout and a
statement timeout bound every call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from gui.api.errors import ResponseError
from gui.api.models import Ticket
from gui.canned import TEAM, Template

from .conninfo import describe, prepare, scrub, secrets_of
from .errors import TeamError
from .schema import CHANNEL, DESK_ROLE, PRESENCE_CHANNEL, SCHEMA_VERSION

log = logging.getLogger(__name__)
T = TypeVar("T")

STATEMENT_TIMEOUT_MS = 30_000
MIN_PHONE_DIGITS = 4  # fewer digits in a query are not taken for (part of) a phone number
MIN_SEARCH = 3  # shorter text matches too much to be worth a query (a ticket number is looked up at any length)
_PHONE_LIKE = re.compile(r"[0-9 ()+\-./]+")  # how people write phone numbers: nothing else in the query
MAX_NUMBER = 2**63 - 1
_RETRIES = 5

_SURROGATE = re.compile("[\ud800-\udfff]")
_COLUMNS = ("env, number, snapshot, fetched_at, fetched_by, first_recorded_by, first_recorded_at, vendor_missing,"
            " assignee")


def phone_digits(text: str | None) -> str:
    """The ASCII digits of a phone number, the form it is stored and searched in."""
    return re.sub(r"[^0-9]", "", text or "")


@dataclass(frozen=True)
class TeamEvent:
    """One entry of the append-only log: ticket ``number`` of ``env`` was added, changed or found missing."""

    id: int
    env: str
    number: int
    kind: str  # 'added' | 'changed' | 'missing' | 'assigned'
    changed_fields: tuple[str, ...]  # the snapshot's keys (the vendor's names) that differ, for 'changed'
    agent: str
    at: datetime
    assignee: str | None = None  # for 'assigned': who has the ticket now (None: released)


@dataclass(frozen=True)
class RegistryTicket:
    """A ticket as the team knows it: the vendor's last snapshot and who fetched it when."""

    env: str
    ticket: Ticket
    fetched_at: datetime
    fetched_by: str
    first_recorded_by: str
    first_recorded_at: datetime
    vendor_missing: bool  # the vendor answered 404 for it; kept, not deleted
    assignee: str | None = None  # the agent who took it (the registry's own: the vendor has no assignee)

    @property
    def number(self) -> int:
        return self.ticket.ticket_number


@dataclass(frozen=True)
class Assignment:
    """The outcome of ``TeamRegistry.assign``: ``done``, and who has the ticket now either way."""

    done: bool
    assignee: str | None
    known: bool = True  # False: the team has no record of this ticket (yet)


@dataclass(frozen=True)
class Presence:
    """A desk on a ticket now: ``state`` 'viewing' or 'replying', until ``expires_in`` seconds from now
    (by the database's clock) unless its desk's heartbeat renews it."""

    number: int
    agent: str
    name: str
    state: str
    expires_in: float

    @property
    def who(self) -> str:
        return self.name or self.agent


class _Raced(Exception):
    """Another writer inserted the same new ticket between our read and our write: read again."""


def _clean(value: Any) -> Any:
    """The snapshot as PostgreSQL can store it: NUL (which text cannot hold) becomes U+FFFD, and so do
    lone surrogates (which UTF-8 cannot encode). Everything else is kept exactly."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "\ufffd")
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment


class TeamRegistry:
    """The team's tickets of each environment (``env``: the vendor server's URL or another stable key).

    ``agent`` names this desk in what it records (first recorded by, fetched by, events). ``password``
    comes from the OS keyring; the URL itself should hold none.
    """

    def __init__(self, conninfo: str, *, agent: str, password: str | None = None) -> None:
        self.agent = agent
        self._params = prepare(conninfo, password)
        self._where = describe(self._params)
        self._secrets = secrets_of(self._params)
        self._lock = threading.RLock()
        self._conn: psycopg.Connection | None = None
        self._closed = threading.Event()

    def __enter__(self) -> TeamRegistry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<TeamRegistry {self._where}>"

    @property
    def where(self) -> str:
        """Which database this is, for messages: host, database and user, never the password."""
        return self._where

    # -- connections and errors ------------------------------------------------------------------

    def connect(self, *, check_schema: bool = True) -> psycopg.Connection:
        """A new autocommit connection (callers open transactions explicitly). With ``check_schema``,
        a database without this app's schema version is refused: an older app must not write to a
        newer schema, and a newer app must not guess at an older one."""
        if self._closed.is_set():
            raise TeamError("The team registry is closed.")
        try:
            conn = psycopg.connect(**self._params, autocommit=True)
        except psycopg.Error as exc:
            raise self._error(exc, "connect") from None
        try:
            conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
            if check_schema:
                self._check_schema(conn)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, psycopg.Error):
                raise self._error(exc, "read the schema version") from None
            raise
        log.info("Connected to the team %s", self._where)
        return conn

    def _check_schema(self, conn: psycopg.Connection) -> None:
        try:
            row = conn.execute("SELECT max(version) FROM togadesk.schema_version").fetchone()
        except (pg_errors.UndefinedTable, pg_errors.InvalidSchemaName):
            raise TeamError(
                f"The team {self._where} has no TOGaDesk schema; run: python main.py --team-setup URL"
            ) from None
        version = row[0] if row else None
        if version == SCHEMA_VERSION:
            return
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise TeamError(f"The team {self._where} has schema version {version}, newer than this app "
                            f"knows ({SCHEMA_VERSION}); update TOGaDesk Agent.")
        raise TeamError(f"The team {self._where} has schema version {version}, this app needs "
                        f"{SCHEMA_VERSION}; run: python main.py --team-setup URL")

    def _error(self, exc: BaseException, doing: str) -> TeamError:
        """One readable sentence for a psycopg error: what failed, where, and libpq's reason (its
        first line, secrets scrubbed). Never the connection string."""
        if isinstance(exc, TeamError):
            return exc
        diag = getattr(exc, "diag", None)
        reason = (getattr(diag, "message_primary", None) or str(exc) or type(exc).__name__).strip()
        reason = scrub(reason.splitlines()[0] if reason else "", self._secrets)[:300]
        if isinstance(exc, pg_errors.InsufficientPrivilege):
            user = self._params.get("user") or "this user"
            return TeamError(f"The team {self._where} refused to {doing}: {reason}. "
                             f"An administrator can run: GRANT {DESK_ROLE} TO {user};")
        if isinstance(exc, (pg_errors.UndefinedTable, pg_errors.InvalidSchemaName)):
            return TeamError(f"The team {self._where} has no TOGaDesk schema ({reason}); "
                             "run: python main.py --team-setup URL")
        if isinstance(exc, psycopg.OperationalError) and doing == "connect":
            return TeamError(f"Could not connect to the team {self._where}: {reason}")
        if isinstance(exc, psycopg.OperationalError):
            return TeamError(f"Lost the connection to the team {self._where} ({reason}); will reconnect.")
        return TeamError(f"The team {self._where} could not {doing}: {reason}")

    def _run(self, doing: str, work: Callable[[psycopg.Connection], T]) -> T:
        """``work`` on the shared connection, one caller at a time; psycopg errors become TeamError and a
        broken connection is dropped, so the next call connects again."""
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = self.connect()
            conn = self._conn
            try:
                return work(conn)
            except psycopg.Error as exc:
                if conn.closed or conn.broken:
                    self._drop()
                raise self._error(exc, doing) from None

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def close(self) -> None:
        """Closes the shared connection and ends a running ``listen`` within its poll interval."""
        self._closed.set()
        with self._lock:
            self._drop()

    # -- writing ---------------------------------------------------------------------------------

    def publish(self, env: str, ticket: Ticket, fetched_at: datetime) -> bool:
        """Stores the vendor's snapshot of ``ticket`` as fetched at ``fetched_at``, unless the registry
        already holds one fetched at that time or later (newest wins, whoever publishes last), and
        appends an 'added' or 'changed' event (with the snapshot keys that differ) in the same
        transaction. True when an event was appended; a newer fetch of an unchanged ticket only moves
        its fetch time. Safe to repeat and to race: concurrent publishers end with the newest one."""
        _aware(fetched_at, "fetched_at")
        snapshot = _clean(ticket.to_json())
        number = ticket.ticket_number
        if not 0 <= number <= MAX_NUMBER:
            raise TeamError(f"Ticket number {number} cannot be stored in the team database.")

        def work(conn: psycopg.Connection) -> bool:
            for _ in range(_RETRIES):
                try:
                    with conn.transaction():
                        return self._publish_once(conn, env, number, snapshot, fetched_at)
                except _Raced:
                    continue
            raise TeamError(f"The team {self._where} kept changing ticket {number}; try again.")

        return self._run(f"publish ticket {number}", work)

    def _publish_once(self, conn: psycopg.Connection, env: str, number: int, snapshot: dict[str, Any],
                      fetched_at: datetime) -> bool:
        old = conn.execute(
            "SELECT snapshot, fetched_at, vendor_missing FROM togadesk.ticket"
            " WHERE env = %s AND number = %s FOR UPDATE", (env, number)).fetchone()
        if old is not None and old[1] >= fetched_at:
            return False
        row = conn.execute(
            """INSERT INTO togadesk.ticket AS t
                    (env, number, snapshot, first_recorded_by, fetched_at, fetched_by)
                VALUES (%(env)s, %(number)s, %(snapshot)s, %(agent)s, %(fetched_at)s, %(agent)s)
                ON CONFLICT (env, number) DO UPDATE
                    SET snapshot = excluded.snapshot, fetched_at = excluded.fetched_at,
                        fetched_by = excluded.fetched_by, vendor_missing = false
                    WHERE t.fetched_at < excluded.fetched_at
                RETURNING (xmax = 0)""",
            {"env": env, "number": number, "snapshot": Jsonb(snapshot), "agent": self.agent,
             "fetched_at": fetched_at}).fetchone()
        if row is None:
            return False  # a publisher that committed meanwhile stored one at least as new
        inserted = bool(row[0])
        if old is None and not inserted:
            raise _Raced  # we updated a row we never read: its old fields are unknown
        if inserted:
            kind, fields = "added", []
        else:
            previous = old[0] if isinstance(old[0], dict) else {}
            fields = _changed(previous, snapshot)
            if old[2]:
                fields.append("vendor_missing")  # the vendor has it again
            if not fields:
                return False
            kind = "changed"
        self._append(conn, env, number, kind, fields)
        return True

    def _append(self, conn: psycopg.Connection, env: str, number: int, kind: str, fields: list[str],
                detail: dict[str, Any] | None = None) -> None:
        # The last write of its transaction: the event-order lock it takes is held until commit.
        conn.execute("INSERT INTO togadesk.event (env, number, kind, changed_fields, agent, detail)"
                     " VALUES (%s, %s, %s, %s, %s, %s)",
                     (env, number, kind, fields, self.agent, None if detail is None else Jsonb(detail)))

    def assign(self, env: str, number: int, to: str | None, *, expected: str | None) -> Assignment:
        """Gives ticket ``number`` to agent ``to`` (None: releases it) if it is still with ``expected``
        (None: nobody), as the desk last saw it. Atomic: of two agents taking one ticket at once, one wins
        and the other learns who has it. An 'assigned' event records the change."""
        if not 0 <= number <= MAX_NUMBER:
            return Assignment(False, None, known=False)

        def work(conn: psycopg.Connection) -> Assignment:
            with conn.transaction():
                row = conn.execute(
                    """UPDATE togadesk.ticket SET assignee = %(to)s, assigned_at = now(), assigned_by = %(agent)s
                        WHERE env = %(env)s AND number = %(number)s
                          AND assignee IS NOT DISTINCT FROM %(expected)s AND assignee IS DISTINCT FROM %(to)s
                        RETURNING number""",
                    {"to": to, "agent": self.agent, "env": env, "number": number, "expected": expected}).fetchone()
                if row is not None:
                    self._append(conn, env, number, "assigned", ["assignee"], {"from": expected, "to": to})
                    return Assignment(True, to)
                held = conn.execute("SELECT assignee FROM togadesk.ticket WHERE env = %s AND number = %s",
                                    (env, number)).fetchone()
                if held is None:
                    return Assignment(False, None, known=False)
                return Assignment(held[0] == to, held[0])  # already theirs counts as done

        return self._run(f"assign ticket {number}", work)

    def set_presence(self, env: str, number: int | None, state: str, *, name: str = "", ttl_s: float = 15.0) -> None:
        """This desk is on ``number`` (None: on no ticket) as ``state`` ('viewing' or 'replying') for the next
        ``ttl_s`` seconds; its other presence rows of ``env`` go. Repeat it as a heartbeat: a desk that
        stops (crash, sleep) fades by itself. Only a change of ticket or state notifies the other desks."""
        def work(conn: psycopg.Connection) -> None:
            with conn.transaction():
                conn.execute("DELETE FROM togadesk.presence WHERE env = %s AND agent = %s"
                             " AND (number IS DISTINCT FROM %s OR expires_at < now())", (env, self.agent, number))
                if number is not None and 0 <= number <= MAX_NUMBER:
                    conn.execute(
                        """INSERT INTO togadesk.presence AS p (env, number, agent, name, state, expires_at)
                            VALUES (%s, %s, %s, %s, %s, now() + make_interval(secs => %s))
                            ON CONFLICT (env, number, agent) DO UPDATE
                                SET state = excluded.state, name = excluded.name, expires_at = excluded.expires_at""",
                        (env, number, self.agent, name, state, ttl_s))

        self._run("record where this desk is", work)

    def presence(self, env: str) -> list[Presence]:
        """Every desk on a ticket of ``env`` now (this one too), most recent state first."""
        rows = self._run("read who is on which ticket", lambda conn: conn.execute(
            "SELECT number, agent, name, state, extract(epoch FROM expires_at - now())::float8"
            " FROM togadesk.presence WHERE env = %s AND expires_at > now() ORDER BY number, agent LIMIT 1000",
            (env,)).fetchall())
        return [Presence(*row) for row in rows]

    def teammates(self, env: str, limit: int = 2000) -> list[str]:
        """Agents seen lately in the log of ``env`` (for "Give to..."), most recent first."""
        rows = self._run("read the team's agents", lambda conn: conn.execute(
            "SELECT agent FROM togadesk.event WHERE env = %s ORDER BY id DESC LIMIT %s", (env, limit)).fetchall())
        return list(dict.fromkeys(r[0] for r in rows))

    # -- the team's canned replies --------------------------------------------------------------

    def templates(self, limit: int = 2000) -> list[Template]:
        """The team's canned replies, by name."""
        rows = self._run("read the team's canned replies", lambda conn: conn.execute(
            "SELECT id, name, text, status FROM togadesk.template ORDER BY lower(name), id LIMIT %s",
            (limit,)).fetchall())
        return [Template(name, text, status, TEAM, id_) for id_, name, text, status in rows]

    def save_template(self, template: Template) -> Template:
        """Adds (id 0) or replaces a team canned reply; a name another one has is refused in words."""
        template = template.checked()

        def work(conn: psycopg.Connection) -> Template:
            with conn.transaction():
                if template.id:
                    row = conn.execute(
                        "UPDATE togadesk.template SET name = %s, text = %s, status = %s, updated_by = %s,"
                        " updated_at = now() WHERE id = %s RETURNING id",
                        (template.name, template.text, template.status, self.agent, template.id)).fetchone()
                    if row is None:
                        raise TeamError(f"\u201c{template.name}\u201d was deleted by a teammate meanwhile.")
                else:
                    row = conn.execute(
                        "INSERT INTO togadesk.template (name, text, status, updated_by) VALUES (%s, %s, %s, %s)"
                        " RETURNING id", (template.name, template.text, template.status, self.agent)).fetchone()
            return dataclasses.replace(template, scope=TEAM, id=row[0])

        try:
            return self._run("save the team's canned reply", work)
        except TeamError as error:
            if "template_name" in str(error):
                raise TeamError(f"The team already has a canned reply named \u201c{template.name}\u201d.") \
                    from None
            raise

    def delete_template(self, template_id: int) -> None:
        self._run("delete the team's canned reply", lambda conn: conn.execute(
            "DELETE FROM togadesk.template WHERE id = %s", (template_id,)))

    def mark_missing(self, env: str, number: int, observed_at: datetime | None = None) -> bool:
        """Marks a ticket the vendor answered 404 for (observed at ``observed_at``, default now), keeping
        its snapshot, and appends a 'missing' event. A snapshot fetched later than the 404 wins over it
        (and clears the mark); an earlier one no longer does. True when the mark is new."""
        observed_at = datetime.now(UTC) if observed_at is None else _aware(observed_at, "observed_at")

        def work(conn: psycopg.Connection) -> bool:
            with conn.transaction():
                row = conn.execute(
                    """UPDATE togadesk.ticket SET vendor_missing = true, fetched_at = %s, fetched_by = %s
                        WHERE env = %s AND number = %s AND NOT vendor_missing AND fetched_at < %s
                        RETURNING number""",
                    (observed_at, self.agent, env, number, observed_at)).fetchone()
                if row is None:
                    return False
                self._append(conn, env, number, "missing", [])
                return True

        return self._run(f"mark ticket {number} missing", work)

    # -- reading ---------------------------------------------------------------------------------

    def events_after(self, env: str, cursor: int, limit: int = 500) -> tuple[list[TeamEvent], int]:
        """The events of ``env`` after ``cursor`` (an event id; 0 for all), oldest first, and the cursor
        to pass next time. Ids become visible in order, so reading from a saved cursor after a restart
        or a reconnect sees every event once: none missed, none twice."""
        def work(conn: psycopg.Connection) -> tuple[list[TeamEvent], int]:
            rows = conn.execute(
                "SELECT id, env, number, kind, changed_fields, agent, at, detail ->> 'to' FROM togadesk.event"
                " WHERE env = %s AND id > %s ORDER BY id LIMIT %s", (env, cursor, limit)).fetchall()
            events = [TeamEvent(r[0], r[1], r[2], r[3], tuple(r[4] or ()), r[5], r[6], r[7]) for r in rows]
            return events, (events[-1].id if events else cursor)

        return self._run("read the event log", work)

    def head(self, env: str) -> int:
        """The id of the newest event of ``env`` (0 when none): a fresh desk takes it as its cursor before
        listing ``tickets``, so what changes while it lists comes to it as events."""
        return self._run("read the event log", lambda conn: conn.execute(
            "SELECT coalesce(max(id), 0) FROM togadesk.event WHERE env = %s", (env,)).fetchone()[0])

    def snapshot(self, env: str, number: int) -> RegistryTicket | None:
        """The team's copy of ticket ``number``, or None when nobody has recorded it."""
        if not 0 <= number <= MAX_NUMBER:
            return None
        rows = self._select(f"read ticket {number}", "env = %s AND number = %s", (env, number))
        return rows[0] if rows else None

    def snapshots(self, env: str, numbers: list[int]) -> list[RegistryTicket]:
        """The team's copies of these tickets in one query (a catch-up reads hundreds at a time)."""
        wanted = [n for n in numbers if 0 <= n <= MAX_NUMBER]
        if not wanted:
            return []
        return self._select("read tickets", "env = %s AND number = ANY(%s)", (env, wanted), limit=len(wanted))

    def tickets(self, env: str, after: int = 0, limit: int = 1000) -> list[RegistryTicket]:
        """The team's tickets of ``env`` numbered above ``after``, in number order: page through them by
        passing the last number back."""
        return self._select("list the team's tickets", "env = %s AND number > %s", (env, after),
                            order="number", limit=limit)

    def search(self, env: str, text: str, limit: int = 50) -> list[RegistryTicket]:
        """Tickets of ``env`` matching ``text``: the ticket number exactly, or a part of the requester's
        name, e-mail address, phone number (by its digits, in any formatting, when the query has at
        least 4 and looks like a phone number), subject or message, case-insensitively; at least 3
        characters. An exact number comes first, then the newest. Uses the trigram indexes, so it stays
        fast on a large registry."""
        text = text.strip()
        if len(text) < MIN_SEARCH and not (text.isascii() and text.isdigit()):
            return []
        conditions = ["lower(name) LIKE %(like)s", "lower(subject) LIKE %(like)s", "lower(message) LIKE %(like)s"]
        if not any(ch.isspace() for ch in text):
            conditions.append("lower(email) LIKE %(like)s")  # an address has no spaces: "jane doe" is a name
        params: dict[str, Any] = {"env": env, "like": _like(text.lower()), "number": -1, "limit": limit}
        exact: list[RegistryTicket] = []
        if text.isascii() and text.isdigit() and len(text) <= 18:
            params["number"] = int(text)
            exact = self._select("search the team's tickets", "env = %(env)s AND number = %(number)s", params)
        digits = phone_digits(text)
        if len(digits) >= MIN_PHONE_DIGITS and _PHONE_LIKE.fullmatch(text):  # not the digits inside an e-mail
            params["digits"] = _like(digits)
            conditions.append("phone_digits LIKE %(digits)s")
        params["limit"] = max(0, limit - len(exact))
        # One top-N per field, so each gets the plan for its own selectivity (an OR of them all made the planner
        # walk the whole primary key when it overestimated the matches); not prepared, for the same reason.
        each = " UNION ".join(  # the conditions are this module's own fragments; every value is a parameter
            f"(SELECT number FROM togadesk.ticket WHERE env = %(env)s AND number <> %(number)s AND {condition}"  # noqa: S608
            " ORDER BY number DESC LIMIT %(limit)s)" for condition in conditions)
        query = (f"SELECT {_COLUMNS} FROM togadesk.ticket WHERE env = %(env)s AND number IN ({each})"  # noqa: S608
                 " ORDER BY number DESC LIMIT %(limit)s")
        rows = self._run("search the team's tickets",
                         lambda conn: conn.execute(query, params, prepare=False).fetchall())
        return [*exact, *(self._row(row) for row in rows)][:limit]

    def history(self, env: str, email: str | None, phone: str | None, *, exclude: int | None = None,
                limit: int = 50) -> list[RegistryTicket]:
        """The requester's tickets: the same e-mail address (any case) or the same phone digits, newest
        first, without ``exclude`` (the ticket on screen)."""
        conditions = []
        params: dict[str, Any] = {"env": env, "exclude": -1 if exclude is None else exclude, "limit": limit}
        if email and email.strip():
            params["email"] = email.strip().lower()
            conditions.append("lower(email) = %(email)s")
        digits = phone_digits(phone)
        if len(digits) >= MIN_PHONE_DIGITS:
            params["digits"] = digits
            conditions.append("phone_digits = %(digits)s")
        if not conditions:
            return []
        where = "env = %(env)s AND number <> %(exclude)s AND (" + " OR ".join(conditions) + ")"
        return self._select("read the requester's history", where, params, order="number DESC", limit=limit)

    def _select(self, doing: str, where: str, params: Any, *, order: str = "number",
                limit: int = 1, prepare: bool | None = None) -> list[RegistryTicket]:
        if isinstance(params, dict):
            params = {**params, "_limit": limit}
            tail = "LIMIT %(_limit)s"
        else:
            params = (*params, limit)
            tail = "LIMIT %s"
        # where and order are this module's own fragments; every value is a parameter.
        query = f"SELECT {_COLUMNS} FROM togadesk.ticket WHERE {where} ORDER BY {order} {tail}"  # noqa: S608
        rows = self._run(doing, lambda conn: conn.execute(query, params, prepare=prepare).fetchall())
        return [self._row(row) for row in rows]

    def _row(self, row: tuple[Any, ...]) -> RegistryTicket:
        env, number, snapshot, fetched_at, fetched_by, recorded_by, recorded_at, missing, assignee = row
        try:
            ticket = Ticket.from_json(snapshot)
        except ResponseError:
            ticket = None
        if ticket is None or ticket.ticket_number != number:
            raise TeamError(f"The team {self._where} holds a malformed snapshot of ticket {number}.")
        return RegistryTicket(env, ticket, fetched_at, fetched_by, recorded_by, recorded_at, bool(missing), assignee)

    # -- live events -----------------------------------------------------------------------------

    def listen(self, callback: Callable[[int], None], stop: threading.Event, *, poll: float = 0.5,
               ready: threading.Event | None = None, on_presence: Callable[[int], None] | None = None) -> None:
        """Calls ``callback(event_id)`` for each event any desk appends, until ``stop`` is set or the
        registry is closed (both seen within ``poll`` seconds). Run it on a worker thread; it has its
        own connection. The id is a hint: read ``events_after`` from the saved cursor, which is the
        truth. ``ready`` is set once listening, so a catch-up read after it misses nothing. A lost
        connection raises TeamError: reconnect, catch up, listen again."""
        conn = self.connect()
        try:
            conn.execute(f"LISTEN {CHANNEL}")
            if on_presence is not None:
                conn.execute(f"LISTEN {PRESENCE_CHANNEL}")
            if ready is not None:
                ready.set()
            while not (stop.is_set() or self._closed.is_set()):
                for note in conn.notifies(timeout=poll):
                    if note.channel == PRESENCE_CHANNEL:
                        if on_presence is not None and note.payload.isdigit():
                            on_presence(int(note.payload))
                        continue
                    try:
                        event_id = int(note.payload)
                    except ValueError:
                        log.warning("Ignored a team notification that is not an event id (%d characters)",
                                    len(note.payload))
                        continue
                    callback(event_id)
                    if stop.is_set() or self._closed.is_set():
                        break
        except psycopg.Error as exc:
            raise self._error(exc, "listen for events") from None
        finally:
            conn.close()
