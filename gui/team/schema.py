"""The registry's schema: versioned migrations, applied in order, each in one transaction.

Everything lives in the ``togadesk`` schema of the team's database, so the roles can be given exactly
these tables and nothing else. A ticket's searchable columns are generated from its snapshot (the
vendor's JSON), so no writer can store columns that disagree with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

SCHEMA = "togadesk"
CHANNEL = "togadesk_events"  # NOTIFY payload: the event id only
PRESENCE_CHANNEL = "togadesk_presence"  # NOTIFY payload: the ticket number whose presence changed
DESK_ROLE = "togadesk_desk"
RELAY_ROLE = "togadesk_relay"
LOCK_CLASS = 7410  # advisory lock keys (LOCK_CLASS, n): 0 = migrations, hashtext(env) = event order

# The event id is taken under a per-environment lock held until commit, so ids become visible in
# id order: a reader whose cursor passed id N can never later see an N-1 that was still committing.
_EVENT_IN_ORDER = f"""
CREATE FUNCTION {SCHEMA}.event_in_order() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, hashtext(NEW.env));
    NEW.id := nextval('{SCHEMA}.event_id_seq');
    RETURN NEW;
END $$
"""

_EVENT_NOTIFY = f"""
CREATE FUNCTION {SCHEMA}.event_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.id::text);
    RETURN NULL;
END $$
"""


def _field(key: str) -> str:
    return f"(snapshot ->> '{key}')"


_TABLES = [
    f"""
    CREATE TABLE {SCHEMA}.ticket (
        env               text        NOT NULL,
        number            bigint      NOT NULL,
        snapshot          jsonb       NOT NULL CHECK (jsonb_typeof(snapshot) = 'object'),
        name              text GENERATED ALWAYS AS
            (btrim(coalesce({_field("firstName")}, '') || ' ' || coalesce({_field("lastName")}, ''))) STORED,
        email             text GENERATED ALWAYS AS ({_field("emailAddress")}) STORED,
        phone             text GENERATED ALWAYS AS ({_field("phoneNumber")}) STORED,
        phone_digits      text GENERATED ALWAYS AS
            (regexp_replace(coalesce({_field("phoneNumber")}, ''), '[^0-9]', '', 'g')) STORED,
        subject           text GENERATED ALWAYS AS ({_field("subject")}) STORED,
        message           text GENERATED ALWAYS AS ({_field("message")}) STORED,
        status            text GENERATED ALWAYS AS ({_field("status")}) STORED,
        priority          text GENERATED ALWAYS AS ({_field("priority")}) STORED,
        first_recorded_by text        NOT NULL,
        first_recorded_at timestamptz NOT NULL DEFAULT now(),
        fetched_at        timestamptz NOT NULL,
        fetched_by        text        NOT NULL,
        vendor_missing    boolean     NOT NULL DEFAULT false,
        PRIMARY KEY (env, number)
    )""",
    f"CREATE SEQUENCE {SCHEMA}.event_id_seq AS bigint",
    f"""
    CREATE TABLE {SCHEMA}.event (
        id             bigint      PRIMARY KEY,
        env            text        NOT NULL,
        number         bigint      NOT NULL,
        kind           text        NOT NULL CHECK (kind IN ('added', 'changed', 'missing')),
        changed_fields text[]      NOT NULL DEFAULT '{{}}',
        agent          text        NOT NULL,
        at             timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (env, number) REFERENCES {SCHEMA}.ticket (env, number)
    )""",
    f"ALTER SEQUENCE {SCHEMA}.event_id_seq OWNED BY {SCHEMA}.event.id",
    f"CREATE INDEX event_env_id ON {SCHEMA}.event (env, id)",
    _EVENT_IN_ORDER,
    f"""CREATE TRIGGER event_in_order BEFORE INSERT ON {SCHEMA}.event
        FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.event_in_order()""",
    _EVENT_NOTIFY,
    f"""CREATE TRIGGER event_notify AFTER INSERT ON {SCHEMA}.event
        FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.event_notify()""",
    f"REVOKE ALL ON FUNCTION {SCHEMA}.event_in_order(), {SCHEMA}.event_notify() FROM PUBLIC",
    # Equality look-ups for a requester's history.
    f"CREATE INDEX ticket_email ON {SCHEMA}.ticket (env, lower(email))",
    f"CREATE INDEX ticket_phone ON {SCHEMA}.ticket (env, phone_digits)",
]

# Substring search (LIKE '%...%') on each field, by trigram.
TRIGRAM_INDEXES = {
    "ticket_name_trgm": "lower(name)",
    "ticket_email_trgm": "lower(email)",
    "ticket_phone_trgm": "phone_digits",
    "ticket_subject_trgm": "lower(subject)",
    "ticket_message_trgm": "lower(message)",
}


class ExtensionMissing(Exception):
    """pg_trgm is not installed in the database and this user may not create it."""


def trigram_schema(conn: psycopg.Connection) -> str | None:
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    return row[0] if row else None


def _create_trigram(conn: psycopg.Connection) -> list[str]:
    if trigram_schema(conn) is not None:
        return []
    try:
        with conn.transaction():  # a savepoint: the failure is reported, not the aborted transaction
            conn.execute(sql.SQL("CREATE EXTENSION pg_trgm SCHEMA {}").format(sql.Identifier(SCHEMA)))
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.FeatureNotSupported,
            psycopg.errors.UndefinedFile) as exc:
        raise ExtensionMissing(exc.diag.message_primary or str(exc)) from None
    return ["created the pg_trgm extension"]


def _migration_1(conn: psycopg.Connection) -> list[str]:
    done = _create_trigram(conn)
    for statement in _TABLES:
        conn.execute(statement)
    ops = sql.SQL("{}.gin_trgm_ops").format(sql.Identifier(trigram_schema(conn) or SCHEMA))
    for name, expression in TRIGRAM_INDEXES.items():
        conn.execute(sql.SQL("CREATE INDEX {} ON {}.ticket USING gin (({}) {})").format(
            sql.Identifier(name), sql.Identifier(SCHEMA), sql.SQL(expression), ops))
    return [*done, "created tables ticket and event, the event triggers and the search indexes"]


_PRESENCE_NOTIFY = f"""
CREATE FUNCTION {SCHEMA}.presence_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_notify('{PRESENCE_CHANNEL}', coalesce(NEW.number, OLD.number)::text);
    RETURN NULL;
END $$
"""

# Issue 16: assignment (in the registry only: the vendor has no assignee), presence, the relay's health.
_TEAM_WORK = [
    f"""ALTER TABLE {SCHEMA}.ticket
        ADD COLUMN assignee    text,
        ADD COLUMN assigned_at timestamptz,
        ADD COLUMN assigned_by text""",
    f"CREATE INDEX ticket_assignee ON {SCHEMA}.ticket (env, assignee)",
    f"ALTER TABLE {SCHEMA}.event DROP CONSTRAINT event_kind_check",
    f"""ALTER TABLE {SCHEMA}.event ADD CONSTRAINT event_kind_check
        CHECK (kind IN ('added', 'changed', 'missing', 'assigned'))""",
    # For 'assigned': {{"from": agent or null, "to": agent or null}}.
    f"ALTER TABLE {SCHEMA}.event ADD COLUMN detail jsonb",
    # Who is on a ticket now: a row per desk, kept alive by a heartbeat, gone when it expires.
    f"""
    CREATE TABLE {SCHEMA}.presence (
        env        text        NOT NULL,
        number     bigint      NOT NULL,
        agent      text        NOT NULL,
        name       text        NOT NULL DEFAULT '',
        state      text        NOT NULL CHECK (state IN ('viewing', 'replying')),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (env, number, agent)
    )""",
    f"CREATE INDEX presence_agent ON {SCHEMA}.presence (env, agent)",
    _PRESENCE_NOTIFY,
    # A heartbeat that changes nothing but the expiry notifies nobody.
    f"""CREATE TRIGGER presence_came_or_went AFTER INSERT OR DELETE ON {SCHEMA}.presence
        FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.presence_notify()""",
    f"""CREATE TRIGGER presence_changed AFTER UPDATE ON {SCHEMA}.presence
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION {SCHEMA}.presence_notify()""",
    f"REVOKE ALL ON FUNCTION {SCHEMA}.presence_notify() FROM PUBLIC",
    # Each running relay's health; desks read it to know whether to poll themselves.
    f"""
    CREATE TABLE {SCHEMA}.relay (
        env          text        NOT NULL,
        relay_id     text        NOT NULL,
        host         text        NOT NULL DEFAULT '',
        started_at   timestamptz NOT NULL DEFAULT now(),
        leader       boolean     NOT NULL DEFAULT false,
        last_poll    timestamptz,
        last_webhook timestamptz,
        lag_seconds  double precision,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (env, relay_id)
    )""",
]


def _migration_2(conn: psycopg.Connection) -> list[str]:
    for statement in _TEAM_WORK:
        conn.execute(statement)
    return ["added assignment to tickets, the presence table with its NOTIFY, and the relay's health table"]


def _migration_3(conn: psycopg.Connection) -> list[str]:
    search_statistics(conn)
    conn.execute(sql.SQL("ANALYZE {}.ticket").format(sql.Identifier(SCHEMA)))
    return ["raised the search columns' statistics and analysed the tickets"]


def search_statistics(conn: psycopg.Connection) -> None:
    """Finer statistics for the searched expressions: with the default the planner guessed '%...%' matches from
    a 100-entry sample and chose plans a hundred times too slow at a million tickets. (A rebuilt index loses
    its setting: call this again after re-creating the trigram indexes.)"""
    for index in TRIGRAM_INDEXES:
        if index != "ticket_phone_trgm":
            conn.execute(sql.SQL("ALTER INDEX {}.{} ALTER COLUMN 1 SET STATISTICS 1000").format(
                sql.Identifier(SCHEMA), sql.Identifier(index)))
    conn.execute(sql.SQL("ALTER TABLE {}.ticket ALTER COLUMN phone_digits SET STATISTICS 1000").format(
        sql.Identifier(SCHEMA)))


# Issue 18: the team's canned replies, beside each agent's own (kept in their desk's local store).
_TEMPLATES = [
    f"""
    CREATE TABLE {SCHEMA}.template (
        id         bigserial   PRIMARY KEY,
        name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        text       text        NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
        status     text        NOT NULL DEFAULT '',
        updated_by text        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    )""",
    f"CREATE UNIQUE INDEX template_name ON {SCHEMA}.template (lower(name))",
]


def _migration_4(conn: psycopg.Connection) -> list[str]:
    for statement in _TEMPLATES:
        conn.execute(statement)
    return ["added the team's canned replies"]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[psycopg.Connection], list[str]]


MIGRATIONS = [
    Migration(1, "tickets, the event log with NOTIFY, trigram search indexes", _migration_1),
    Migration(2, "assignment, presence, relay health", _migration_2),
    Migration(3, "finer statistics for search", _migration_3),
    Migration(4, "the team's canned replies", _migration_4),
]
SCHEMA_VERSION = MIGRATIONS[-1].version

# What each role may do; nothing else is granted (no TRUNCATE, ALTER, DROP, CREATE; DELETE only of
# presence rows and, for desks, of the team's canned replies, which agents edit). The relay polls the
# vendor and publishes like a desk; its election uses advisory locks, which need no grant.
GRANTS = [
    f"GRANT USAGE ON SCHEMA {SCHEMA} TO {{role}}",
    f"GRANT SELECT ON {SCHEMA}.schema_version TO {{role}}",
    f"GRANT SELECT, INSERT, UPDATE ON {SCHEMA}.ticket TO {{role}}",
    f"GRANT SELECT, INSERT ON {SCHEMA}.event TO {{role}}",
    f"GRANT USAGE ON SEQUENCE {SCHEMA}.event_id_seq TO {{role}}",
    f"GRANT EXECUTE ON FUNCTION {SCHEMA}.event_in_order(), {SCHEMA}.event_notify() TO {{role}}",
]
DESK_GRANTS = [
    *GRANTS,
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.presence TO {{role}}",
    f"GRANT EXECUTE ON FUNCTION {SCHEMA}.presence_notify() TO {{role}}",
    f"GRANT SELECT ON {SCHEMA}.relay TO {{role}}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.template TO {{role}}",
    f"GRANT USAGE ON SEQUENCE {SCHEMA}.template_id_seq TO {{role}}",
]
RELAY_GRANTS = [
    *GRANTS,
    f"GRANT SELECT ON {SCHEMA}.presence TO {{role}}",
    f"GRANT SELECT, INSERT, UPDATE ON {SCHEMA}.relay TO {{role}}",
]
ROLE_GRANTS = {DESK_ROLE: DESK_GRANTS, RELAY_ROLE: RELAY_GRANTS}
